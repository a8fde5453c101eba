/**
 * The series a PromQL expression selects, read by the Prometheus project's own grammar (@prometheus-io/lezer-promql,
 * the parser of Prometheus's web UI): the metric name of every vector selector. An expression it cannot parse
 * throws, naming where, so a typo is never read as "selects nothing".
 */
import { parser } from "@prometheus-io/lezer-promql";

/** Grafana's interval macros as the durations Prometheus would see (`$var` elsewhere is not PromQL). */
export function asPromql(expr: string): string {
    return expr.replace(/\$__(rate_interval|interval|range)\b/g, "5m");
}

export function metricNames(expr: string): string[] {
    const text = asPromql(expr);
    const names = new Set<string>();
    parser.parse(text).iterate({
        enter(node) {
            if (node.type.isError)
                throw new Error(`PromQL does not parse at ${node.from}: ${text.slice(0, 120)}`);
            if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector")
                names.add(text.slice(node.from, node.to));
        },
    });
    return [...names].sort();
}
