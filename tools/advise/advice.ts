/** The advisor's answer as one document: the decision, the cost now and after, and the runbook per hop. */
import type { Decision, TriggerMet } from "../../core/scaling/evaluate";
import type { ProductionPhase } from "../../core/scaling/matrix";
import type { Measurements } from "../../core/scaling/metrics";
import { buildRunbook, type RunbookStep } from "../../core/scaling/runbook";
import {
    regionFailoverMinutes,
    regionOperations,
    type RegionOperationStep,
} from "../../core/scaling/regionOperations";
import { PHASE_SPECS } from "../../core/phases";
import { haOperations, type OperationStep } from "../../core/scaling/haOperations";
import type { MonthlyCost } from "../costs/planCost";

export interface Advice {
    readonly currentPhase: ProductionPhase;
    readonly recommendedPhase: ProductionPhase;
    readonly migrate: boolean;
    readonly minTriggers: number;
    /** The measurements the decision was made on (as read from the file or from Prometheus). */
    readonly measurements: Measurements;
    /** The triggers of the transition out of the current phase that hold. */
    readonly triggersMet: readonly TriggerMet[];
    readonly transitions: Decision["transitions"];
    readonly monthlyCostEur: { readonly current: MonthlyCost; readonly recommended: MonthlyCost };
    /** One runbook per hop, in order: `from`/`to` say which migration each step belongs to. */
    readonly runbook: readonly (RunbookStep & {
        readonly from: ProductionPhase;
        readonly to: ProductionPhase;
    })[];
    /** The current phase's data-tier operations (switchover, pause, re-add, emergency failover). */
    readonly operations: readonly OperationStep[];
}

export function buildAdvice(
    decision: Decision,
    measurements: Measurements,
    costs: { readonly current: MonthlyCost; readonly recommended: MonthlyCost },
): Advice {
    const hops = decision.transitions.filter((t) => t.migrate);
    return {
        currentPhase: decision.currentPhase,
        recommendedPhase: decision.recommendedPhase,
        migrate: decision.migrate,
        minTriggers: decision.minTriggers,
        measurements,
        triggersMet: decision.transitions[0]?.triggersMet ?? [],
        transitions: decision.transitions,
        monthlyCostEur: costs,
        runbook: hops.flatMap((h) =>
            buildRunbook(h.from, h.to).map((s) => ({ from: h.from, to: h.to, ...s })),
        ),
        operations: [...haOperations(decision.currentPhase), ...regionOperations(decision.currentPhase)],
    };
}

const minutes = (o: RegionOperationStep): string => `${o.minutes[0]}-${o.minutes[1]} min`;

const money = (c: MonthlyCost): string =>
    `EUR ${c.eur.toFixed(2)}${c.openEnded ? "+" : c.maxEur !== undefined ? `-${c.maxEur.toFixed(2)}` : ""} (${c.source === "plan" ? "offline plan" : `seed figure: ${c.note ?? "no plan"}`})`;

export function renderAdvice(a: Advice): string {
    const lines: string[] = [];
    lines.push(
        a.migrate
            ? `MIGRATE: ${a.currentPhase} -> ${a.recommendedPhase}`
            : `STAY in ${a.currentPhase}${a.currentPhase === "phase5" ? " (the last phase)" : ""}`,
    );
    for (const t of a.transitions) {
        lines.push(
            "",
            `${t.from} -> ${t.to}: ${t.triggersMet.length} of 9 triggers hold (migrate at ${a.minTriggers} or more)`,
        );
        for (const m of t.triggersMet)
            lines.push(`  - ${m.metric} ${m.value} > ${m.threshold} (over by ${m.overByPct}%)`);
    }
    lines.push(
        "",
        `Monthly cost now (${a.currentPhase}): ${money(a.monthlyCostEur.current)}`,
        `Monthly cost after (${a.recommendedPhase}): ${money(a.monthlyCostEur.recommended)}`,
    );
    if (a.runbook.length > 0) {
        lines.push("", "Runbook:");
        let hop = "";
        for (const s of a.runbook) {
            if (`${s.from}${s.to}` !== hop) {
                hop = `${s.from}${s.to}`;
                lines.push("", `== ${s.from} -> ${s.to} ==`);
            }
            lines.push(`[${s.stage}] ${s.title}`, ...s.commands.map((c) => `    ${c}`));
        }
    }
    if (a.operations.length > 0) {
        lines.push("", `Data-tier operations (${a.currentPhase}, Patroni; set DB_NODE with the first step):`);
        for (const o of a.operations)
            lines.push(
                "",
                `* ${o.title}`,
                `  when: ${o.when}`,
                `  impact: ${o.impact}`,
                ...("minutes" in o ? [`  expected: ${minutes(o as RegionOperationStep)}`] : []),
                ...o.commands.map((c) => `    ${c}`),
            );
        const region = a.operations.filter((o): o is RegionOperationStep => "minutes" in o);
        const rto = PHASE_SPECS[a.currentPhase].rtoMinutes;
        if (region.length > 0 && rto !== undefined) {
            const [typical, worst] = regionFailoverMinutes(region);
            lines.push(
                "",
                `Region failover (check, fence, promote, confirm): ${typical}-${worst} min against the seed's ${rto} min RTO.`,
            );
        }
    }
    return lines.join("\n");
}
