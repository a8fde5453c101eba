/** The builder every Docker container policy uses: one CIS Docker Benchmark item (or PSS check) per policy. */
import type { Severity } from "@pulumi/policy";
import { z } from "zod";
import type { ConfigSchema } from "../../lib/config";
import { resourcePolicy, type Level, type PackResourcePolicy, type Problem } from "../../lib/policy";
import { readConfig } from "../../lib/config";
import type { Json } from "../../lib/read";
import { T } from "../../lib/typeTokens";
import { PSS } from "../pss/checks";

export const CIS_DOCKER = {
    name: "CIS Docker Benchmark",
    version: "1.6.0",
    reference: "https://github.com/docker/docker-bench-security/blob/master/tests/5_container_runtime.sh",
} as const;

export const NO_CONFIG = z.strictObject({});

interface DockerSpec<S extends ConfigSchema> {
    readonly name: string;
    readonly description: string;
    /** The CIS Docker item (e.g. "5.5"), or the PSS check where CIS has no item. */
    readonly item: { readonly cis: string } | { readonly pss: string };
    readonly severity: Severity;
    readonly level?: Level;
    readonly remediation: string;
    readonly config: S;
    readonly judge: (props: Json, config: z.output<S>) => Problem[];
}

/** A Docker rule as the pack registers it, plus its judge at default config for containers read elsewhere. */
export type DockerRule = PackResourcePolicy & {
    readonly judgeContainer: (props: Json) => Problem[];
};

export function dockerPolicy<S extends ConfigSchema>(spec: DockerSpec<S>): DockerRule {
    let defaults: z.output<S> | undefined;
    const judgeContainer = (props: Json) =>
        spec.judge(props, (defaults ??= readConfig(spec.name, spec.config, {})));
    const policy = resourcePolicy({
        name: spec.name,
        description: spec.description,
        concern: "sandbox",
        level: spec.level ?? "mandatory",
        severity: spec.severity,
        framework: "cis" in spec.item ? { ...CIS_DOCKER, id: spec.item.cis } : { ...PSS, id: spec.item.pss },
        remediation: spec.remediation,
        config: spec.config,
        appliesTo: (type) => type === T.dockerContainer,
        judge: (r, config) => spec.judge(r.props, config),
    });
    return { ...policy, judgeContainer };
}
