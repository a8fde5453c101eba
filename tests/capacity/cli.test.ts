/** `npm run capacity`: the JSON contract, prices from the catalog, and clear errors for bad arguments. */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { SERVER_TYPES, UNIT_PRICES } from "../../core/catalog/hetzner";
import { runCapacity } from "../../tools/capacity/run";
import { ROOT } from "../helpers/stackFiles";

const json = (argv: string[]) =>
    JSON.parse(runCapacity([...argv, "--json"]).stdout) as Record<string, unknown>;

describe("npm run capacity", () => {
    it("prints exactly the contract's fields for 1,000 free-tier users", () => {
        const out = json(["--active-users", "1000", "--containers-per-user", "1", "--tier", "free"]);
        const node = SERVER_TYPES.cx43.price.monthlyEur + UNIT_PRICES.primaryIpv4.monthlyEur;
        expect(out).toEqual({
            requiredNodes: 20,
            bufferNodes: 6,
            totalNodes: 26,
            serverType: "cx43",
            monthlyEur: Math.round(26 * node * 100) / 100,
        });
    });

    it("sizes enterprise by the dedicated host's RAM (7 x 2 GB on a 16 GB ccx23)", () => {
        const out = json(["--active-users", "14", "--containers-per-user", "1", "--tier", "enterprise"]);
        expect(out).toMatchObject({ requiredNodes: 2, serverType: "ccx23" });
    });

    it("fails with exit 2 naming the flag, or the server type that is too small", () => {
        const bad = runCapacity(["--active-users", "2.5", "--containers-per-user", "1", "--tier", "free"]);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toMatch(/--active-users must be a whole number/);
        expect(
            runCapacity(["--active-users", "1", "--containers-per-user", "1", "--tier", "gold"]).stderr,
        ).toMatch(/--tier must be one of free, pro, business, enterprise/);
        const small = runCapacity([
            "--active-users",
            "1",
            "--containers-per-user",
            "1",
            "--tier",
            "enterprise",
            "--server-type",
            "cpx12",
        ]);
        expect(small.code).toBe(2);
        expect(small.stderr).toMatch(/cpx12 .* cannot hold one enterprise container/);
    });

    it("runs as the npm script", () => {
        const out = execFileSync(
            "npm",
            [
                "run",
                "--silent",
                "capacity",
                "--",
                "--active-users",
                "100",
                "--containers-per-user",
                "1",
                "--tier",
                "free",
                "--json",
            ],
            { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
        );
        expect(JSON.parse(out)).toMatchObject({ requiredNodes: 2, bufferNodes: 1, totalNodes: 3 });
    });
});
