/**
 * The sections a stack's config is made of, each one zod schema. core/config/schema.ts assembles them into
 * one schema per phase.
 */
import { z } from "zod";
import { LOCATION_NAMES, SERVER_TYPE_NAMES, type LocationName } from "../catalog/hetzner";
import { S3_BUCKET_NAME } from "../render/data/backup";
import { REPLICATION_USER } from "../render/data/dataLayout";
import { SERVICE_NAMES, ServiceSpec } from "../workload/services";
import { calendarProblem } from "./calendar";
import { cidrProblem, isWorldWide, parseCidr } from "./net";
import { replicationIssues, Patroni } from "./patroni";
import { sshPublicKeyProblem } from "./sshKey";

/** A zod refinement from a `...Problem(value)` function: the message says why, never what. */
export function checkedBy(problem: (s: string) => string | undefined) {
    return (s: string, ctx: z.RefinementCtx): void => {
        const message = problem(s);
        if (message !== undefined) ctx.addIssue({ code: "custom", message });
    };
}

export const ORIGIN_CA_VALIDITY_DAYS = [7, 30, 90, 365, 730, 1095, 5475] as const;

/** The superuser and the replication role (core/render/data/dataLayout.ts REPLICATION_USER). */
const RESERVED_DATABASE_ROLES: readonly string[] = ["postgres", REPLICATION_USER];

export const LocationEnum = z.enum(LOCATION_NAMES as [LocationName, ...LocationName[]]);
export const ServerTypeEnum = z.enum(SERVER_TYPE_NAMES as [string, ...string[]]);

const Cidr = z
    .string()
    .superRefine(checkedBy(cidrProblem))
    .refine((s) => {
        const c = parseCidr(s);
        return c === undefined || !isWorldWide(c);
    }, "must not open SSH to the whole internet: list your office or VPN ranges");

const SshPublicKey = z.string().superRefine(checkedBy(sshPublicKeyProblem));

export const DnsLabel = z.string().regex(/^(?!-)[a-z0-9-]{1,63}(?<!-)$/, "must be one DNS label such as app");
const DomainName = z
    .string()
    .regex(
        /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
        "must be a domain name such as example.com",
    );

/** Pulumi's `--path` turns 1.2 into a number; accept either spelling. */
const TlsVersion = z.preprocess((v) => (typeof v === "number" ? v.toFixed(1) : v), z.enum(["1.2", "1.3"]));

export const ServerSpec = z
    .object({
        type: ServerTypeEnum,
        image: z.string().min(1).default("ubuntu-24.04"),
    })
    .strict();

/** A server role of phases 2-3 that runs several copies (the phase-3 backends). */
export const FleetServerSpec = ServerSpec.extend({
    count: z.number().int().min(1).max(10).default(2),
}).strict();

/** The private network of phases 2+; private networks cannot span network zones. */
export const Network = z
    .object({
        ipRange: z
            .string()
            .regex(/^10\.\d{1,3}\.0\.0\/16$/, "must be a private /16 such as 10.0.0.0/16")
            .superRefine(checkedBy(cidrProblem))
            .default("10.0.0.0/16"),
        subnet: z
            .string()
            .regex(/^10\.\d{1,3}\.\d{1,3}\.0\/24$/, "must be a /24 inside ipRange, such as 10.0.1.0/24")
            .superRefine(checkedBy(cidrProblem))
            .default("10.0.1.0/24"),
    })
    .strict()
    .refine((n) => n.subnet.split(".")[1] === n.ipRange.split(".")[1], {
        message: "subnet must lie inside ipRange",
        path: ["subnet"],
    });

/** Phase 3's load balancer: Hetzner's (lb11, health-checked private targets) or an HAProxy server as the seed draws it. */
export const LoadBalancerConfig = z
    .object({
        kind: z.enum(["hetzner", "haproxy"]).default("hetzner"),
        type: z.enum(["lb11", "lb21", "lb31"]).default("lb11"),
    })
    .strict();

/** The database tier's streaming replication (phase 3). */
export const Replication = z
    .object({
        replicas: z.number().int().min(1).max(3).default(1),
        /** Commits wait for one replica and only it may be promoted: no committed row is lost on failover. */
        synchronous: z.boolean().default(true),
        /** Caps the WAL a dead replica's slot may pin (max_slot_wal_keep_size). */
        maxSlotWalKeepSizeGb: z.number().int().min(1).max(1000).default(20),
        /** Automatic failover of the database nodes (core/config/patroni.ts). */
        patroni: Patroni.default(Patroni.parse({})),
    })
    .strict()
    .superRefine((r, ctx) => replicationIssues(r).forEach((i) => ctx.addIssue({ code: "custom", ...i })));

export const Admin = z
    .object({
        sshPublicKeys: z.array(SshPublicKey).min(1, "needs at least one key: password login is disabled"),
        sshAllowedCidrs: z.array(Cidr).min(1, "needs at least one range that may reach SSH"),
    })
    .strict();

export const Edge = z
    .object({
        zone: DomainName,
        zoneId: z
            .string()
            .regex(/^[a-f0-9]{32}$/, "must be the zone's 32-character id from the Cloudflare dashboard"),
        appHost: DnsLabel.default("app"),
        apiHost: DnsLabel.default("api"),
        minTlsVersion: TlsVersion.default("1.2"),
        /** Prowler zone_hsts_enabled wants at least six months. */
        hstsMaxAgeSeconds: z
            .number()
            .int()
            .min(15_768_000, "must be at least 15768000 (six months)")
            .default(31_536_000),
        /** Cloudflare's Origin CA issues only these lifetimes. */
        originCertValidityDays: z
            .number()
            .int()
            .refine(
                (d) => (ORIGIN_CA_VALIDITY_DAYS as readonly number[]).includes(d),
                `must be one of Cloudflare's Origin CA lifetimes: ${ORIGIN_CA_VALIDITY_DAYS.join(", ")} days`,
            )
            .default(5475),
    })
    .strict()
    .refine((e) => e.appHost !== e.apiHost, {
        message: "must differ from edge.appHost: both would publish the same DNS record",
        path: ["apiHost"],
    });

export const Postgres = z
    .object({
        volumeGb: z.number().int().min(10).max(10_240).default(40),
        database: z
            .string()
            .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case SQL identifier")
            .default("app"),
        user: z
            .string()
            .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case SQL identifier")
            .refine(
                (u) => !RESERVED_DATABASE_ROLES.includes(u) && !u.startsWith("pg_"),
                `must not be a role the data tier owns (${RESERVED_DATABASE_ROLES.join(", ")}, pg_*): choose e.g. app`,
            )
            .default("app"),
    })
    .strict();

/** Where a bucket lives: the backup's, and its copy's in another location. */
const S3Location = {
    endpoint: z.url({ protocol: /^https$/, message: "must be an https:// URL of S3-compatible storage" }),
    bucket: z.string().regex(S3_BUCKET_NAME, "must be an S3 bucket name"),
    region: z.string().min(1).default("eu-central"),
};

export const Backup = z
    .object({
        ...S3Location,
        prefix: z
            .string()
            .regex(/^[a-zA-Z0-9._/-]*$/, "may hold letters, digits and . _ / - only")
            .default("backups"),
        /** Days to keep; defaults to the phase's retention from the seed. */
        retentionDays: z.number().int().min(1).max(3650).optional(),
        onCalendar: z.string().superRefine(checkedBy(calendarProblem)).default("*-*-* 03:15:00"),
        /** What the bucket costs a month, for the cost table (Hetzner Object Storage base price by default). */
        storageMonthlyEur: z.number().min(0).default(4.99),
        /**
         * Phases 3-4: a second copy of every base backup, WAL segment and Redis snapshot in another location's
         * object storage (the same access key), mirrored after each backup by the primary.
         */
        copy: z.object(S3Location).strict().optional(),
    })
    .strict()
    .superRefine((b, ctx) => {
        if (b.copy && b.copy.endpoint === b.endpoint && b.copy.bucket === b.bucket)
            ctx.addIssue({
                code: "custom",
                path: ["copy"],
                message:
                    "is the backup bucket itself: point copy.endpoint at another location (e.g. hel1) or another bucket",
            });
    });

export const Memory = z
    .object({
        /** RAM kept for the OS and Docker (the seed's "System + Docker: 1GB"). */
        systemReserveMb: z.number().int().min(256).default(1024),
        /** How far container limits may exceed usable RAM (the seed's own allocation bursts into its buffer). */
        maxOvercommit: z.number().min(1).max(2).default(1.25),
    })
    .strict();

export const WorkloadOverrides = z
    .object(Object.fromEntries(SERVICE_NAMES.map((n) => [n, ServiceSpec.partial().optional()])))
    .strict();

/**
 * Where the VM phases' Alertmanager sends alerts. Its credential (the SMTP password or the webhook's bearer
 * token) is the secret `alertReceiverCredential`, never part of this section.
 */
export const AlertReceiver = z.discriminatedUnion("kind", [
    z
        .object({
            kind: z.literal("email"),
            to: z.email("must be an email address such as ops@example.com"),
            from: z.email("must be an email address such as alerts@example.com"),
            smarthost: z
                .string()
                .regex(
                    /^(?=.{1,253}:)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}:\d{1,5}$/,
                    "must be the SMTP relay as host:port, such as smtp.example.com:587",
                ),
            username: z.string().min(1),
        })
        .strict(),
    z
        .object({
            kind: z.literal("webhook"),
            url: z.url({ protocol: /^https$/, message: "must be an https:// URL" }),
        })
        .strict(),
]);
