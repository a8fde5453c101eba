/**
 * Phase 4's `loadBalancing` section (top level, beside `edge`): Cloudflare Load Balancing in front of each
 * region's entry. A section of its own rather than a key of `edge`, which every cloud phase shares.
 *
 *   phase-stacks:loadBalancing:
 *       accountId: 0123456789abcdef0123456789abcdef
 *       steering: off          # geo needs the paid Traffic steering add-on
 *       writeHost: write
 *       monitor: { intervalSeconds: 60, consecutiveDown: 2 }
 */
import { z } from "zod";
import { LOAD_BALANCING_LIMITS } from "../catalog/cloudflareLoadBalancing";
import { DnsLabel } from "./sections";

/**
 * geo: each Cloudflare region goes to its nearest region's pool first. Needs the paid "Traffic steering"
 * purchase: without it only off (failover) and random are available (`steering-policies/standard-options.mdx`),
 * so geo would fail at `pulumi up`. off: every visitor goes to the primary region while it is healthy.
 */
export const STEERING_MODES = ["geo", "off"] as const;
export type SteeringMode = (typeof STEERING_MODES)[number];

const UrlPath = z
    .string()
    .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/, "must be an absolute URL path such as /health");

const { minIntervalSeconds, maxIntervalSeconds } = LOAD_BALANCING_LIMITS;

/**
 * Both monitors' timings. Cloudflare's API documents defaults (interval 60, timeout 5, retries 2,
 * consecutive 0) but no maxima for timeout, retries or the consecutive counts: the bounds below are ours.
 */
export const LoadBalancingMonitor = z
    .object({
        /** The app/API monitor's path; the stack defaults it to the API's health path (workload.api.healthPath). */
        path: UrlPath.optional(),
        /** Answers 200 only in the region whose Postgres is the primary; the write hostname follows it. */
        writablePath: UrlPath.default("/healthz/writable"),
        intervalSeconds: z
            .number()
            .int()
            .min(
                minIntervalSeconds.pro,
                `must be at least ${minIntervalSeconds.pro}, Cloudflare's minimum on the Pro plan (Business allows ${minIntervalSeconds.business}, Enterprise ${minIntervalSeconds.enterprise}; this program assumes Pro)`,
            )
            .max(maxIntervalSeconds, `must be at most ${maxIntervalSeconds}, Cloudflare's maximum`)
            .default(60),
        timeoutSeconds: z.number().int().min(1, "must be at least 1 second").default(5),
        /** Immediate retries after a timeout before a probe counts as failed. */
        retries: z
            .number()
            .int()
            .min(0)
            .max(5, "must be at most 5: each retry probes again at once")
            .default(2),
        /** Failed probes in a row before an origin is unhealthy: 2 keeps one lost probe from failing a region over. */
        consecutiveDown: z
            .number()
            .int()
            .min(1, "must be at least 1")
            .max(10, "must be at most 10")
            .default(2),
        consecutiveUp: z.number().int().min(1, "must be at least 1").max(10, "must be at most 10").default(2),
        /**
         * The origins serve a Cloudflare Origin CA certificate, which is not publicly trusted: a monitor that
         * validates it fails with "TLS untrusted certificate" (`troubleshooting/common-error-codes.mdx`). Only the
         * probe skips validation; visitors' traffic still runs under SSL Full (strict).
         */
        allowInsecure: z.boolean().default(true),
    })
    .strict()
    .superRefine((m, ctx) => {
        if (m.timeoutSeconds >= m.intervalSeconds)
            ctx.addIssue({
                code: "custom",
                path: ["timeoutSeconds"],
                message: `must be shorter than monitor.intervalSeconds (${m.intervalSeconds}): lower timeoutSeconds or raise intervalSeconds`,
            });
        if (m.path !== undefined && m.path === m.writablePath)
            ctx.addIssue({
                code: "custom",
                path: ["writablePath"],
                message:
                    "must differ from monitor.path: the writable check answers 200 in the primary region only",
            });
    });

export const LoadBalancing = z
    .object({
        accountId: z
            .string()
            .regex(
                /^[a-f0-9]{32}$/,
                "must be the Cloudflare account's 32-character id (dashboard: Account home, the account's menu, Copy account ID)",
            ),
        steering: z
            .enum(
                STEERING_MODES,
                "must be geo (needs Cloudflare's paid Traffic steering add-on) or off (failover to the primary region)",
            )
            .default("off"),
        /** The label of the hostname that always reaches the writable database, e.g. write.example.com. */
        writeHost: DnsLabel.default("write"),
        /**
         * Pools decide health per Cloudflare region (`healthSources: ["regional", "global"]`), so a region that
         * cannot reach a pool steers around it alone. A beta "available to eligible accounts"
         * (`understand-basics/regional-health.mdx`): turn it on once Cloudflare has enabled it for the account.
         */
        regionalHealth: z.boolean().default(false),
        /**
         * Regions no visitor may reach: their pools are disabled. The first step of a region failover fences the
         * lost primary region here, so that when it comes back its database takes no writes before it is rebuilt
         * as a standby (npm run advise prints the steps).
         */
        fencedRegions: z.array(DnsLabel).default([]),
        monitor: LoadBalancingMonitor.default(LoadBalancingMonitor.parse({})),
    })
    .strict();

export type LoadBalancingConfig = z.output<typeof LoadBalancing>;
export type LoadBalancingMonitorConfig = z.output<typeof LoadBalancingMonitor>;

/**
 * Checks against the `edge` section, for the phase schema's superRefine: the write hostname must not be one
 * the edge already publishes. Paths are relative to the stack config's root.
 */
export function loadBalancingIssues(
    lb: Pick<LoadBalancingConfig, "writeHost" | "fencedRegions">,
    edge: { readonly appHost: string; readonly apiHost: string },
    regionNames: readonly string[],
): { path: (string | number)[]; message: string }[] {
    const taken = [
        ["appHost", edge.appHost],
        ["apiHost", edge.apiHost],
    ] as const;
    const fenced = lb.fencedRegions;
    return [
        ...taken
            .filter(([, host]) => host === lb.writeHost)
            .map(([key]) => ({
                path: ["loadBalancing", "writeHost"],
                message: `must differ from edge.${key} (${lb.writeHost}): choose another label such as write`,
            })),
        ...fenced.flatMap((name, i) =>
            regionNames.includes(name)
                ? []
                : [
                      {
                          path: ["loadBalancing", "fencedRegions", i],
                          message: `names no region (${regionNames.join(", ")}): list a region's name`,
                      },
                  ],
        ),
        ...(regionNames.length > 0 && regionNames.every((n) => fenced.includes(n))
            ? [
                  {
                      path: ["loadBalancing", "fencedRegions"],
                      message:
                          "fences every region, which leaves visitors nowhere to go: fence only the lost region",
                  },
              ]
            : []),
    ];
}
