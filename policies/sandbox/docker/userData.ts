/**
 * The Docker rules over the containers a server's user data starts: every compose service shipped in
 * write_files and the warm-pool keeper's `docker run` (read by ./shipped.ts into ContainerArgs' shape), judged
 * by the same judges as a docker.Container, at their default config. Two policies keep each rule's level: the
 * mandatory rules' findings stop a deploy, the advisory rules' (digests, health checks, ...) only warn. The few
 * findings a service's job needs are lifted by ./userDataExemptions.ts.
 */
import { cloudConfigOf } from "../../lib/cloudInit";
import { byContent, rememberedByContent } from "../../lib/memo";
import { resourcePolicy, type Level, type Problem } from "../../lib/policy";
import { str } from "../../lib/read";
import { T } from "../../lib/typeTokens";
import { CIS_DOCKER, NO_CONFIG, type DockerRule } from "./define";
import { shippedContainers } from "./shipped";
import type { ShippedContainer } from "./shippedContainer";
import { isExempt } from "./userDataExemptions";

const containersIn = byContent((userData: string): ShippedContainer[] => {
    const config = cloudConfigOf(userData);
    return config ? shippedContainers(config) : [];
});

function userDataPolicy(name: string, level: Level, rules: readonly DockerRule[]) {
    const judgeAll = (c: ShippedContainer): Problem[] =>
        rules.flatMap((rule) =>
            rule
                .judgeContainer(c.props)
                .filter((p) => !isExempt(c.service, rule.name, c.props, p.field))
                .map((p) => ({
                    ...p,
                    problem: `${p.problem} (${rule.name})`,
                    id: p.id ?? rule.frameworkId,
                })),
        );
    const verdicts = rememberedByContent<Problem[]>();
    return resourcePolicy({
        name,
        description: `Every container a server's user data starts (compose services, the warm-pool keeper's docker run) passes the pack's ${level} Docker rules.`,
        concern: "sandbox",
        level,
        severity: level === "mandatory" ? "high" : "low",
        framework: { ...CIS_DOCKER, id: "5" },
        remediation:
            "Give the service what the named rule asks for in the compose file or the docker run flags (the rule's own remediation says how).",
        config: NO_CONFIG,
        appliesTo: (type) => type === T.hcloudServer,
        judge: (r) => {
            const userData = str(r.props["userData"]);
            return (userData === undefined ? [] : containersIn(userData)).flatMap((c) => {
                // A pool's hosts ship the same compose file and keeper: judge each source once.
                let problems = verdicts.get(c.source);
                if (!problems) verdicts.set(c.source, (problems = judgeAll(c)));
                return problems.map((p) => ({ ...p, field: `userData ${c.where} ${c.fieldName(p.field)}` }));
            });
        },
    });
}

/** The mandatory and the advisory Docker rules over user-data containers. */
export function dockerUserDataContainers(rules: readonly DockerRule[]) {
    const at = (level: Level) => rules.filter((r) => r.enforcementLevel === level);
    return [
        userDataPolicy("docker-user-data-containers", "mandatory", at("mandatory")),
        userDataPolicy("docker-user-data-containers-advisory", "advisory", at("advisory")),
    ];
}
