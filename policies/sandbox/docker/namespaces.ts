/** CIS Docker 5.10, 5.16, 5.17, 5.31 (PSS hostNamespaces): no namespace shared with the host. */
import { str } from "../../lib/read";
import { dockerPolicy, NO_CONFIG } from "./define";

function hostNamespacePolicy(field: string, namespace: string, item: string, name: string) {
    return dockerPolicy({
        name,
        description: `Docker containers must not share the host's ${namespace} namespace (${field}: "host"; PSS hostNamespaces).`,
        item: { cis: item },
        severity: "critical",
        remediation: `Remove ${field} (or use a private mode); connect containers through a docker.Network instead.`,
        config: NO_CONFIG,
        judge: (props) =>
            str(props[field])?.trim().toLowerCase() === "host"
                ? [
                      {
                          field,
                          problem: `is "host", so the container shares the host's ${namespace} namespace`,
                          fix: `remove ${field}`,
                      },
                  ]
                : [],
    });
}

export const dockerNoHostNetwork = hostNamespacePolicy(
    "networkMode",
    "network",
    "5.10",
    "docker-no-host-network",
);
export const dockerNoHostPid = hostNamespacePolicy("pidMode", "PID", "5.16", "docker-no-host-pid");
export const dockerNoHostIpc = hostNamespacePolicy("ipcMode", "IPC", "5.17", "docker-no-host-ipc");
export const dockerNoHostUserns = hostNamespacePolicy("usernsMode", "user", "5.31", "docker-no-host-userns");
