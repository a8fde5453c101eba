import { createHash } from "node:crypto";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { ISecret } from "kubernetes-models/v1/Secret";
import { describe, expect, it } from "vitest";
import {
    autoscalerNodeGroups,
    autoscalerObjects,
    type AutoscalerObjectsInput,
    CLUSTER_AUTOSCALER_IMAGE,
} from "../../../core/k8s/autoscaler";
import { HCLOUD_SECRET, type KubeObject } from "../../../core/k8s/objects";
import { kubeSchemaProblems } from "../../helpers/kubeSchemas";

const AGENT_TOKEN = "K10deadbeef::node:s3cr3tAgentPassw0rd";

function cloudInit(pool: string, extra = ""): string {
    return [
        "#cloud-config",
        "write_files:",
        "  - path: /etc/rancher/k3s/config.yaml",
        "    content: |",
        `      token: ${AGENT_TOKEN}`,
        "      node-label:",
        `        - "example.com/pool=${pool}"`,
        "      node-taint:",
        `        - "example.com/pool=${pool}:NoSchedule"`,
        `      # ${extra}`,
        "",
    ].join("\n");
}

function input(extra = "", over: Partial<AutoscalerObjectsInput> = {}): AutoscalerObjectsInput {
    const pools = ["agents", "batch"].map((name, i) => ({
        pool: name,
        serverType: "cx33",
        location: "nbg1",
        min: i,
        max: 12,
        labels: { "example.com/pool": name },
        taints: [{ key: "example.com/pool", value: name, effect: "NoSchedule" as const }],
        cloudInit: cloudInit(name, extra),
        placement: i === 0,
    }));
    return {
        nodeGroups: autoscalerNodeGroups({ pools }),
        scaleDownUnneededTime: "10m",
        serverCreationTimeoutMinutes: 10,
        firewall: "k3s-nodes",
        sshKey: "admin",
        ...over,
    };
}

const byKind = (objects: KubeObject[], kind: string) => objects.find((o) => o.kind === kind)!;
const deploymentOf = (objects: KubeObject[]) => byKind(objects, "Deployment") as unknown as IDeployment;
const containerOf = (objects: KubeObject[]) => deploymentOf(objects).spec!.template.spec!.containers[0]!;

describe("autoscaler objects", () => {
    const objects = autoscalerObjects(input());

    it("are the upstream example's kinds plus the config Secret, all in kube-system or cluster-wide", () => {
        expect(objects.map((o) => o.kind)).toEqual([
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Role",
            "RoleBinding",
            "Secret",
            "Deployment",
        ]);
        for (const o of objects)
            expect(o.metadata.namespace).toBe(o.kind.startsWith("Cluster") ? undefined : "kube-system");
    });

    it("each pass the Kubernetes 1.33 schema", () => {
        for (const o of objects) expect(kubeSchemaProblems(o)).toEqual([]);
    });

    it("fail the schema when mutated, so the check above can fail", () => {
        const d = deploymentOf(objects);
        const mutated = { ...d, spec: { ...d.spec!, replicas: "1" } } as unknown as KubeObject;
        expect(kubeSchemaProblems(mutated).join("\n")).toMatch(/replicas/);
        const role = byKind(objects, "Role");
        expect(kubeSchemaProblems({ ...role, rules: [{ apiGroups: [""], verbs: "get" }] })).not.toEqual([]);
    });

    it("bind the roles to the service account the Deployment runs as", () => {
        const sa = byKind(objects, "ServiceAccount").metadata;
        expect(deploymentOf(objects).spec!.template.spec!.serviceAccountName).toBe(sa.name);
        for (const [binding, role] of [
            ["ClusterRoleBinding", "ClusterRole"],
            ["RoleBinding", "Role"],
        ] as const) {
            const b = byKind(objects, binding) as unknown as {
                roleRef: { kind: string; name: string };
                subjects: { kind: string; name: string; namespace: string }[];
            };
            expect(b.roleRef).toMatchObject({ kind: role, name: byKind(objects, role).metadata.name });
            expect(b.subjects).toEqual([{ kind: "ServiceAccount", name: sa.name, namespace: sa.namespace }]);
        }
    });
});

describe("autoscaler Deployment", () => {
    const objects = autoscalerObjects(input());
    const container = containerOf(objects);
    const env = container.env ?? [];

    it("runs one replica of the pinned 1.33 image with the flags and every node group", () => {
        const { nodesArgs } = input().nodeGroups;
        expect(deploymentOf(objects).spec!.replicas).toBe(1);
        expect(container.image).toBe(CLUSTER_AUTOSCALER_IMAGE);
        expect(CLUSTER_AUTOSCALER_IMAGE).toMatch(
            /^registry\.k8s\.io\/autoscaling\/cluster-autoscaler:v1\.33\.\d+$/,
        );
        expect(container.command).toEqual(["/cluster-autoscaler"]);
        const args = container.args ?? [];
        expect(args.filter((a) => a.startsWith("--nodes="))).toEqual(nodesArgs);
        expect(nodesArgs).toHaveLength(3); // agents split in two, batch whole
        for (const flag of [
            "--cloud-provider=hetzner",
            "--stderrthreshold=info",
            "--v=2",
            "--scale-down-enabled=true",
            "--skip-nodes-with-local-storage=false",
            "--balance-similar-node-groups",
            "--expander=least-waste",
            "--scale-down-unneeded-time=10m",
            "--max-node-provision-time=15m",
        ])
            expect(args).toContain(flag);
        const names = args.map((a) => a.split("=")[0]).filter((n) => n !== "--nodes");
        expect(new Set(names).size).toBe(names.length);
    });

    it("reads the config from the mounted Secret file, never from HCLOUD_CLUSTER_CONFIG", () => {
        const names = env.map((e) => e.name);
        expect(names).toContain("HCLOUD_CLUSTER_CONFIG_FILE");
        expect(names).not.toContain("HCLOUD_CLUSTER_CONFIG");
        expect(names).not.toContain("HCLOUD_CLOUD_INIT");
        const path = env.find((e) => e.name === "HCLOUD_CLUSTER_CONFIG_FILE")!.value!;
        const mount = container.volumeMounts!.find((m) => path.startsWith(`${m.mountPath}/`))!;
        expect(mount.readOnly).toBe(true);
        const volume = deploymentOf(objects).spec!.template.spec!.volumes!.find(
            (v) => v.name === mount.name,
        )!;
        const secret = byKind(objects, "Secret") as unknown as ISecret;
        expect(volume.secret?.secretName).toBe(secret.metadata!.name);
        const file = path.slice(mount.mountPath.length + 1);
        expect(JSON.parse(secret.stringData![file]!)).toEqual(input().nodeGroups.config);
    });

    it("holds no secret in plain text: token and network from kube-system/hcloud, cloud-inits only in the Secret", () => {
        for (const [name, key] of [
            ["HCLOUD_TOKEN", "token"],
            ["HCLOUD_NETWORK", "network"],
        ]) {
            const e = env.find((x) => x.name === name)!;
            expect(e.value).toBeUndefined();
            expect(e.valueFrom?.secretKeyRef).toEqual({ name: HCLOUD_SECRET.name, key });
        }
        expect(byKind(objects, "Deployment").metadata.namespace).toBe(HCLOUD_SECRET.namespace);
        const password = AGENT_TOKEN.split(":").at(-1)!;
        expect(JSON.stringify(deploymentOf(objects))).not.toContain(password);
        for (const e of env) expect(e.value ?? "").not.toMatch(/K10|s3cr3t|cloud-config/);
        expect(JSON.stringify(byKind(objects, "Secret"))).toContain(password);
    });

    it("sets the Hetzner server options", () => {
        const value = (n: string) => env.find((e) => e.name === n)?.value;
        expect(value("HCLOUD_FIREWALL")).toBe("k3s-nodes");
        expect(value("HCLOUD_SSH_KEY")).toBe("admin");
        expect(value("HCLOUD_PUBLIC_IPV4")).toBe("true");
        expect(value("HCLOUD_PUBLIC_IPV6")).toBe("true");
        expect(value("HCLOUD_SERVER_CREATION_TIMEOUT")).toBe("10");
        const bare = containerOf(autoscalerObjects(input("", { firewall: undefined, sshKey: undefined })));
        expect(bare.env!.map((e) => e.name)).not.toContain("HCLOUD_FIREWALL");
    });

    it("rolls the pod when the config changes, and only then", () => {
        const checksum = (o: KubeObject[]) =>
            deploymentOf(o).spec!.template.metadata!.annotations!["checksum/cluster-config"];
        const secretText = (byKind(objects, "Secret") as unknown as ISecret).stringData![
            "cluster-config.json"
        ]!;
        expect(checksum(objects)).toBe(createHash("sha256").update(secretText).digest("hex"));
        expect(checksum(autoscalerObjects(input()))).toBe(checksum(objects));
        expect(checksum(autoscalerObjects(input("changed")))).not.toBe(checksum(objects));
    });

    it("runs on the control plane under restricted Pod Security, critical and probed", () => {
        const spec = deploymentOf(objects).spec!.template.spec!;
        expect(spec.nodeSelector).toEqual({ "node-role.kubernetes.io/control-plane": "true" });
        const tolerated = (spec.tolerations ?? []).map((t) => t.key);
        expect(tolerated).toContain("node-role.kubernetes.io/control-plane");
        expect(tolerated).toContain("node.cloudprovider.kubernetes.io/uninitialized");
        expect(spec.priorityClassName).toBe("system-cluster-critical");
        expect(spec.securityContext).toMatchObject({
            runAsNonRoot: true,
            runAsUser: 65534,
            seccompProfile: { type: "RuntimeDefault" },
        });
        expect(container.securityContext).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
        });
        expect(container.securityContext?.capabilities?.add).toBeUndefined();
        expect(container.livenessProbe?.httpGet).toEqual({ path: "/health-check", port: 8085 });
        expect(container.resources?.requests).toBeDefined();
        expect(container.resources?.limits?.memory).toBe(container.resources?.requests?.memory);
        // Restricted allows only these volume types; the one here is a Secret.
        expect(spec.volumes!.every((v) => v.secret !== undefined)).toBe(true);
    });

    it("refuses a scale-down time Go cannot parse and a creation timeout beyond the provision time", () => {
        expect(() => autoscalerObjects(input("", { scaleDownUnneededTime: "10 minutes" }))).toThrow(
            /Go duration/,
        );
        expect(() => autoscalerObjects(input("", { scaleDownUnneededTime: "1h30m" }))).not.toThrow();
        expect(() => autoscalerObjects(input("", { serverCreationTimeoutMinutes: 20 }))).toThrow(/1 to 15/);
        expect(() => autoscalerObjects(input("", { serverCreationTimeoutMinutes: 2.5 }))).toThrow(
            /whole number/,
        );
    });
});
