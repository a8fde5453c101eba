/** Kubernetes resource quantities ("256Mi", "0.5", "250m", "1e9") as plain numbers of bytes or cores. */

const SUFFIX: Readonly<Record<string, number>> = {
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    "": 1,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

export function parseQuantity(q: unknown): number | undefined {
    if (typeof q === "number") return Number.isFinite(q) && q >= 0 ? q : undefined;
    if (typeof q !== "string") return undefined;
    const m = /^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)([a-zA-Z]{0,2})\s*$/.exec(q);
    if (!m) return undefined;
    const factor = SUFFIX[m[2] ?? ""];
    return factor === undefined ? undefined : Number(m[1]) * factor;
}

export const MIB = 2 ** 20;
/** The kernel's CPU weight for one core: 1 CPU request = 1024 shares (the kubelet's cgroup conversion). */
export const SHARES_PER_CPU = 1024;
