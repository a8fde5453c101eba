/**
 * Replication across regions only over verified TLS, judged on the patroni.yml each hcloud Server's user data
 * ships (./patroniConfig.ts). From phase 4 a standby region's cluster streams from the primary region over the
 * public internet; a stream that does not check both certificates lets whoever sits on the path read every row or
 * pose as the primary. Three rules, one policy each so each can be configured on its own:
 *
 * - a standby cluster (`bootstrap.dcs.standby_cluster` with a host or port) connects with
 *   `postgresql.authentication.replication.sslmode: verify-full` and names its CA, certificate and key;
 * - a pg_hba line (`postgresql.pg_hba`, `bootstrap.pg_hba`, `bootstrap.dcs.postgresql.pg_hba`) that admits
 *   replication from outside the private ranges is `hostssl` and checks the client's certificate (`cert`, or
 *   `clientcert=verify-full`);
 * - a Postgres listening on a public address has `ssl` on and `ssl_min_protocol_version` TLSv1.2 or later.
 *
 * Phases 1-3 keep replication on the private network, so their files pass without any of these keys.
 */
import { z } from "zod";
import { resourcePolicy, type Problem } from "../lib/policy";
import { at, list, rec, str, type Json } from "../lib/read";
import { T } from "../lib/typeTokens";
import { isNonPublic, parseCidr, unmapped } from "../network/cidr";
import {
    effectiveParameter,
    patroniConfigOf,
    standbySource,
    streamingStandbyOf,
    unreadableProblem,
} from "./patroniConfig";
import { parseHbaLine, type HbaLine } from "./pgHba";

const POSTGRES_DOCS = { name: "PostgreSQL", version: "15" } as const;

/** A judge over one readable patroni.yml; unreadable files fail closed, servers without one pass. */
function judgePatroni(judge: (doc: Json, where: string) => Problem[]) {
    return (r: { props: Json }): Problem[] => {
        const reading = patroniConfigOf(r.props["userData"]);
        if (!reading) return [];
        return "doc" in reading ? judge(reading.doc, reading.where) : [unreadableProblem(reading)];
    };
}

const isSet = (v: unknown) => (typeof v === "string" ? v.trim() !== "" : v !== undefined && v !== null);

const SSLMODE_GAP: Record<string, string> = {
    disable: "streams in plain text",
    allow: "may stream in plain text",
    prefer: "may stream in plain text",
    require: "encrypts but accepts any certificate",
    "verify-ca": "checks the CA but not that the certificate names the primary",
};

export const standbyVerifyFull = resourcePolicy({
    name: "patroni-standby-replication-verify-full",
    description:
        "A Patroni standby cluster (bootstrap.dcs.standby_cluster with a host or port) streams with postgresql.authentication.replication sslmode verify-full and sets sslrootcert, sslcert and sslkey, so it checks the primary's certificate and host name and presents its own.",
    concern: "data",
    level: "mandatory",
    severity: "high",
    framework: {
        ...POSTGRES_DOCS,
        id: "libpq sslmode=verify-full",
        reference: "https://www.postgresql.org/docs/15/libpq-ssl.html",
    },
    remediation:
        "Set postgresql.authentication.replication to sslmode: verify-full with sslrootcert (the cluster CA), sslcert and sslkey (the replication user's certificate and key).",
    config: z.strictObject({}),
    appliesTo: (type) => type === T.hcloudServer,
    judge: judgePatroni((doc, where) => {
        const standby = streamingStandbyOf(doc);
        if (!standby) return [];
        const from = `streaming from ${standbySource(standby)} (bootstrap.dcs.standby_cluster)`;
        const auth = rec(at(doc, "postgresql", "authentication", "replication")) ?? {};
        const key = (k: string) => `${where} postgresql.authentication.replication.${k}`;
        const problems: Problem[] = [];
        const mode = auth["sslmode"];
        if (mode !== "verify-full")
            problems.push({
                field: key("sslmode"),
                problem: isSet(mode)
                    ? `is "${String(mode)}" on a standby cluster ${from}, which ${SSLMODE_GAP[String(mode)] ?? "libpq does not know"}`
                    : `is not set on a standby cluster ${from}, so libpq's default (prefer) may stream in plain text and never checks the primary's certificate`,
                fix: "set sslmode: verify-full",
            });
        const files: [string, string, string][] = [
            ["sslrootcert", "names no CA to check the primary's certificate against", "the cluster CA file"],
            [
                "sslcert",
                "presents no client certificate, so the primary cannot verify the standby",
                "the replication user's certificate",
            ],
            ["sslkey", "has no key for its client certificate", "the replication user's private key"],
        ];
        for (const [k, gap, what] of files)
            if (!isSet(auth[k]))
                problems.push({
                    field: key(k),
                    problem: `is not set on a standby cluster ${from}, so it ${gap}`,
                    fix: `set ${k} to ${what}`,
                });
        return problems;
    }),
});

const HBA_LISTS: readonly (readonly string[])[] = [
    ["postgresql", "pg_hba"],
    ["bootstrap", "pg_hba"],
    ["bootstrap", "dcs", "postgresql", "pg_hba"],
];

const TYPE_GAP: Record<string, string> = {
    host: "a host line, which also admits connections without TLS",
    hostnossl: "a hostnossl line, which admits only connections without TLS",
    hostgssenc: "a hostgssenc line, which takes GSSAPI encryption instead of TLS",
    hostnogssenc: "a hostnogssenc line, which also admits connections without TLS",
};

/** What is wrong with a line that admits replication from outside the private ranges; empty when nothing. */
function hbaGaps(l: HbaLine): string[] {
    const gaps: string[] = [];
    if (l.type !== "hostssl") gaps.push(`is ${TYPE_GAP[l.type] ?? `a ${l.type} line`}`);
    const clientcert = l.options["clientcert"];
    if (l.method !== "cert" && clientcert !== "verify-full")
        gaps.push(
            clientcert === undefined
                ? `authenticates by ${l.method} without clientcert=verify-full, so no client certificate is checked`
                : `has clientcert=${clientcert}, which does not check that the certificate names the user`,
        );
    return gaps;
}

export const publicReplicationHostsslCert = resourcePolicy({
    name: "patroni-public-replication-hostssl-cert",
    description:
        "Every pg_hba line in a patroni.yml (postgresql.pg_hba, bootstrap.pg_hba, bootstrap.dcs.postgresql.pg_hba) that admits replication from a source outside the private ranges is hostssl and verifies the client certificate (method cert, or clientcert=verify-full).",
    concern: "data",
    level: "mandatory",
    severity: "critical",
    framework: {
        ...POSTGRES_DOCS,
        id: "pg_hba hostssl with clientcert=verify-full",
        reference: "https://www.postgresql.org/docs/15/auth-pg-hba-conf.html",
    },
    remediation:
        "Admit the peer regions' replicas with `hostssl replication <user> <peer>/32 scram-sha-256 clientcert=verify-full` (or method cert) and keep host lines for private sources only.",
    config: z.strictObject({}),
    appliesTo: (type) => type === T.hcloudServer,
    judge: judgePatroni((doc, where) =>
        HBA_LISTS.flatMap((path) =>
            list(at(doc, ...path)).flatMap((entry, i): Problem[] => {
                const text = str(entry);
                const l = text === undefined ? undefined : parseHbaLine(text);
                if (!l?.replication || !l.publicSource || l.method === "reject") return [];
                const gaps = hbaGaps(l);
                if (!gaps.length) return [];
                const user = l.user || "<user>";
                return [
                    {
                        field: `${where} ${path.join(".")}[${i}]`,
                        problem: `("${text ?? ""}") admits replication from ${l.address ?? ""}, outside the private ranges, and ${gaps.join(" and ")}`,
                        fix: `write it as "hostssl replication ${user} ${l.address ?? ""} scram-sha-256 clientcert=verify-full" (or method cert)`,
                    },
                ];
            }),
        ),
    ),
});

/** The hosts of Patroni's `postgresql.listen` ("10.0.1.5,203.0.113.5:5432", "[::]:5432"), as split_host_port reads it. */
export function listenHosts(listen: string): string[] {
    const colon = listen.lastIndexOf(":");
    const hosts = colon === -1 ? listen : listen.slice(0, colon);
    return hosts.split(",").map((h) => h.trim().replace(/^\[|\]$/g, ""));
}

const WILDCARDS = new Set(["*", "0.0.0.0", "::"]);

/** A listen host reachable from outside the private ranges: a wildcard, a public address, or a name. */
function isPublicListen(host: string): boolean {
    if (host === "" || host === "localhost") return false;
    if (WILDCARDS.has(host)) return true;
    const c = parseCidr(host);
    return c === undefined || !isNonPublic(unmapped(c));
}

const isOn = (v: unknown) =>
    v === true || v === 1 || (typeof v === "string" && /^(on|t|tr|tru|true|y|ye|yes|1)$/i.test(v.trim()));

const TLS_OK = new Set(["tlsv1.2", "tlsv1.3"]);

export const publicListenTls = resourcePolicy({
    name: "patroni-public-listen-tls",
    description:
        "A patroni.yml whose postgresql.listen includes a public address (or a wildcard) turns ssl on and sets ssl_min_protocol_version to TLSv1.2 or later in postgresql.parameters.",
    concern: "data",
    level: "mandatory",
    severity: "high",
    framework: {
        name: "Checkov",
        version: "3",
        id: "CKV_AZURE_29/CKV_AZURE_147 (Patroni analogue)",
        reference:
            "https://github.com/bridgecrewio/checkov/blob/main/checkov/terraform/checks/resource/azure/PostgreSQLServerSSLEnforcementEnabled.py",
    },
    remediation:
        'Set ssl: "on", ssl_min_protocol_version: TLSv1.3 (at least TLSv1.2), ssl_cert_file, ssl_key_file and ssl_ca_file in postgresql.parameters, or listen on the private address only.',
    config: z.strictObject({}),
    appliesTo: (type) => type === T.hcloudServer,
    judge: judgePatroni((doc, where) => {
        const listen = str(at(doc, "postgresql", "listen"));
        const exposed = listen === undefined ? [] : listenHosts(listen).filter(isPublicListen);
        if (!exposed.length) return [];
        const because = `while postgresql.listen (${listen ?? ""}) includes ${exposed.join(", ")}, reachable from outside the private ranges`;
        const problems: Problem[] = [];
        const ssl = effectiveParameter(doc, "ssl");
        if (!ssl || !isOn(ssl.value))
            problems.push({
                field: `${where} ${ssl?.key ?? "postgresql.parameters.ssl"}`,
                problem: ssl
                    ? `is ${JSON.stringify(ssl.value)} ${because}, so PostgreSQL accepts no TLS`
                    : `is not set ${because}, so PostgreSQL runs with ssl off and accepts no TLS`,
                fix: 'set ssl: "on" with ssl_cert_file, ssl_key_file and ssl_ca_file',
            });
        const min = effectiveParameter(doc, "ssl_min_protocol_version");
        const minText = min === undefined ? undefined : String(min.value);
        if (minText === undefined || !TLS_OK.has(minText.trim().toLowerCase()))
            problems.push({
                field: `${where} ${min?.key ?? "postgresql.parameters.ssl_min_protocol_version"}`,
                problem:
                    minText === undefined
                        ? `is not set ${because}; the default is TLSv1 before PostgreSQL 13 and the pack cannot see the server's version`
                        : `is "${minText}" ${because}, below TLSv1.2`,
                fix: "set ssl_min_protocol_version: TLSv1.3 (or TLSv1.2)",
            });
        return problems;
    }),
});
