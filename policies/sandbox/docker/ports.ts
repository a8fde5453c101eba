/** CIS Docker 5.8, 5.14 and 5.9: published ports. (Docker-published ports bypass the host's ufw.) */
import { num, str } from "../../lib/read";
import { publishedPorts } from "./container";
import { dockerPolicy, NO_CONFIG } from "./define";

export const dockerNoPrivilegedPorts = dockerPolicy({
    name: "docker-no-privileged-ports",
    description: "Docker containers must not publish host ports below 1024.",
    item: { cis: "5.8" },
    severity: "medium",
    remediation: "Publish on a port of 1024 or above (a reverse proxy on the host owns 80/443).",
    config: NO_CONFIG,
    judge: (props) =>
        publishedPorts(props).flatMap((p, i) => {
            const external = num(p["external"]);
            return external !== undefined && external > 0 && external < 1024
                ? [
                      {
                          field: `ports[${i}].external`,
                          problem: `is ${external}, a privileged host port`,
                          fix: "use a host port of 1024 or above",
                      },
                  ]
                : [];
        }),
});

const ANY_ADDRESS = new Set(["", "0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0"]);

export const dockerPortsBound = dockerPolicy({
    name: "docker-ports-bound-to-address",
    description:
        "Docker containers must bind every published port to a specific host address (ports[].ip defaults to 0.0.0.0) and must not publish all ports.",
    item: { cis: "5.14" },
    severity: "high",
    remediation: "Set ports[].ip to 127.0.0.1 (or the private network address) and remove publishAllPorts.",
    config: NO_CONFIG,
    judge: (props) => [
        ...(props["publishAllPorts"] === true
            ? [
                  {
                      field: "publishAllPorts",
                      problem: "is true, publishing every exposed port on all host addresses",
                      fix: "remove publishAllPorts and list ports explicitly",
                      id: "CIS Docker Benchmark 5.9",
                  },
              ]
            : []),
        ...publishedPorts(props).flatMap((p, i) => {
            const ip = str(p["ip"]);
            return ip === undefined || ANY_ADDRESS.has(ip.trim())
                ? [
                      {
                          field: `ports[${i}].ip`,
                          problem:
                              ip === undefined
                                  ? "is not set, so Docker binds 0.0.0.0 (all interfaces)"
                                  : `is "${ip}", every host interface`,
                          fix: 'set ip to "127.0.0.1" or the private network address',
                      },
                  ]
                : [];
        }),
    ],
});
