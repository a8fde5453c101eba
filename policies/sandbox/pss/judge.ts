/**
 * The Pod Security Standards judge: which checks run at a level, and what they say about one pod spec. Restricted
 * is every baseline check that no restricted check overrides, plus the restricted checks (registry.go).
 */
import { PSS_CHECKS, type PssCheck, type PssLevel } from "./checks";
import type { PodMetadata, PodSpec } from "./types";

export interface PssViolation {
    /** Upstream check ID, e.g. "runAsNonRoot". */
    readonly check: string;
    readonly detail: string;
    readonly fix: string;
}

export function checksAt(level: PssLevel): PssCheck[] {
    if (level === "baseline") return PSS_CHECKS.filter((c) => c.level === "baseline");
    const overridden = new Set(PSS_CHECKS.map((c) => c.overrides).filter((o) => o !== undefined));
    return PSS_CHECKS.filter((c) => !overridden.has(c.id));
}

export function podSpecViolations(spec: PodSpec, level: PssLevel, meta: PodMetadata = {}): PssViolation[] {
    return checksAt(level).flatMap((c) => {
        const detail = c.check(spec, meta);
        return detail === undefined ? [] : [{ check: c.id, detail, fix: c.fix }];
    });
}
