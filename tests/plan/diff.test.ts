import { describe, expect, it } from "vitest";
import { statefulChanges } from "../../tools/plan/diff";

const volume = (inputs: Record<string, unknown>, ignoreChanges: string[] = []) => ({
    urn: "u:vol",
    type: "hcloud:index/volume:Volume",
    protect: true,
    ignoreChanges,
    inputs,
});

describe("stateful diff", () => {
    it("sees a deleted stateful resource", () => {
        expect(statefulChanges([volume({ size: 10 })], [])).toEqual([
            { urn: "u:vol", op: "delete", inputs: [], protect: true },
        ]);
    });

    it("sees a replacement-forcing change unless it is ignored", () => {
        expect(statefulChanges([volume({ location: "nbg1" })], [volume({ location: "hel1" })])[0]?.op).toBe(
            "replace",
        );
        expect(
            statefulChanges([volume({ location: "nbg1" })], [volume({ location: "hel1" }, ["location"])]),
        ).toEqual([]);
    });

    it("treats in-place updates (a volume growing) as safe and ignores stateless types", () => {
        expect(statefulChanges([volume({ size: 10 })], [volume({ size: 20 })])).toEqual([]);
        const fw = {
            urn: "u:fw",
            type: "hcloud:index/firewall:Firewall",
            protect: false,
            ignoreChanges: [],
            inputs: {},
        };
        expect(statefulChanges([fw], [])).toEqual([]);
    });

    it("compares nested paths", () => {
        const ns = (name: string) => ({
            urn: "u:ns",
            type: "kubernetes:core/v1:Namespace",
            protect: true,
            ignoreChanges: [],
            inputs: { metadata: { name } },
        });
        expect(statefulChanges([ns("a")], [ns("b")])).toEqual([
            { urn: "u:ns", op: "replace", inputs: ["metadata.name"], protect: true },
        ]);
    });
});
