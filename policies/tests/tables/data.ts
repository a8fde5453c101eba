/** Tables for the data-safety policies: protect, Hetzner delete/rebuild protection, backups, ignoreChanges. */
import {
    hcloudBackups,
    hcloudDeleteProtection,
    statefulIgnoreChanges,
    statefulProtected,
} from "../../data/protection";
import { TENANT_LABEL } from "../../lib/labels";
import { T } from "../../lib/typeTokens";
import { nth, res, type Change, type PolicyTable } from "../table";

const STATEFUL_OPTS = { protect: true, ignoreChanges: ["userData", "sshKeys"] };

/** The phase-2 data server: labelled stateful, protected every way Pulumi and Hetzner allow. */
export function dataServer() {
    return res(
        T.hcloudServer,
        "data",
        {
            serverType: "cx23",
            labels: { "managed-by": "phase-stacks", stack: "phase2", role: "database", stateful: "true" },
            backups: true,
            deleteProtection: true,
            rebuildProtection: true,
        },
        { ...STATEFUL_OPTS },
    );
}

const set =
    (values: Record<string, unknown>): Change =>
    (p) => {
        Object.assign(p, values);
    };
const replace =
    (r: ReturnType<typeof res>): Change =>
    (_, all) => {
        all[0] = r;
    };
const unprotected = (type: string, props: Record<string, unknown>) =>
    replace(res(type, "thing", props, { protect: false }));

export const DATA_TABLES: PolicyTable[] = [
    {
        policy: statefulProtected,
        baseline: () => [dataServer()],
        broken: [
            {
                name: "an unprotected stateful server",
                change: (_, all) => (nth(all, 0).opts = {}),
                expect: "hcloud Server 'data': opts.protect is not true although it is labelled stateful=\"true\"",
            },
            {
                name: "a database role without the stateful label",
                change: unprotected(T.hcloudServer, { labels: { role: "redis" } }),
                expect: 'its role is "redis"',
            },
            {
                name: "an hcloud Volume",
                change: unprotected(T.hcloudVolume, { size: 20 }),
                expect: "hcloud Volume 'thing': opts.protect is not true although it holds data",
            },
            {
                name: "an unlabelled docker Volume",
                change: unprotected(T.dockerVolume, { name: "agent-42" }),
                expect: "docker Volume 'thing'",
            },
            {
                name: "a docker Volume labelled as data",
                change: unprotected(T.dockerVolume, {
                    labels: [{ label: "phase-stacks/contents", value: "data" }],
                }),
                expect: "docker Volume 'thing': opts.protect is not true although it holds data",
            },
            {
                name: "a tenant Namespace",
                change: unprotected(T.k8sNamespace, { metadata: { labels: { [TENANT_LABEL]: "a" } } }),
                expect: "it is a tenant namespace",
            },
            {
                name: "a CloudNativePG cluster",
                change: unprotected("kubernetes:postgresql.cnpg.io/v1:Cluster", { spec: { instances: 3 } }),
                expect: "kubernetes Cluster 'thing'",
            },
            {
                name: "a configured stateful role",
                change: unprotected(T.hcloudServer, { labels: { role: "search" } }),
                config: { statefulRoles: ["search"] },
                expect: 'its role is "search"',
            },
        ],
        passing: [
            {
                name: "a stateless app server",
                change: unprotected(T.hcloudServer, { labels: { role: "app" } }),
            },
            {
                name: "a namespace that is not a tenant's",
                change: unprotected(T.k8sNamespace, { metadata: { labels: {} } }),
            },
            {
                name: "a docker container (its data lives in volumes)",
                change: unprotected(T.dockerContainer, {}),
            },
            {
                name: "a docker Volume of rendered config",
                change: unprotected(T.dockerVolume, {
                    labels: [{ label: "phase-stacks/contents", value: "config" }],
                }),
            },
        ],
    },
    {
        policy: hcloudDeleteProtection,
        baseline: () => [dataServer()],
        broken: [
            {
                name: "deleteProtection off",
                change: set({ deleteProtection: false }),
                expect: "deleteProtection is not true although it is labelled",
            },
            {
                name: "rebuildProtection missing",
                change: set({ rebuildProtection: undefined }),
                expect: "rebuildProtection is not true",
            },
            {
                name: "an unprotected volume",
                change: replace(res(T.hcloudVolume, "pgdata", { size: 40 })),
                expect: "hcloud Volume 'pgdata': deleteProtection is not true although it holds data",
            },
        ],
        passing: [
            {
                name: "a stateless server",
                change: set({ labels: { role: "app" }, deleteProtection: false, rebuildProtection: false }),
            },
            {
                name: "a protected volume",
                change: replace(res(T.hcloudVolume, "pgdata", { size: 40, deleteProtection: true })),
            },
        ],
    },
    {
        policy: hcloudBackups,
        baseline: () => [dataServer()],
        broken: [
            {
                name: "backups off",
                change: set({ backups: false }),
                expect: "backups is not true although it is labelled stateful",
            },
            {
                name: "the all-in-one phase-1 server",
                change: set({ backups: undefined, labels: { role: "app", stateful: "true" } }),
                expect: "backups is not true",
            },
        ],
        passing: [
            { name: "a stateless agent host", change: set({ backups: false, labels: { role: "agents" } }) },
        ],
    },
    {
        policy: statefulIgnoreChanges,
        baseline: () => [dataServer()],
        broken: [
            {
                name: "no ignoreChanges",
                change: (_, all) => (nth(all, 0).opts = { protect: true }),
                expect: "opts.ignoreChanges does not include userData, sshKeys",
            },
            {
                name: "only userData",
                change: (_, all) => (nth(all, 0).opts = { protect: true, ignoreChanges: ["userData"] }),
                expect: "does not include sshKeys",
            },
        ],
        passing: [
            {
                name: "a stateless server",
                change: (p, all) => {
                    p["labels"] = { role: "app" };
                    nth(all, 0).opts = {};
                },
            },
        ],
    },
];
