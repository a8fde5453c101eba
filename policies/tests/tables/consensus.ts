/** Table for the consensus-ports policy: Patroni's REST API and etcd never open beyond the private network. */
import { consensusPortsPrivate } from "../../network/consensus";
import type { PolicyTable } from "../table";
import { ADMIN, phase1Firewall, rule, tcp, WORLD } from "./network";

export const CONSENSUS_TABLES: readonly PolicyTable[] = [
    {
        policy: consensusPortsPrivate,
        baseline: () => [phase1Firewall()],
        broken: [
            {
                name: "Patroni's REST API from the admins' public range",
                change: tcp("8008", ADMIN),
                expect: "rules[5] opens tcp 8008 (covering 8008, Patroni's REST API or etcd) to 203.0.113.0/24, 2001:db8:10::/48",
            },
            {
                name: "etcd's client port from the world",
                change: tcp("2379", WORLD),
                expect: "opens tcp 2379 (covering 2379-2380, Patroni's REST API or etcd) to 0.0.0.0/0, ::/0",
            },
            {
                name: "a range over etcd's peer port from one public host",
                change: tcp("2380-2400", ["198.51.100.7/32"]),
                expect: "to 198.51.100.7/32",
            },
            {
                name: "any port over udp from the world",
                change: rule({ protocol: "udp", port: "any", sourceIps: WORLD }),
                expect: "opens udp 1-65535",
            },
            {
                name: "an unreadable source",
                change: tcp("8008", ["the office"]),
                expect: "to the office",
            },
        ],
        passing: [
            { name: "8008 and etcd from the private network", change: tcp("2379-2380", ["10.0.1.0/24"]) },
            {
                name: "Patroni's REST API from a private range",
                change: tcp("8008", ["10.0.0.0/16", "fd00::/8"]),
            },
            { name: "a neighbouring port from the world", change: tcp("8009", WORLD) },
            { name: "icmp from the world", change: rule({ protocol: "icmp", sourceIps: WORLD }) },
        ],
    },
];
