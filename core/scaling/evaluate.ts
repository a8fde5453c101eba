/**
 * The seed's scaling decision: which triggers of the transition out of the current phase hold, and whether
 * enough hold to migrate. When the next phase's own triggers also hold, the recommendation walks on, so an
 * install that outgrew two phases is told so instead of being moved one step at a time without warning.
 */
import type { Measurements } from "./metrics";
import {
    DEFAULT_MIN_TRIGGERS,
    isScalable,
    METRIC_NAMES,
    TRIGGER_MATRIX,
    type MetricInputKey,
    type MetricName,
    type ProductionPhase,
    type Transition,
} from "./matrix";

export interface TriggerMet {
    readonly metric: MetricInputKey;
    readonly name: MetricName;
    readonly value: number;
    readonly threshold: number;
    /** How far past the threshold, as a percentage of it. */
    readonly overByPct: number;
}

export interface TransitionVerdict {
    readonly from: Transition["from"];
    readonly to: ProductionPhase;
    readonly triggersMet: readonly TriggerMet[];
    readonly migrate: boolean;
}

export interface Decision {
    readonly currentPhase: ProductionPhase;
    readonly recommendedPhase: ProductionPhase;
    readonly migrate: boolean;
    readonly minTriggers: number;
    /** The transitions evaluated, in order; the last one is the one that did not (or could not) migrate. */
    readonly transitions: readonly TransitionVerdict[];
}

export function checkMinTriggers(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > METRIC_NAMES.length)
        throw new RangeError(`minTriggers must be a whole number from 1 to ${METRIC_NAMES.length}, got ${n}`);
    return n;
}

function overBy(value: number, threshold: number): number {
    return threshold === 0 ? Infinity : Math.round((value / threshold - 1) * 1000) / 10;
}

export function evaluateTransition(
    transition: Transition,
    m: Measurements,
    minTriggers = DEFAULT_MIN_TRIGGERS,
): TransitionVerdict {
    const triggersMet = transition.cells
        .filter((c) => m[c.input] > c.threshold)
        .map((c) => ({
            metric: c.input,
            name: c.metric,
            value: m[c.input],
            threshold: c.threshold,
            overByPct: overBy(m[c.input], c.threshold),
        }));
    return {
        from: transition.from,
        to: transition.to,
        triggersMet,
        migrate: triggersMet.length >= checkMinTriggers(minTriggers),
    };
}

export function decide(
    currentPhase: ProductionPhase,
    m: Measurements,
    minTriggers = DEFAULT_MIN_TRIGGERS,
): Decision {
    const transitions: TransitionVerdict[] = [];
    let phase: ProductionPhase = currentPhase;
    while (isScalable(phase)) {
        const verdict = evaluateTransition(TRIGGER_MATRIX[phase], m, minTriggers);
        transitions.push(verdict);
        if (!verdict.migrate) break;
        phase = verdict.to;
    }
    return {
        currentPhase,
        recommendedPhase: phase,
        migrate: phase !== currentPhase,
        minTriggers,
        transitions,
    };
}
