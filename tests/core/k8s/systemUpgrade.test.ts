import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomInt } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { KubeObject } from "../../../core/k8s/objects";
import {
    AGENT_PLAN,
    K3S_UPGRADE_IMAGE,
    planCrd,
    SERVER_PLAN,
    SYSTEM_UPGRADE_CONTROLLER_IMAGE,
    SYSTEM_UPGRADE_NAMESPACE,
    systemUpgradeObjects,
    type SystemUpgradeInput,
    type UpgradeWindow,
    WINDOW_DAYS,
} from "../../../core/k8s/systemUpgrade";
import { kubeSchemaProblems } from "../../helpers/kubeSchemas";

const ROOT = join(__dirname, "..", "..", "..");
const version = () => `v1.${randomInt(30, 40)}.${randomInt(0, 20)}+k3s${randomInt(1, 4)}`;
const input = (over: Partial<SystemUpgradeInput> = {}): SystemUpgradeInput => ({
    k3sVersion: version(),
    ...over,
});

const find = (objects: KubeObject[], kind: string, name: string): KubeObject => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`no ${kind} ${name}`);
    return o;
};

interface Requirement {
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    values?: string[];
}
type PlanSpec = {
    concurrency: number;
    cordon?: boolean;
    version: string;
    nodeSelector: { matchExpressions: Requirement[] };
    prepare?: { image: string; args: string[] };
    drain?: Record<string, unknown>;
    upgrade: { image: string };
    serviceAccountName: string;
    window?: UpgradeWindow;
};
const planSpec = (o: KubeObject) => o.spec as PlanSpec;

/** A label selector's matchExpressions against a node's labels, as Kubernetes evaluates them. */
function selects(requirements: Requirement[], labels: Record<string, string>): boolean {
    return requirements.every((r) => {
        const has = Object.hasOwn(labels, r.key);
        switch (r.operator) {
            case "In":
                return has && (r.values ?? []).includes(labels[r.key]!);
            case "NotIn":
                return !has || !(r.values ?? []).includes(labels[r.key]!);
            case "Exists":
                return has;
            case "DoesNotExist":
                return !has;
        }
    });
}

// Node labels as k3s sets them: servers carry control-plane=true (and etcd, master), agents neither.
const SERVER = {
    "kubernetes.io/os": "linux",
    "node-role.kubernetes.io/control-plane": "true",
    "node-role.kubernetes.io/etcd": "true",
    "node-role.kubernetes.io/master": "true",
};
const AGENT = { "kubernetes.io/os": "linux", "kubernetes.io/hostname": "pool-a-1" };

describe("system-upgrade-controller objects", () => {
    it("pass the Kubernetes schemas and the vendored Plan CRD", () => {
        const objects = systemUpgradeObjects(input({ agentConcurrency: randomInt(1, 5) }));
        expect(objects.flatMap(kubeSchemaProblems)).toEqual([]);
        expect(objects.map((o) => o.kind)).toEqual([
            "CustomResourceDefinition",
            "Namespace",
            "ServiceAccount",
            "ClusterRole",
            "Role",
            "ClusterRole",
            "ClusterRoleBinding",
            "ClusterRoleBinding",
            "RoleBinding",
            "ConfigMap",
            "Deployment",
            "Plan",
            "Plan",
        ]);
    });

    it("fail the schema when a Plan field has the wrong type or value", () => {
        const plan = find(systemUpgradeObjects(input()), "Plan", SERVER_PLAN);
        const mutate = (field: string, value: unknown): KubeObject => ({
            ...plan,
            spec: { ...planSpec(plan), [field]: value },
        });
        expect(kubeSchemaProblems(mutate("concurrency", "1"))).not.toEqual([]);
        expect(kubeSchemaProblems(mutate("cordon", "true"))).not.toEqual([]);
        expect(kubeSchemaProblems(mutate("upgrade", {}))).not.toEqual([]);
        expect(kubeSchemaProblems(mutate("window", { days: ["funday"] }))).not.toEqual([]);
        const { upgrade: _, ...noUpgrade } = planSpec(plan);
        expect(kubeSchemaProblems({ ...plan, spec: noUpgrade })).not.toEqual([]);
    });

    it("ship the CRD upstream publishes, the same as the copy the schema tests use", () => {
        const fixture = parse(
            readFileSync(join(ROOT, "tests/fixtures/crds/upgrade.cattle.io_plans.yaml"), "utf8"),
        ) as unknown;
        expect(planCrd()).toEqual(fixture);
        const vendored = readFileSync(join(ROOT, "core/k8s/vendor/upgrade.cattle.io_plans.yaml"), "utf8");
        expect(vendored).toBe(
            readFileSync(join(ROOT, "tests/fixtures/crds/upgrade.cattle.io_plans.yaml"), "utf8"),
        );
        // Callers get their own copy.
        (planCrd().metadata as { name: string }).name = "changed";
        expect(planCrd().metadata.name).toBe("plans.upgrade.cattle.io");
    });

    it("label the namespace Pod Security privileged and keep every namespaced object in it", () => {
        const objects = systemUpgradeObjects(input());
        const namespace = find(objects, "Namespace", SYSTEM_UPGRADE_NAMESPACE);
        expect(namespace.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("privileged");
        const clusterScoped = new Set([
            "CustomResourceDefinition",
            "Namespace",
            "ClusterRole",
            "ClusterRoleBinding",
        ]);
        for (const o of objects)
            expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe(
                clusterScoped.has(o.kind) ? undefined : SYSTEM_UPGRADE_NAMESPACE,
            );
    });

    it("reference only accounts, roles and config the list creates", () => {
        const objects = systemUpgradeObjects(input());
        const accounts = objects.filter((o) => o.kind === "ServiceAccount").map((o) => o.metadata.name);
        for (const b of objects.filter((o) => o.kind.endsWith("Binding"))) {
            const roleRef = b.roleRef as { kind: string; name: string };
            find(objects, roleRef.kind, roleRef.name);
            for (const s of b.subjects as { kind: string; name: string; namespace: string }[]) {
                expect(s).toMatchObject({ kind: "ServiceAccount", namespace: SYSTEM_UPGRADE_NAMESPACE });
                expect(accounts).toContain(s.name);
            }
        }
        const pod = (
            find(objects, "Deployment", "system-upgrade-controller").spec as {
                template: {
                    spec: {
                        serviceAccountName: string;
                        containers: { image: string; envFrom: { configMapRef: { name: string } }[] }[];
                    };
                };
            }
        ).template.spec;
        expect(accounts).toContain(pod.serviceAccountName);
        for (const e of pod.containers[0]!.envFrom) find(objects, "ConfigMap", e.configMapRef.name);
        expect(pod.containers[0]!.image).toBe(
            `${SYSTEM_UPGRADE_CONTROLLER_IMAGE.image}:${SYSTEM_UPGRADE_CONTROLLER_IMAGE.tag}`,
        );
        expect(SYSTEM_UPGRADE_CONTROLLER_IMAGE.tag).toMatch(/^v\d+\.\d+\.\d+$/);
        for (const name of [SERVER_PLAN, AGENT_PLAN])
            expect(accounts).toContain(planSpec(find(objects, "Plan", name)).serviceAccountName);
    });
});

describe("upgrade Plans", () => {
    it("upgrade servers and agents to the input version with rancher/k3s-upgrade", () => {
        const i = input();
        const objects = systemUpgradeObjects(i);
        for (const name of [SERVER_PLAN, AGENT_PLAN]) {
            const spec = planSpec(find(objects, "Plan", name));
            expect(spec.version).toBe(i.k3sVersion);
            expect(spec.upgrade.image).toBe(K3S_UPGRADE_IMAGE);
            expect(spec.window).toBeUndefined();
        }
    });

    it("select the control-plane nodes for server-plan and every other node for agent-plan", () => {
        const objects = systemUpgradeObjects(input());
        const server = planSpec(find(objects, "Plan", SERVER_PLAN)).nodeSelector.matchExpressions;
        const agent = planSpec(find(objects, "Plan", AGENT_PLAN)).nodeSelector.matchExpressions;
        expect(selects(server, SERVER)).toBe(true);
        expect(selects(server, AGENT)).toBe(false);
        expect(selects(agent, SERVER)).toBe(false);
        expect(selects(agent, AGENT)).toBe(true);
        // A node k3s has not labelled control-plane=true is no server.
        expect(selects(server, { ...SERVER, "node-role.kubernetes.io/control-plane": "false" })).toBe(false);
    });

    it("upgrade one server at a time, cordoned, and agents after the servers, drained", () => {
        const n = randomInt(1, 6);
        const objects = systemUpgradeObjects(input({ agentConcurrency: n }));
        const server = planSpec(find(objects, "Plan", SERVER_PLAN));
        const agent = planSpec(find(objects, "Plan", AGENT_PLAN));
        expect(server.concurrency).toBe(1);
        expect(server.cordon).toBe(true);
        expect(server.drain).toBeUndefined();
        expect(agent.concurrency).toBe(n);
        expect(agent.prepare).toEqual({ image: K3S_UPGRADE_IMAGE, args: ["prepare", SERVER_PLAN] });
        expect(agent.drain).toMatchObject({ ignoreDaemonSets: true, deleteEmptydirData: true, force: true });
        expect(planSpec(find(systemUpgradeObjects(input()), "Plan", AGENT_PLAN)).concurrency).toBe(1);
    });

    it("fail an agent's drain before the controller's Job deadline ends it", () => {
        const objects = systemUpgradeObjects(input());
        const env = find(objects, "ConfigMap", "default-controller-env").data as Record<string, string>;
        const deadline = Number(env.SYSTEM_UPGRADE_JOB_ACTIVE_DEADLINE_SECONDS);
        const timeout = planSpec(find(objects, "Plan", AGENT_PLAN)).drain?.timeout as string;
        const m = /^(\d+)m$/.exec(timeout);
        expect(m).not.toBeNull();
        expect(Number(m![1]) * 60).toBeLessThan(deadline);
    });

    it("carry a maintenance window to both Plans", () => {
        const days = WINDOW_DAYS.filter(() => randomInt(2) === 1);
        const window: UpgradeWindow = {
            days: days.length > 0 ? days : ["sunday"],
            startTime: "02:00",
            endTime: "04:30",
            timeZone: "Europe/Berlin",
        };
        const objects = systemUpgradeObjects(input({ window }));
        expect(objects.flatMap(kubeSchemaProblems)).toEqual([]);
        for (const name of [SERVER_PLAN, AGENT_PLAN])
            expect(planSpec(find(objects, "Plan", name)).window).toEqual(window);
    });

    it("refuse a bad version, concurrency or window", () => {
        const w: UpgradeWindow = { days: ["monday"], startTime: "19:00", endTime: "21:00" };
        expect(() => systemUpgradeObjects({ k3sVersion: "1.33.4" })).toThrow(/k3sVersion/);
        expect(() => systemUpgradeObjects({ k3sVersion: "v1.33.4+rke2r1" })).toThrow(/k3sVersion/);
        expect(() => systemUpgradeObjects(input({ agentConcurrency: 0 }))).toThrow(/agentConcurrency/);
        expect(() => systemUpgradeObjects(input({ agentConcurrency: 1.5 }))).toThrow(/agentConcurrency/);
        expect(() => systemUpgradeObjects(input({ window: { ...w, days: [] } }))).toThrow(/days/);
        expect(() => systemUpgradeObjects(input({ window: { ...w, days: ["monday", "monday"] } }))).toThrow(
            /twice/,
        );
        expect(() => systemUpgradeObjects(input({ window: { ...w, startTime: "7pm" } }))).toThrow(
            /startTime/,
        );
        expect(() => systemUpgradeObjects(input({ window: { ...w, endTime: "24:00" } }))).toThrow(/endTime/);
        expect(() => systemUpgradeObjects(input({ window: { ...w, timeZone: "Mars/Olympus" } }))).toThrow(
            /timeZone/,
        );
    });
});
