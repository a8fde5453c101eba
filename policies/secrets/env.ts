/**
 * No secret-looking literal in a container's environment (docker `envs`, pod `env[].value`): env vars leak into
 * `docker inspect`, crash dumps, child processes and Pulumi state. References are fine (`${VAR}`, `*_FILE=/run/...`,
 * `valueFrom.secretKeyRef`). CrossGuard sees Pulumi secrets unwrapped, so a generated password passed as an env
 * var is flagged too: deliver it as a file.
 */
import { z } from "zod";
import { CHECKOV_KUBERNETES, resourcePolicy, type Problem } from "../lib/policy";
import { str, strings } from "../lib/read";
import { isPodWorkload, T } from "../lib/typeTokens";
import { podTemplateOf } from "../sandbox/podTemplate";
import { arr } from "../sandbox/pss/types";
import { describeHit, scanVariable } from "./detect";

const FIX =
    "read it from a file instead (NAME_FILE=/run/secrets/name, or a Kubernetes Secret via valueFrom.secretKeyRef)";

function dockerEnvProblems(props: Record<string, unknown>): Problem[] {
    return strings(props["envs"]).flatMap((entry, i) => {
        const eq = entry.indexOf("=");
        if (eq < 0) return [];
        return scanVariable(entry.slice(0, eq), entry.slice(eq + 1)).map((h) => ({
            field: `envs[${i}]`,
            problem: describeHit(h),
            fix: FIX,
        }));
    });
}

function podEnvProblems(type: string, props: unknown): Problem[] {
    const pod = podTemplateOf(type, props);
    if (!pod) return [];
    return [...arr(pod.spec.initContainers), ...arr(pod.spec.containers)].flatMap((c) =>
        arr(c.env).flatMap((e, i) => {
            const value = str(e.value);
            if (value === undefined) return [];
            return scanVariable(e.name ?? "", value).map((h) => ({
                field: `${pod.field} container "${c.name ?? ""}" env[${i}].value`,
                problem: describeHit(h),
                fix: FIX,
            }));
        }),
    );
}

export const containerEnvSecrets = resourcePolicy({
    name: "secrets-not-in-container-env",
    description:
        "Docker container envs and pod template env values carry no secret-looking literal (by name, pattern and entropy).",
    concern: "secrets",
    level: "mandatory",
    severity: "high",
    framework: { ...CHECKOV_KUBERNETES, id: "CKV_AWS_45/CKV_K8S_35 (analogue)" },
    remediation:
        "Mount the credential as a file (docker uploads or a read-only bind of a 0600 file; a Kubernetes Secret volume) and pass its path in NAME_FILE.",
    config: z.strictObject({}),
    appliesTo: (type) => type === T.dockerContainer || isPodWorkload(type),
    judge: (r) =>
        r.type === T.dockerContainer ? dockerEnvProblems(r.props) : podEnvProblems(r.type, r.props),
});
