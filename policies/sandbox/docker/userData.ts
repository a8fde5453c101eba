/**
 * The Docker rules over the containers a server's user data starts: every compose service shipped in
 * write_files and the warm-pool keeper's `docker run` (read by ./shipped.ts into ContainerArgs' shape), judged
 * by the same judges as a docker.Container, at their default config. Advisory for now: the compose files of
 * phases 1-3 still fail several rules (README "Policy pack"), and a mandatory level would stop every deploy
 * until the renderer is hardened.
 */
import { cloudConfigOf } from "../../lib/cloudInit";
import { byContent, rememberedByContent } from "../../lib/memo";
import { resourcePolicy, type Problem } from "../../lib/policy";
import { str, type Json } from "../../lib/read";
import { T } from "../../lib/typeTokens";
import { CIS_DOCKER, NO_CONFIG, type DockerRule } from "./define";
import { shippedContainers, type ShippedContainer } from "./shipped";

const containersIn = byContent((userData: string): ShippedContainer[] => {
    const config = cloudConfigOf(userData);
    return config ? shippedContainers(config) : [];
});

const verdicts = rememberedByContent<Problem[]>();

export function dockerUserDataContainers(rules: readonly DockerRule[]) {
    const judgeAll = (props: Json): Problem[] =>
        rules.flatMap((rule) =>
            rule.judgeContainer(props).map((p) => ({
                ...p,
                problem: `${p.problem} (${rule.name})`,
                id: p.id ?? rule.frameworkId,
            })),
        );
    return resourcePolicy({
        name: "docker-user-data-containers",
        description:
            "Every container a server's user data starts (compose services, the warm-pool keeper's docker run) passes the pack's Docker rules.",
        concern: "sandbox",
        level: "advisory",
        severity: "high",
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
                if (!problems) verdicts.set(c.source, (problems = judgeAll(c.props)));
                return problems.map((p) => ({ ...p, field: `userData ${c.where} ${c.fieldName(p.field)}` }));
            });
        },
    });
}
