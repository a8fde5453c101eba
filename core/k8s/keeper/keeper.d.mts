/** Types of keeper.mjs's exports, for the TypeScript tests that import the program (no implementation here). */

/** The label keys the keeper selects and compares by (values: core/k8s/warmPool.ts). */
export interface KeeperLabels {
    readonly warm: string;
    readonly tier: string;
    readonly templateHash: string;
}

/** A pod as the keeper reads it: only the fields it looks at. */
export interface KeeperPod {
    readonly metadata: {
        readonly name?: string;
        readonly generateName?: string;
        readonly namespace?: string;
        readonly resourceVersion?: string;
        readonly creationTimestamp?: string;
        readonly deletionTimestamp?: string;
        readonly labels?: Readonly<Record<string, string>>;
    };
    readonly spec?: {
        readonly containers?: readonly {
            readonly resources?: {
                readonly requests?: Readonly<Record<string, string>>;
                readonly limits?: Readonly<Record<string, string>>;
            };
        }[];
    } & Readonly<Record<string, unknown>>;
    readonly status?: {
        readonly phase?: string;
        readonly reason?: string;
        readonly conditions?: readonly { readonly type: string; readonly status: string }[];
        readonly initContainerStatuses?: readonly ContainerStatus[];
        readonly containerStatuses?: readonly ContainerStatus[];
    };
}

interface ContainerStatus {
    readonly name?: string;
    readonly state?: { readonly waiting?: { readonly reason?: string } };
}

export interface KeeperQuota {
    readonly spec?: { readonly hard?: Readonly<Record<string, string>> };
    readonly status?: {
        readonly hard?: Readonly<Record<string, string>>;
        readonly used?: Readonly<Record<string, string>>;
    };
}

/** One tier's pool in the keeper's config. */
export interface KeeperPool {
    readonly tier: string;
    readonly namespace: string;
    /** Warm pods to keep ready. */
    readonly target: number;
    /** The pool namespace's ResourceQuota, by name. */
    readonly quota: string;
    readonly templateHash: string;
    /** The pod the keeper POSTs (generateName, labels, spec); it adds the namespace. */
    readonly pod: KeeperPod;
}

export interface KeeperConfig {
    readonly intervalSeconds: number;
    readonly labels: KeeperLabels;
    readonly pools: readonly KeeperPool[];
}

export interface Removal {
    readonly name: string;
    readonly resourceVersion: string | undefined;
    readonly reason: string;
}

export interface Decision {
    readonly create: number;
    readonly remove: readonly Removal[];
    /** Fresh warm pods observed. */
    readonly warm: number;
    readonly claimed: number;
    readonly room: number;
    /** Why fewer than target - warm pods are created, when the quota binds. */
    readonly blocked: string | undefined;
}

export type Usage = Readonly<Record<string, number>>;

export function parseQuantity(q: unknown): number | undefined;
export function podUsage(pod: KeeperPod): Usage;
export function quotaRoom(
    quota: KeeperQuota | null,
    template: KeeperPod,
    listed: readonly KeeperPod[],
): { room: number; limitedBy: string | undefined };
export function decide(
    pool: KeeperPool,
    labels: KeeperLabels,
    pods: readonly KeeperPod[],
    quota: KeeperQuota | null,
): Decision;
export function main(env?: Readonly<Record<string, string | undefined>>): Promise<void>;
