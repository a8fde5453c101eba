/** The critical path of the dependency graph: the longest chain of create times, in seconds. */
import { CREATE_SECONDS, DEFAULT_CREATE_SECONDS } from "../../core/catalog/createTimes";

export interface GraphNode {
    readonly urn: string;
    readonly type: string;
    readonly custom: boolean;
    readonly dependencies: readonly string[];
}

export interface CriticalPath {
    readonly seconds: number;
    /** URNs from the first resource created to the last. */
    readonly path: string[];
}

export function createSeconds(node: GraphNode): number {
    return node.custom ? (CREATE_SECONDS[node.type] ?? DEFAULT_CREATE_SECONDS) : 0;
}

export function criticalPath(nodes: readonly GraphNode[]): CriticalPath {
    const byUrn = new Map(nodes.map((n) => [n.urn, n]));
    const memo = new Map<string, CriticalPath>();
    const visiting = new Set<string>();
    const finish = (urn: string): CriticalPath => {
        const cached = memo.get(urn);
        if (cached) return cached;
        const node = byUrn.get(urn);
        if (!node) return { seconds: 0, path: [] };
        if (visiting.has(urn)) throw new Error(`dependency cycle through ${urn}`);
        visiting.add(urn);
        let longest: CriticalPath = { seconds: 0, path: [] };
        for (const dep of node.dependencies) {
            const p = finish(dep);
            if (p.seconds > longest.seconds) longest = p;
        }
        visiting.delete(urn);
        const own = createSeconds(node);
        const result = {
            seconds: Math.round((longest.seconds + own) * 10) / 10,
            path: own > 0 ? [...longest.path, urn] : longest.path,
        };
        memo.set(urn, result);
        return result;
    };
    return nodes.reduce<CriticalPath>(
        (best, n) => {
            const p = finish(n.urn);
            return p.seconds > best.seconds ? p : best;
        },
        { seconds: 0, path: [] },
    );
}
