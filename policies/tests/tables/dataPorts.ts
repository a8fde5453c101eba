/** Table for the data ports' firewall sources: public sources only as one exact peer address (phase 4's replication). */
import { T } from "../../lib/typeTokens";
import { dataPortsExactPeers } from "../../network/dataPorts";
import { res, type PolicyTable } from "../table";
import type { Json } from "../../lib/read";
import { PEERS, US_WEST } from "./regions";
import { ADMIN, rule, tcp, WORLD } from "./network";

/** The EU database firewall of phase 4: SSH from the admins, Postgres from the standby regions' servers. */
function euDatabaseFirewall() {
    return res(T.hcloudFirewall, "db-eu-firewall", {
        rules: [
            {
                direction: "in",
                protocol: "tcp",
                port: "22",
                sourceIps: ADMIN,
                description: "ssh from admins",
            },
            {
                direction: "in",
                protocol: "tcp",
                port: "5432",
                sourceIps: [...PEERS, `${US_WEST.publicV6[0] ?? ""}/128`],
                description: "replication from the standby regions",
            },
            { direction: "in", protocol: "icmp", sourceIps: WORLD },
            { direction: "out", protocol: "tcp", port: "any", destinationIps: WORLD },
        ],
    });
}

export const DATA_PORT_TABLES: readonly PolicyTable[] = [
    {
        policy: dataPortsExactPeers,
        phase: "phase4",
        baseline: () => [euDatabaseFirewall()],
        broken: [
            {
                name: "Postgres from the world",
                change: tcp("5432", WORLD),
                expect: "hcloud Firewall 'db-eu-firewall': rules[4] opens tcp 5432 (covering 5432 Postgres) to 0.0.0.0/0 (the world), ::/0 (the world); a data port takes public sources only as one peer address",
            },
            {
                name: "PgBouncer from a peer region's /24",
                change: tcp("6432", ["198.51.100.0/24"]),
                expect: "opens tcp 6432 (covering 6432 PgBouncer) to 198.51.100.0/24 (a public /24, wider than one host)",
            },
            {
                name: "a port range over Redis from ::/0",
                change: tcp("6000-7000", ["::/0"]),
                expect: "opens tcp 6000-7000 (covering 6432 PgBouncer, 6379 Redis) to ::/0 (the world)",
            },
            {
                name: "Sentinel over udp from an IPv6 /64",
                change: rule({ protocol: "udp", port: "26379", sourceIps: ["2001:db8:30::/64"] }),
                expect: "opens udp 26379 (covering 26379 Sentinel) to 2001:db8:30::/64 (a public /64, wider than one host)",
            },
            {
                name: "every port (no port given) from the admins' /24",
                change: tcp(undefined, ["203.0.113.0/24"]),
                expect: "opens tcp 1-65535 (covering 5432 Postgres, 6432 PgBouncer, 6379 Redis, 26379 Sentinel) to 203.0.113.0/24",
            },
            {
                name: "a /16 widened into the replication rule beside the exact peers",
                change: (p) => {
                    ((p["rules"] as Json[])[1]?.["sourceIps"] as string[]).push("198.51.0.0/16");
                },
                expect: "rules[1] opens tcp 5432 (covering 5432 Postgres) to 198.51.0.0/16 (a public /16, wider than one host)",
            },
            {
                name: "a source that is not an address",
                change: tcp("5432", ["us-east database"]),
                expect: "to us-east database (unreadable, counted as the world)",
            },
            {
                name: "Redis on the port the pack config names",
                change: tcp("6380", ["192.0.2.0/24"]),
                config: { ports: [5432, 6432, 6380, 26379] },
                expect: "opens tcp 6380 (covering 6380) to 192.0.2.0/24",
            },
        ],
        passing: [
            {
                name: "PgBouncer from a peer's exact IPv6 address",
                change: tcp("6432", ["2001:db8:30::31/128"]),
            },
            { name: "Postgres from an IPv4-mapped /128", change: tcp("5432", ["::ffff:198.51.100.21/128"]) },
            {
                name: "Redis and Sentinel from the private ranges",
                change: tcp("6379-26379", ["10.0.0.0/8", "172.16.0.0/12", "fd00::/8"]),
            },
            { name: "neighbouring ports from the world", change: tcp("6433-6999", WORLD) },
            { name: "ping from the world", change: rule({ protocol: "icmp", sourceIps: WORLD }) },
            {
                name: "an outbound rule to the world on 5432",
                change: rule({ direction: "out", protocol: "tcp", port: "5432", destinationIps: WORLD }),
            },
            {
                name: "6379 from the world when the pack config moves Redis elsewhere",
                change: tcp("6379", ["192.0.2.0/24"]),
                config: { ports: [5432, 6432, 6380, 26379] },
            },
        ],
    },
];
