/** The plan as a person reads it: resources by component, cost against the seed's budget, verdicts, files. */
import { formatRange } from "../../core/phases";
import type { Plan, PlanResource } from "./run";

function eur(n: number): string {
    return `EUR ${n.toFixed(2)}`;
}

function shortType(type: string): string {
    const parts = type.split(":");
    return parts.length === 3 ? `${parts[0]}:${(parts[2] ?? "").split("/").pop()}` : type;
}

function tree(resources: readonly PlanResource[]): string[] {
    const children = new Map<string | undefined, PlanResource[]>();
    for (const r of resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    const lines: string[] = [];
    const walk = (parent: string | undefined, depth: number): void => {
        for (const r of children.get(parent) ?? []) {
            const flags = [
                r.protect ? "protect" : "",
                r.ignoreChanges.length ? `ignoreChanges: ${r.ignoreChanges.join(",")}` : "",
            ].filter(Boolean);
            lines.push(
                `${"  ".repeat(depth)}${shortType(r.type)}  ${r.name}${flags.length ? `  [${flags.join("; ")}]` : ""}`,
            );
            walk(r.urn, depth + 1);
        }
    };
    walk(undefined, 1);
    return lines;
}

export function renderReport(plan: Plan, written: readonly string[]): string {
    const { cost } = plan;
    const budget = formatRange(cost.budgetEur, "EUR ");
    const out: string[] = [
        `Offline plan of ${plan.project}/${plan.stack} (${plan.phase}): ${plan.resources.length} resources`,
        "",
        "Resources:",
        ...tree(plan.resources),
    ];

    out.push(
        "",
        `Monthly cost: ${eur(cost.monthlyEur)} (seed budget ${budget}; ${cost.withinBudget ? "within budget" : "OVER BUDGET"}), sized for ${formatRange(cost.users)} active users`,
    );
    for (const l of cost.lines) {
        const flag = l.basis === "quoted" ? "" : `  (${l.basis} price)`;
        out.push(`  ${eur(l.monthlyEur).padStart(11)}  ${l.resource}: ${l.item}${flag}`);
    }
    if (cost.unpriced.length) out.push(`  not in the catalog (priced at 0): ${cost.unpriced.join(", ")}`);

    const cp = plan.criticalPath;
    out.push(
        "",
        `Critical path: ~${cp.seconds} s to create`,
        ...cp.path.map((urn) => `  ${urn.split("::").pop() ?? urn}`),
    );

    const v = plan.policy.violations;
    out.push(
        "",
        `Policy: ${v.length === 0 ? "no violations" : `${v.filter((x) => x.level === "mandatory").length} mandatory, ${v.filter((x) => x.level === "advisory").length} advisory`}`,
    );
    for (const x of v) out.push(`  [${x.level}] ${x.policy} ${x.name ?? x.urn ?? ""}: ${x.message}`);

    out.push("", `Files shipped to machines: ${plan.artifacts.length}`);
    for (const a of plan.artifacts) out.push(`  ${a.kind.padEnd(18)} ${a.machine}:${a.target}`);
    if (written.length) out.push("", `Written under the --out directory: ${written.length} files`);
    return out.join("\n");
}

/** The cost table and verdicts as GitHub-flavoured Markdown, for a CI job summary. */
export function renderMarkdown(plan: Plan): string {
    const { cost } = plan;
    const mandatory = plan.policy.violations.filter((v) => v.level === "mandatory").length;
    const out = [
        `### ${plan.stack} (${plan.phase}): ${eur(cost.monthlyEur)}/month`,
        "",
        `Seed budget ${formatRange(cost.budgetEur, "EUR ")} (${cost.withinBudget ? "within" : "**over**"}), sized for ${formatRange(cost.users)} active users, ` +
            `${plan.resources.length} resources, critical path ~${plan.criticalPath.seconds} s, ` +
            `${mandatory} mandatory / ${plan.policy.violations.length - mandatory} advisory policy violations.`,
        "",
        "| resource | item | EUR/month | price basis |",
        "|---|---|---:|---|",
        ...cost.lines.map((l) => `| ${l.resource} | ${l.item} | ${l.monthlyEur.toFixed(2)} | ${l.basis} |`),
        `| **total** | | **${cost.monthlyEur.toFixed(2)}** | |`,
    ];
    if (plan.policy.violations.length) {
        out.push("", "| level | policy | resource | message |", "|---|---|---|---|");
        for (const v of plan.policy.violations)
            out.push(`| ${v.level} | ${v.policy} | ${v.name ?? ""} | ${v.message.replace(/\|/g, "\\|")} |`);
    }
    return out.join("\n");
}
