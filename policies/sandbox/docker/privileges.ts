/** CIS Docker 5.5, 5.4, 5.26, 4.1, 5.18: what the container process may do on the host. */
import { list, str } from "../../lib/read";
import { capabilities, isSet, judgeUser, securityOpts } from "./container";
import { dockerPolicy, NO_CONFIG } from "./define";

export const dockerNotPrivileged = dockerPolicy({
    name: "docker-not-privileged",
    description: "Docker containers must not run privileged (PSS privileged).",
    item: { cis: "5.5" },
    severity: "critical",
    remediation: "Remove privileged; add only the single capability the service needs.",
    config: NO_CONFIG,
    judge: (props) =>
        props["privileged"] === true
            ? [
                  {
                      field: "privileged",
                      problem: "is true, which gives the container every capability and all host devices",
                      fix: "remove privileged",
                  },
              ]
            : [],
});

export const dockerCapabilitiesDropped = dockerPolicy({
    name: "docker-capabilities-dropped",
    description:
        "Docker containers must drop ALL capabilities and add back at most NET_BIND_SERVICE (PSS capabilities_restricted).",
    item: { cis: "5.4" },
    severity: "high",
    remediation:
        'Set capabilities: {drops: ["ALL"]} and add NET_BIND_SERVICE only if the process binds a port below 1024.',
    config: NO_CONFIG,
    judge: (props) => {
        const { adds, drops } = capabilities(props);
        const extra = [...new Set(adds.filter((c) => c !== "NET_BIND_SERVICE"))];
        return [
            ...(drops.includes("ALL")
                ? []
                : [
                      {
                          field: "capabilities.drops",
                          problem: "does not include ALL, so Docker's default capabilities stay granted",
                          fix: 'set capabilities.drops to ["ALL"]',
                      },
                  ]),
            ...(extra.length
                ? [
                      {
                          field: "capabilities.adds",
                          problem: `adds ${extra.join(", ")}, beyond the only allowed NET_BIND_SERVICE`,
                          fix: `remove ${extra.join(", ")} from capabilities.adds`,
                      },
                  ]
                : []),
        ];
    },
});

export const dockerNoNewPrivileges = dockerPolicy({
    name: "docker-no-new-privileges",
    description:
        "Docker containers must set no-new-privileges so setuid binaries cannot escalate (PSS allowPrivilegeEscalation).",
    item: { cis: "5.26" },
    severity: "high",
    remediation: 'Add "no-new-privileges:true" to securityOpts.',
    config: NO_CONFIG,
    judge: (props) => {
        // Docker applies the last no-new-privileges option; a bare one means true.
        const last = securityOpts(props)
            .filter((o) => o.key === "no-new-privileges")
            .pop();
        if (last && (last.value === undefined || last.value.toLowerCase() === "true" || last.value === "1"))
            return [];
        const problem = last ? `sets "${last.raw}"` : "does not contain no-new-privileges";
        return [{ field: "securityOpts", problem, fix: 'add "no-new-privileges:true" to securityOpts' }];
    },
});

export const dockerNonRootUser = dockerPolicy({
    name: "docker-non-root-user",
    description: "Docker containers must run as a numeric non-root UID (PSS runAsNonRoot, runAsUser).",
    item: { cis: "4.1" },
    severity: "high",
    remediation:
        'Set user to "<uid>:<gid>" with a non-zero UID the image can run as, e.g. "70:70" for postgres:alpine.',
    config: NO_CONFIG,
    judge: (props) => {
        const verdict = judgeUser(str(props["user"]));
        if (verdict.kind === "non-root") return [];
        const problem =
            verdict.kind === "root"
                ? verdict.why
                : `is the name "${verdict.name}", which the pack cannot prove is not UID 0 (PSS requires a numeric UID)`;
        return [{ field: "user", problem, fix: 'set user to a numeric non-root "<uid>:<gid>"' }];
    },
});

export const dockerNoHostDevices = dockerPolicy({
    name: "docker-no-host-devices",
    description:
        "Docker containers must not be given host devices (devices, deviceRequests, gpus, deviceCgroupRules).",
    item: { cis: "5.18" },
    severity: "high",
    remediation:
        "Remove devices, deviceRequests, gpus and deviceCgroupRules; run hardware workloads on dedicated hosts.",
    config: NO_CONFIG,
    judge: (props) =>
        (["devices", "deviceRequests", "gpus", "deviceCgroupRules"] as const)
            .filter((f) => isSet(props[f]))
            .map((field) => ({
                field,
                problem: `exposes host devices${Array.isArray(props[field]) ? ` (${list(props[field]).length})` : ""}`,
                fix: `remove ${field}`,
            })),
});
