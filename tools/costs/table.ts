/** The cost table: each phase's monthly cost, the users it is sized for, cost per user, and the seed's figures. */
import { round2 } from "../../core/cost/model";
import { formatRange, PHASE_SPECS, type Phase } from "../../core/phases";
import type { MonthlyCost } from "./planCost";

export interface CostRow {
    readonly stack: Phase;
    readonly users: { readonly min: number; readonly max?: number };
    readonly cost: MonthlyCost;
    /** EUR per user at the top of the user range (cheapest) and at its bottom (dearest); absent when unbounded or 0. */
    readonly perUserEur: { readonly atMaxUsers?: number; readonly atMinUsers?: number };
    readonly seed: {
        readonly monthlyEur: { readonly min: number; readonly max?: number };
        readonly perUserEur?: { readonly min: number; readonly max: number };
    };
    /** Plan minus the seed's figure (its lower bound), EUR; absent when the seed's figure stands in. */
    readonly differenceEur?: number;
}

const perUser = (eur: number, users: number | undefined): number | undefined =>
    users === undefined || users === 0 ? undefined : Math.round((eur / users) * 1000) / 1000;

export function costRow(cost: MonthlyCost): CostRow {
    const spec = PHASE_SPECS[cost.stack];
    return {
        stack: cost.stack,
        users: spec.users,
        cost,
        perUserEur: {
            atMaxUsers: perUser(cost.eur, spec.users.max),
            atMinUsers: perUser(cost.maxEur ?? cost.eur, spec.users.min),
        },
        seed: {
            monthlyEur: spec.budgetEur,
            ...(spec.costPerUserEur ? { perUserEur: spec.costPerUserEur } : {}),
        },
        ...(cost.source === "plan" ? { differenceEur: round2(cost.eur - spec.budgetEur.min) } : {}),
    };
}

const eur = (n: number): string => n.toFixed(2);
const eur3 = (n: number | undefined): string =>
    n === undefined ? "-" : n < 0.1 ? n.toFixed(3) : n.toFixed(2);

/** Our figure: the plan's total, or the seed's as the seed writes it (a range, or "200+"). */
export function formatCost(c: MonthlyCost): string {
    if (c.source === "plan") return eur(c.eur);
    return c.openEnded
        ? `${eur(c.eur)}+`
        : c.maxEur !== undefined
          ? `${eur(c.eur)}-${eur(c.maxEur)}`
          : eur(c.eur);
}

function difference(r: CostRow): string {
    if (r.differenceEur === undefined) return "seed figure (plan failed)";
    const base = r.seed.monthlyEur.min;
    const pct =
        base === 0
            ? ""
            : ` (${r.differenceEur >= 0 ? "+" : ""}${Math.round((r.differenceEur / base) * 100)}%)`;
    return `${r.differenceEur >= 0 ? "+" : ""}${eur(r.differenceEur)}${pct}`;
}

function pad(cells: readonly string[], widths: readonly number[]): string {
    return cells
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd();
}

export function renderCostTable(rows: readonly CostRow[]): string {
    const header = [
        "stack",
        "users",
        "EUR/month",
        "source",
        "EUR/user",
        "seed EUR/month",
        "seed EUR/user",
        "vs seed",
    ];
    const body = rows.map((r) => [
        r.stack,
        formatRange(r.users),
        formatCost(r.cost),
        r.cost.source,
        `${eur3(r.perUserEur.atMaxUsers)} to ${eur3(r.perUserEur.atMinUsers)}`,
        formatRange(r.seed.monthlyEur),
        r.seed.perUserEur ? `${r.seed.perUserEur.min}-${r.seed.perUserEur.max}` : "-",
        difference(r),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
    const notes = rows.filter((r) => r.cost.note).map((r) => `  ${r.stack}: ${r.cost.note}`);
    return [
        pad(header, widths),
        pad(
            widths.map((w) => "-".repeat(w)),
            widths,
        ),
        ...body.map((b) => pad(b, widths)),
        "",
        "EUR/user: at the top of the user range to its bottom ('-' where the range is open or starts at 0).",
        ...(notes.length > 0 ? ["Seed figures stand in where the plan failed:", ...notes] : []),
    ].join("\n");
}
