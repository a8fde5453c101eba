/**
 * Proves that config changes never delete or replace the resources that hold data: plan phase1, plan it
 * again with edited config, and compare what the engine would do with the stateful resources.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { STATEFUL_TYPES } from "../../core/catalog/replacement";
import { statefulChanges, type DiffResource } from "../../tools/plan/diff";
import { editedPlan } from "../helpers/editedPlan";
import { sharedPlan } from "../helpers/sharedPlans";
import { ROOT } from "../helpers/stackFiles";

const P = "phase-stacks";
const base = (
    parse(readFileSync(join(ROOT, "Pulumi.phase1.yaml"), "utf8")) as { config: Record<string, unknown> }
).config;

async function planResources(set: Record<string, unknown>): Promise<DiffResource[]> {
    return (await editedPlan("phase1", set)).resources;
}

/** Edits a user makes over a stack's life, all of which change the server's user data or placement. */
const EDITS: Record<string, Record<string, unknown>> = {
    "new OS image, extra SSH key and admin range": {
        [`${P}:servers`]: { app: { type: "cx33", image: "debian-12" } },
        [`${P}:admin`]: {
            sshPublicKeys: [
                ...(base[`${P}:admin`] as { sshPublicKeys: string[] }).sshPublicKeys,
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGrmxnwCbR8z6DFr8BApfwxtwZm0UpAqtd+rDtI7PLTV second@example.com",
            ],
            sshAllowedCidrs: ["198.51.100.0/24"],
        },
    },
    "new application images and memory sizes": {
        [`${P}:workloadOverrides`]: {
            api: { image: "ghcr.io/acme/api:3.0.0", memoryMb: 768 },
            worker: { replicas: 1 },
        },
    },
    "another location, a bigger volume and a larger server type": {
        [`${P}:location`]: "hel1",
        [`${P}:fallbackLocations`]: ["nbg1"],
        [`${P}:postgres`]: { volumeGb: 80 },
        [`${P}:servers`]: { app: { type: "cx43" } },
    },
    "new hostnames and backup bucket": {
        [`${P}:edge`]: { zone: "example.org", zoneId: "fedcba9876543210fedcba9876543210", appHost: "www" },
        [`${P}:backup`]: {
            endpoint: "https://hel1.your-objectstorage.com",
            bucket: "other-bucket",
            retentionDays: 14,
        },
    },
};

let before: DiffResource[];
beforeAll(() => {
    before = (JSON.parse(sharedPlan("phase1").stdout) as { resources: DiffResource[] }).resources;
});

describe("stateful resources across config changes", () => {
    it("the phase1 plan has stateful resources, all protected", () => {
        // Agent-pool hosts and their IPs share these types but hold no data (no `stateful` label).
        const stateful = before.filter(
            (r) =>
                STATEFUL_TYPES.includes(r.type) &&
                (r.inputs["labels"] as Record<string, string> | undefined)?.["role"] !== "agent",
        );
        expect(stateful.map((r) => r.type).sort()).toEqual([
            "hcloud:index/server:Server",
            "hcloud:index/volume:Volume",
        ]);
        for (const r of stateful) expect(r.protect, r.urn).toBe(true);
    });

    it.each(Object.keys(EDITS))("%s: no stateful resource is deleted or replaced", async (edit) => {
        const after = await planResources(EDITS[edit] ?? {});
        expect(statefulChanges(before, after)).toEqual([]);
    });

    it("the same check catches a replacement once ignoreChanges is gone (the guard is what protects)", async () => {
        const edited = await planResources(EDITS["new application images and memory sizes"] ?? {});
        const after = edited.map((r) => ({ ...r, ignoreChanges: [] }));
        expect(statefulChanges(before, after)).toEqual([
            {
                urn: expect.stringContaining("hcloud:index/server:Server") as string,
                op: "replace",
                inputs: ["userData"],
                protect: true,
            },
        ]);
    });
});
