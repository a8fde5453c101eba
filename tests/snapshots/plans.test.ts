/**
 * Issue 10's proof that a refactor changes nothing a live stack would notice: each shipped stack's plan
 * against its committed snapshot (tests/snapshots/plans/<stack>.json, made from main's plans). A difference
 * fails unless tests/snapshots/plans/allowed.json lists it with a reason; an entry no longer needed fails
 * too. Refresh deliberately with `npm run snapshot:plans` (see tools/plan/snapshotCli.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
    comparePlans,
    filesOf,
    judge,
    snapshotOf,
    SNAPSHOT_STACKS,
    type AllowedDifference,
    type PlanJsonResource,
    type PlanSnapshot,
} from "../../tools/plan/snapshot";
import { urnOf } from "../../tools/plan/urns";
import { ROOT } from "../helpers/build";
import { sharedPlan } from "../helpers/sharedPlans";

const DIR = join(ROOT, "tests/snapshots/plans");
const allowed = JSON.parse(readFileSync(join(DIR, "allowed.json"), "utf8")) as AllowedDifference[];

describe.each(SNAPSHOT_STACKS)("the %s plan against its snapshot", (stack) => {
    it("has the same resources (URNs or aliases), inputs, options, dependencies and shipped files", () => {
        const snapshot = JSON.parse(readFileSync(join(DIR, `${stack}.json`), "utf8")) as PlanSnapshot;
        const r = sharedPlan(stack);
        expect([0, 1], r.stderr).toContain(r.status);
        const plan = JSON.parse(r.stdout) as {
            resources: PlanJsonResource[];
            artifacts: { path: string }[];
        };
        const differences = comparePlans(snapshot, plan, filesOf(plan.artifacts, r.out));
        const { unexpected, stale } = judge(stack, differences, allowed);
        expect(unexpected, "differences not in tests/snapshots/plans/allowed.json").toEqual([]);
        expect(stale, "allow-list entries no longer needed: remove them").toEqual([]);
    });
});

/** A small plan: a component with a volume inside, the volume used by a server. */
const P = "proj";
const S = "prod";
const stackUrn = urnOf("proj-prod", "pulumi:pulumi:Stack", undefined, P, S);
function res(
    name: string,
    type: string,
    parent: string,
    extra: Partial<PlanJsonResource> = {},
): PlanJsonResource {
    return {
        urn: urnOf(name, type, parent, P, S),
        type,
        name,
        parent,
        custom: type !== "my:Fleet",
        dependencies: [],
        protect: false,
        ignoreChanges: [],
        inputs: {},
        ...extra,
    };
}
const fleet = res("fleet", "my:Fleet", stackUrn);
const volume = res("fleet-data", "hcloud:index/volume:Volume", fleet.urn, {
    protect: true,
    inputs: { size: 10 },
});
const server = res("fleet-server", "hcloud:index/server:Server", fleet.urn, { dependencies: [volume.urn] });
const before = snapshotOf(
    { stack: S, project: P, resources: [fleet, volume, server] },
    { "a/user-data": "ab" },
);
const compare = (resources: PlanJsonResource[], files: Record<string, string> = { "a/user-data": "ab" }) =>
    comparePlans(before, { resources }, files);

describe("comparePlans", () => {
    it("finds nothing when the plan is the same", () => {
        expect(compare([fleet, volume, server])).toEqual([]);
    });

    it("reports a renamed resource without an alias as removed and added: the engine would replace it", () => {
        const renamed = res("fleet-volume", volume.type, fleet.urn, { protect: true, inputs: { size: 10 } });
        const d = compare([fleet, renamed, { ...server, dependencies: [renamed.urn] }]);
        expect(d).toContain(
            `removed ${volume.urn}: no new resource has this URN or an alias of it (the engine would delete it)`,
        );
        expect(d).toContain(`added ${renamed.urn}`);
    });

    it("accepts a rename covered by a name alias, and maps dependencies through it", () => {
        const renamed = res("fleet-volume", volume.type, fleet.urn, {
            protect: true,
            inputs: { size: 10 },
            aliases: [{ name: "fleet-data", parentUrn: fleet.urn }],
        });
        expect(compare([fleet, renamed, { ...server, dependencies: [renamed.urn] }])).toEqual([]);
    });

    it("lets children inherit their parent's alias, as the engine does, when a component moves", () => {
        const region = res("eu", "my:Region", stackUrn);
        const moved = res("fleet", "my:Fleet", region.urn, { aliases: [{ parentUrn: stackUrn }] });
        const v = res(volume.name, volume.type, moved.urn, { protect: true, inputs: { size: 10 } });
        const s = res(server.name, server.type, moved.urn, { dependencies: [v.urn] });
        expect(compare([region, moved, v, s])).toEqual([`added ${region.urn}`]);
    });

    it("reports changed inputs, options and shipped files by key", () => {
        const bigger = { ...volume, protect: false, inputs: { size: 20 } };
        expect(compare([fleet, bigger, server], { "a/user-data": "cd", "b/new": "ef" })).toEqual([
            `${volume.urn} options.protect: true -> false`,
            `${volume.urn} inputs.size: 10 -> 20`,
            "file a/user-data: content changed",
            "file b/new: new",
        ]);
    });
});

describe("judge", () => {
    const entry = (difference: string): AllowedDifference => ({
        stack: S,
        difference,
        reason: "a label added in place",
    });

    it("passes a listed difference and fails an unlisted one", () => {
        expect(judge(S, ["x", "y"], [entry("x")])).toEqual({ unexpected: ["y"], stale: [] });
    });

    it("reports a listed difference that no longer occurs as stale", () => {
        expect(judge(S, [], [entry("x")]).stale).toEqual([entry("x")]);
    });
});
