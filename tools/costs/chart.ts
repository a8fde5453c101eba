/**
 * The cost and capacity chart: each phase's monthly cost as a bar (solid from its plan, pale and dashed
 * where the seed's figure stands in), the seed's figure as a black mark (a bar for a range), and the users
 * the phase is sized for on a log scale.
 */
import { formatCost, type CostRow } from "./table";
import { el, type XmlElement } from "./svg";

const W = 760;
const H = 420;
const M = { left: 70, right: 80, top: 56, bottom: 64 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;
const COLORS = { plan: "#4c78a8", seed: "#c6dbef", seedMark: "#000000", users: "#f58518", grid: "#dddddd" };
const FONT = { "font-family": "sans-serif", "font-size": 11 };

/** Users the phase is sized for: the top of its range, or its floor when open-ended. */
const capacity = (r: CostRow): number => r.users.max ?? r.users.min;

/** Tick steps that print as round numbers; the axis has four of them. */
const STEPS = [5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 100, 125, 150, 200, 250, 300, 400, 500, 750, 1000];

function axisTop(max: number): number {
    return 4 * (STEPS.find((s) => 4 * s >= max) ?? Math.ceil(max / 4000) * 1000);
}

export function buildCostChart(rows: readonly CostRow[]): XmlElement {
    const top = axisTop(
        Math.max(
            ...rows.flatMap((r) => [
                r.cost.maxEur ?? r.cost.eur,
                r.seed.monthlyEur.max ?? r.seed.monthlyEur.min,
            ]),
        ) * 1.15,
    );
    const y = (eur: number): number => M.top + PLOT_H - (eur / top) * PLOT_H;
    const maxUsers = 10 ** Math.ceil(Math.log10(Math.max(...rows.map(capacity), 10)));
    const yUsers = (u: number): number =>
        M.top + PLOT_H - (Math.log10(Math.max(u, 1)) / Math.log10(maxUsers)) * PLOT_H;
    const slot = PLOT_W / rows.length;
    const x = (i: number): number => M.left + slot * i + slot / 2;
    const barW = slot * 0.45;

    const gridLines = [0, 0.25, 0.5, 0.75, 1].map((f) => {
        const v = Math.round(top * f);
        return el("g", {}, [
            el("line", { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v), stroke: COLORS.grid }),
            el("text", { x: M.left - 8, y: y(v) + 4, "text-anchor": "end", ...FONT }, [`${v}`]),
        ]);
    });
    const userTicks = Array.from({ length: Math.log10(maxUsers) + 1 }, (_, k) => 10 ** k).map((u) =>
        el("text", { x: W - M.right + 8, y: yUsers(u) + 4, fill: COLORS.users, ...FONT }, [
            u.toLocaleString("en-US"),
        ]),
    );

    const bars = rows.map((r, i) => {
        const seed = r.cost.source === "seed";
        const h = Math.max(M.top + PLOT_H - y(r.cost.eur), 1);
        const seedTop = r.seed.monthlyEur.max ?? r.seed.monthlyEur.min;
        return el("g", { "data-stack": r.stack, "data-source": r.cost.source }, [
            el(
                "rect",
                {
                    x: x(i) - barW / 2,
                    y: M.top + PLOT_H - h,
                    width: barW,
                    height: h,
                    fill: seed ? COLORS.seed : COLORS.plan,
                    stroke: COLORS.plan,
                    "stroke-dasharray": seed ? "4 3" : "none",
                },
                [el("title", {}, [`${r.stack}: EUR ${formatCost(r.cost)} per month (${r.cost.source})`])],
            ),
            el(
                "rect",
                {
                    x: x(i) + barW / 2 + 4,
                    y: y(seedTop),
                    width: 4,
                    height: Math.max(y(r.seed.monthlyEur.min) - y(seedTop), 2),
                    fill: COLORS.seedMark,
                },
                [
                    el("title", {}, [
                        `${r.stack}: seed EUR ${r.seed.monthlyEur.min}${r.seed.monthlyEur.max === undefined ? "+" : r.seed.monthlyEur.max !== r.seed.monthlyEur.min ? `-${r.seed.monthlyEur.max}` : ""}`,
                    ]),
                ],
            ),
            el("text", { x: x(i), y: M.top + PLOT_H - h - 6, "text-anchor": "middle", ...FONT }, [
                formatCost(r.cost),
            ]),
            el("text", { x: x(i), y: H - M.bottom + 18, "text-anchor": "middle", ...FONT }, [r.stack]),
        ]);
    });

    const userPoints = rows.map((r, i) => `${x(i)},${yUsers(capacity(r))}`).join(" ");
    const legend = [
        { color: COLORS.plan, label: "monthly cost from the offline plan (EUR, left)" },
        { color: COLORS.seed, label: "seed figure where the phase's plan failed" },
        { color: COLORS.seedMark, label: "the seed's monthly cost" },
        { color: COLORS.users, label: "users the phase is sized for (log, right)" },
    ].map((l, k) =>
        el("g", {}, [
            el("rect", {
                x: M.left + (k % 2) * 330,
                y: H - 30 + Math.floor(k / 2) * 14,
                width: 10,
                height: 10,
                fill: l.color,
            }),
            el("text", { x: M.left + (k % 2) * 330 + 14, y: H - 21 + Math.floor(k / 2) * 14, ...FONT }, [
                l.label,
            ]),
        ]),
    );

    return el("svg", { xmlns: "http://www.w3.org/2000/svg", width: W, height: H, viewBox: `0 0 ${W} ${H}` }, [
        el("title", {}, ["phase-stacks: monthly cost and capacity per phase"]),
        el("rect", { x: 0, y: 0, width: W, height: H, fill: "#ffffff" }),
        el(
            "text",
            { x: W / 2, y: 24, "text-anchor": "middle", "font-family": "sans-serif", "font-size": 15 },
            ["Monthly cost and capacity per phase"],
        ),
        el("text", { x: 16, y: M.top - 14, ...FONT }, ["EUR/month"]),
        el("text", { x: W - M.right + 8, y: M.top - 14, fill: COLORS.users, ...FONT }, ["users"]),
        ...gridLines,
        ...userTicks,
        ...bars,
        el("polyline", { points: userPoints, fill: "none", stroke: COLORS.users, "stroke-width": 2 }),
        ...rows.map((r, i) =>
            el("circle", { cx: x(i), cy: yUsers(capacity(r)), r: 4, fill: COLORS.users }, [
                el("title", {}, [
                    `${r.stack}: sized for ${capacity(r).toLocaleString("en-US")}${r.users.max === undefined ? "+" : ""} users`,
                ]),
            ]),
        ),
        ...legend,
    ]);
}
