import { beforeAll, describe, expect, it } from "vitest";
import type { Plan, PlanResource } from "../../tools/plan/run";
import { sharedPlanObject } from "../helpers/sharedPlans";

let plan: Plan;
let containers: PlanResource[];
beforeAll(() => {
    plan = sharedPlanObject("dev");
    containers = plan.resources.filter((r) => r.type === "docker:index/container:Container");
});

const input = <T>(r: PlanResource, key: string) => r.inputs[key] as T;

describe("dev plan", () => {
    it("runs every phase-1 service but the log agent, workers twice, on the local engine with no cloud resource", () => {
        expect(containers.map((c) => c.name).sort()).toEqual(
            [
                "alertmanager",
                "api",
                "blackbox-exporter",
                "crawler",
                "frontend",
                "grafana",
                "loki",
                "meilisearch",
                "node-exporter",
                "otel-collector",
                "postgres",
                "postgres-exporter",
                "prometheus",
                "proxy",
                "redis",
                "redis-exporter",
                "worker-1",
                "worker-2",
            ].map((n) => `local-${n}`),
        );
        expect(plan.resources.filter((r) => /^(hcloud|cloudflare):/.test(r.type))).toEqual([]);
        expect(plan.cost.monthlyEur).toBe(0);
    });

    it.each(["user", "readOnly", "capabilities", "securityOpts", "memory"])(
        "every container sets %s to the sandboxed value",
        (field) => {
            for (const c of containers) {
                const v = c.inputs[field];
                if (field === "user") expect(String(v), c.name).toMatch(/^[1-9]\d*:\d+$/);
                if (field === "readOnly") expect(v, c.name).toBe(true);
                if (field === "capabilities")
                    expect((v as { drops: string[] }).drops, c.name).toEqual(["ALL"]);
                if (field === "securityOpts") expect(v, c.name).toEqual(["no-new-privileges:true"]);
                if (field === "memory") expect(input<number>(c, "memorySwap"), c.name).toBe(v);
            }
        },
    );

    it("names every resource once, as the engine demands of URNs", () => {
        const urns = plan.resources.map((r) => r.urn);
        expect(urns.filter((u, i) => urns.indexOf(u) !== i)).toEqual([]);
    });

    it("mounts Prometheus' config volume once, its rules directory inside it", () => {
        const prometheus = containers.find((c) => c.name === "local-prometheus");
        const mounts = input<{ source: string; target: string }[]>(prometheus!, "mounts");
        expect(mounts).toEqual([
            { source: "dev-prometheus-config", target: "/etc/prometheus", type: "volume" },
        ]);
        const files = input<{ file: string }[]>(prometheus!, "uploads").map((u) => u.file);
        expect(files).toContain("/etc/prometheus/rules/scaling.rules.yml");
    });

    it("publishes only the proxy and Grafana, on loopback", () => {
        const published = containers.flatMap(
            (c) =>
                input<{ ip: string; external: number }[] | undefined>(c, "ports")?.map(
                    (p) => `${c.name} ${p.ip}:${p.external}`,
                ) ?? [],
        );
        expect(published.sort()).toEqual(["local-grafana 127.0.0.1:3000", "local-proxy 127.0.0.1:8080"]);
    });

    it("protects exactly the volumes that hold data", () => {
        const protectedVolumes = plan.resources
            .filter((r) => r.type === "docker:index/volume:Volume" && r.protect)
            .map((r) => r.name);
        expect(protectedVolumes.sort()).toEqual([
            "local-loki-data",
            "local-postgres-data",
            "local-redis-data",
        ]);
    });

    it("keeps credentials out of environments: secrets arrive as 0400 files, masked in the plan", () => {
        for (const c of containers)
            for (const e of input<string[]>(c, "envs")) expect(e, c.name).not.toMatch(/PASSWORD=|secret:/);
        const postgres = containers.find((c) => c.name === "local-postgres");
        const uploads = postgres
            ? input<{ file: string; content: string; permissions: string }[]>(postgres, "uploads")
            : [];
        expect(uploads).toEqual([
            {
                file: "/run/secrets/postgres-password",
                content: expect.stringMatching(/^\[secret:/) as string,
                owner: "70",
                group: "70",
                permissions: "0400",
            },
        ]);
    });

    it("puts the data services on the internal network only", () => {
        const internal = plan.resources
            .filter((r) => r.type === "docker:index/network:Network" && r.inputs["internal"] === true)
            .map((r) => r.inputs["name"]);
        expect(internal.sort()).toEqual(["dev-data", "dev-monitoring"]);
        for (const name of ["local-postgres", "local-redis", "local-meilisearch"]) {
            const c = containers.find((x) => x.name === name);
            expect(c && input<{ name: string }[]>(c, "networksAdvanced").map((n) => n.name), name).toEqual([
                "dev-data",
            ]);
        }
    });

    it("starts containers after the ones they reach", () => {
        const urn = (n: string) => containers.find((c) => c.name === n)?.urn;
        expect(containers.find((c) => c.name === "local-api")?.dependencies).toEqual(
            expect.arrayContaining([urn("local-postgres"), urn("local-redis"), urn("local-meilisearch")]),
        );
    });

    it("has no mandatory policy violation", () => {
        expect(plan.policy.violations.filter((v) => v.level === "mandatory")).toEqual([]);
    });
});
