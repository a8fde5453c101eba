import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
    AutoscalerClusterConfig,
    autoscalerNodeGroups,
    type AutoscaledPool,
    PLACEMENT_GROUP_MAX_SERVERS,
    USER_DATA_MAX_BYTES,
} from "../../../core/k8s/autoscalerConfig";

type Taint = AutoscaledPool["taints"][number];

/** A cloud-init whose k3s config sets exactly these node labels and taints, as the cluster program writes it. */
function k3sCloudInit(labels: Record<string, string>, taints: readonly Taint[], padding = ""): string {
    const list = (items: string[]) => items.map((i) => `        - "${i}"`).join("\n");
    return [
        "#cloud-config",
        "write_files:",
        "  - path: /etc/rancher/k3s/config.yaml",
        "    content: |",
        "      node-label:",
        list(Object.entries(labels).map(([k, v]) => `${k}=${v}`)),
        "      node-taint:",
        list(taints.map((t) => `${t.key}=${t.value}:${t.effect}`)),
        `      # ${padding}`,
        "runcmd:",
        "  - curl -sfL https://get.k3s.io | sh -s - agent",
        "",
    ].join("\n");
}

function pool(name: string, over: Partial<AutoscaledPool> = {}): AutoscaledPool {
    const labels = over.labels ?? { "example.com/pool": name };
    const taints = over.taints ?? [{ key: "example.com/pool", value: name, effect: "NoSchedule" as const }];
    return {
        pool: name,
        serverType: "cx33",
        location: "nbg1",
        min: 1,
        max: 5,
        placement: true,
        labels,
        taints,
        cloudInit: k3sCloudInit(labels, taints),
        ...over,
    };
}

describe("cluster config schema", () => {
    const built = autoscalerNodeGroups({ pools: [pool("agents"), pool("batch", { placement: false })] });

    it("round-trips the built config through the JSON the file holds", () => {
        const parsed = AutoscalerClusterConfig.parse(JSON.parse(built.configJson));
        expect(parsed).toEqual(built.config);
        expect(Object.keys(parsed.nodeConfigs)).toEqual(["agents", "batch"]);
        expect(parsed.nodeConfigs.agents?.placementGroup).toBe("autoscaler-agents");
        expect(parsed.nodeConfigs.batch?.placementGroup).toBeUndefined();
    });

    it("refuses a typo'd key at every level, which Go's decoder would drop silently", () => {
        const json = JSON.parse(built.configJson) as Record<string, unknown>;
        const agents = built.config.nodeConfigs.agents!;
        const typos: unknown[] = [
            { ...json, nodeConfig: json.nodeConfigs },
            { ...json, imagesForArch: { amd64: "ubuntu-24.04", arm: "ubuntu-24.04" } },
            { ...json, nodeConfigs: { agents: { ...agents, placementgroupp: "pg" } } },
            { ...json, nodeConfigs: { agents: { ...agents, taint: agents.taints } } },
            {
                ...json,
                nodeConfigs: {
                    agents: { ...agents, taints: [{ key: "k", value: "v", effects: "NoSchedule" }] },
                },
            },
            // The internal fields decode but do nothing: refused too.
            { ...json, isUsingNewFormat: true },
            { ...json, legacyConfig: { cloudInit: "x", imageName: "y" } },
        ];
        for (const t of typos)
            expect(AutoscalerClusterConfig.safeParse(t).success, JSON.stringify(t)).toBe(false);
    });

    it("refuses wrong types", () => {
        const agents = built.config.nodeConfigs.agents!;
        const wrong: unknown[] = [
            { ...built.config, nodeConfigs: { agents: { ...agents, cloudInit: 42 } } },
            { ...built.config, nodeConfigs: { agents: { ...agents, labels: ["pool=agents"] } } },
            { ...built.config, nodeConfigs: { agents: { ...agents, labels: { replicas: 3 } } } },
            { ...built.config, nodeConfigs: { agents: { ...agents, taints: { key: "k" } } } },
            {
                ...built.config,
                nodeConfigs: {
                    agents: { ...agents, taints: [{ key: "k", value: "v", effect: "NoSchedul" }] },
                },
            },
            { ...built.config, imagesForArch: "ubuntu-24.04" },
        ];
        for (const w of wrong)
            expect(AutoscalerClusterConfig.safeParse(w).success, JSON.stringify(w)).toBe(false);
    });
});

describe("node groups", () => {
    it("writes one five-field --nodes flag per nodeConfigs key, with its sizes, type and location", () => {
        const pools = [
            pool("agents", { min: 2, max: 7 }),
            pool("big", { serverType: "CCX33", location: "HEL1" }),
        ];
        const { nodesArgs, config, groups } = autoscalerNodeGroups({ pools });
        expect(nodesArgs).toHaveLength(groups.length);
        const names = nodesArgs.map((a) => {
            expect(a.startsWith("--nodes=")).toBe(true);
            const fields = a.slice("--nodes=".length).split(":");
            expect(fields).toHaveLength(5);
            const [min, max, type, location, name] = fields;
            const g = groups.find((x) => x.name === name)!;
            const p = pools.find((x) => x.pool === g.pool)!;
            expect([Number(min), Number(max)]).toEqual([p.min, p.max]);
            // The autoscaler lower-cases both; the flags already are.
            expect([type, location]).toEqual([p.serverType.toLowerCase(), p.location.toLowerCase()]);
            return name;
        });
        expect(names).toEqual(Object.keys(config.nodeConfigs));
    });

    it("splits a placed pool of max 25 into 3 groups of at most 10, each with its own placement group", () => {
        const p = pool("agents", { min: 4, max: 25 });
        const { groups, config, placementGroups, nodesArgs } = autoscalerNodeGroups({ pools: [p] });
        expect(groups.map((g) => g.name)).toEqual(["agents-1", "agents-2", "agents-3"]);
        expect(groups.every((g) => g.max <= PLACEMENT_GROUP_MAX_SERVERS && g.min <= g.max)).toBe(true);
        expect(groups.reduce((s, g) => s + g.max, 0)).toBe(25);
        expect(groups.reduce((s, g) => s + g.min, 0)).toBe(4);
        const pgs = groups.map((g) => config.nodeConfigs[g.name]?.placementGroup);
        expect(new Set(pgs).size).toBe(3);
        expect(pgs).toEqual(placementGroups);
        expect(nodesArgs.map((a) => a.split(":")[4])).toEqual(Object.keys(config.nodeConfigs));
        // Every group carries the pool's labels, taints and cloud-init, and nothing adds hcloud/node-group.
        for (const g of groups) {
            const nc = config.nodeConfigs[g.name]!;
            expect(nc.labels).toEqual(p.labels);
            expect(nc.taints).toEqual(p.taints);
            expect(nc.cloudInit).toBe(p.cloudInit);
            expect(Object.keys(nc.labels ?? {})).not.toContain("hcloud/node-group");
        }
    });

    it("keeps every split within a placement group's 10 servers, whatever min and max", () => {
        fc.assert(
            fc.property(
                fc
                    .integer({ min: 1, max: 200 })
                    .chain((max) => fc.tuple(fc.integer({ min: 0, max }), fc.constant(max))),
                ([min, max]) => {
                    const { groups, placementGroups } = autoscalerNodeGroups({
                        pools: [pool("p", { min, max })],
                    });
                    expect(groups).toHaveLength(Math.ceil(max / PLACEMENT_GROUP_MAX_SERVERS));
                    expect(groups.every((g) => g.max <= PLACEMENT_GROUP_MAX_SERVERS && g.min <= g.max)).toBe(
                        true,
                    );
                    expect(groups.reduce((s, g) => s + g.max, 0)).toBe(max);
                    expect(groups.reduce((s, g) => s + g.min, 0)).toBe(min);
                    expect(new Set(placementGroups).size).toBe(groups.length);
                },
            ),
        );
    });

    it("leaves an unplaced pool whole, whatever its size", () => {
        const { groups, placementGroups } = autoscalerNodeGroups({
            pools: [pool("wide", { max: 25, placement: false })],
        });
        expect(groups.map((g) => [g.name, g.max])).toEqual([["wide", 25]]);
        expect(placementGroups).toEqual([]);
    });

    it("uses one image for both architectures unless given one per architecture", () => {
        expect(autoscalerNodeGroups({ pools: [pool("a")] }).config.imagesForArch).toEqual({
            amd64: "ubuntu-24.04",
            arm64: "ubuntu-24.04",
        });
        expect(autoscalerNodeGroups({ pools: [pool("a")], image: "k3s=true" }).config.imagesForArch).toEqual({
            amd64: "k3s=true",
            arm64: "k3s=true",
        });
        expect(() =>
            autoscalerNodeGroups({
                pools: [pool("arm", { serverType: "cax21" })],
                imagesForArch: { amd64: "x" },
            }),
        ).toThrow(/pool "arm".*arm64.*imagesForArch\.arm64/);
    });
});

describe("node group guards", () => {
    it("refuses a cloud-init over Hetzner's user_data limit, naming the pool", () => {
        const p = pool("fat");
        expect(() => autoscalerNodeGroups({ pools: [p] })).not.toThrow();
        const padded = k3sCloudInit(p.labels, p.taints, "x".repeat(USER_DATA_MAX_BYTES));
        expect(() => autoscalerNodeGroups({ pools: [pool("lean"), { ...p, cloudInit: padded }] })).toThrow(
            /pool "fat".*user_data limit of 32768/,
        );
        // Bytes, not characters: 11,000 three-byte characters are 33,000 bytes.
        const wide = k3sCloudInit(p.labels, p.taints, "€".repeat(11_000));
        expect(wide.length).toBeLessThan(USER_DATA_MAX_BYTES);
        expect(() => autoscalerNodeGroups({ pools: [{ ...p, cloudInit: wide }] })).toThrow(/pool "fat"/);
    });

    it("refuses labels the cloud-init's node-label does not set", () => {
        const p = pool("agents");
        const other = k3sCloudInit({ "example.com/pool": "agents-big" }, p.taints);
        expect(() => autoscalerNodeGroups({ pools: [{ ...p, cloudInit: other }] })).toThrow(
            /pool "agents".*label example\.com\/pool=agents is not set/,
        );
        // A taint of the same k=v is not the label.
        const asTaint = k3sCloudInit({}, [
            ...p.taints,
            { key: "example.com/pool", value: "agents", effect: "NoExecute" },
        ]);
        expect(() => autoscalerNodeGroups({ pools: [{ ...p, cloudInit: asTaint }] })).toThrow(/label/);
    });

    it("refuses taints the cloud-init's node-taint does not set, effect included", () => {
        const p = pool("gpu");
        const taints = [{ key: "example.com/pool", value: "gpu", effect: "NoExecute" as const }];
        expect(() =>
            autoscalerNodeGroups({ pools: [{ ...p, cloudInit: k3sCloudInit(p.labels, taints) }] }),
        ).toThrow(/pool "gpu".*taint example\.com\/pool=gpu:NoSchedule is not set/);
    });

    it("refuses more than 50 placement groups per project, naming the largest pool", () => {
        const pools = ["a", "b", "c", "d", "e"].map((n) => pool(n, { max: 100 }));
        expect(() => autoscalerNodeGroups({ pools })).not.toThrow(); // exactly 50
        expect(() => autoscalerNodeGroups({ pools: [...pools, pool("f", { max: 11 })] })).toThrow(
            /pool "a".*52 .*above Hetzner's 50/,
        );
        expect(() => autoscalerNodeGroups({ pools, existingPlacementGroups: 1 })).toThrow(/\+1 existing/);
    });

    it("refuses the autoscaler's own label, labels kubelet refuses, and names that are no hostname", () => {
        const withLabel = (labels: Record<string, string>) =>
            pool("agents", { labels, cloudInit: k3sCloudInit(labels, pool("agents").taints) });
        expect(() => autoscalerNodeGroups({ pools: [withLabel({ "hcloud/node-group": "agents" })] })).toThrow(
            /pool "agents".*hcloud\/node-group/,
        );
        expect(() =>
            autoscalerNodeGroups({ pools: [withLabel({ "node-role.kubernetes.io/worker": "true" })] }),
        ).toThrow(/pool "agents".*kubelet refuses/);
        expect(() =>
            autoscalerNodeGroups({ pools: [withLabel({ "node.kubernetes.io/pool": "agents" })] }),
        ).not.toThrow();
        expect(() => autoscalerNodeGroups({ pools: [pool("Agents_1")] })).toThrow(
            /pool "Agents_1".*DNS label/,
        );
        expect(() => autoscalerNodeGroups({ pools: [pool("a".repeat(47))] })).toThrow(/at most 46/);
    });

    it("refuses two node groups of the same name, sizes out of order, and a subnet 1.33 cannot pick", () => {
        expect(() => autoscalerNodeGroups({ pools: [pool("web", { max: 20 }), pool("web-1")] })).toThrow(
            /pool "web-1".*node group "web-1" is also a node group of pool "web"/,
        );
        expect(() => autoscalerNodeGroups({ pools: [pool("web", { min: 6, max: 5 })] })).toThrow(
            /pool "web"/,
        );
        expect(() => autoscalerNodeGroups({ pools: [pool("web", { serverType: "cx33:x" })] })).toThrow(
            /pool "web"/,
        );
        expect(() => autoscalerNodeGroups({ pools: [pool("web")], subnetIpRange: "10.0.16.0/20" })).toThrow(
            /1\.35/,
        );
        expect(() => autoscalerNodeGroups({ pools: [] })).toThrow(/no pools/);
    });
});
