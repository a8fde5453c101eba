/** Prowler's Cloudflare zone checks, one policy each, on `cloudflare:index/zoneSetting:ZoneSetting` (snake_case settingId). */
import { z } from "zod";
import { resourcePolicy, stackPolicy, type Judged, type Problem } from "../lib/policy";
import { at, num, rec, str } from "../lib/read";
import { DNS_RECORD_TYPES, T } from "../lib/typeTokens";

export const PROWLER = {
    name: "Prowler",
    version: "5",
    reference:
        "https://github.com/prowler-cloud/prowler/tree/master/prowler/providers/cloudflare/services/zone",
} as const;

function settingPolicy(spec: {
    name: string;
    settingId: string;
    prowlerId: string;
    description: string;
    severity: "high" | "medium";
    remediation: string;
    judge: (value: unknown) => Problem[];
}) {
    return resourcePolicy({
        name: spec.name,
        description: spec.description,
        concern: "edge",
        level: "mandatory",
        severity: spec.severity,
        framework: { ...PROWLER, id: spec.prowlerId },
        remediation: spec.remediation,
        config: z.strictObject({}),
        appliesTo: (type) => type === T.cfZoneSetting,
        judge: (r) => (str(r.props["settingId"]) === spec.settingId ? spec.judge(r.props["value"]) : []),
    });
}

const shown = (v: unknown) => (v === undefined ? "unset" : JSON.stringify(v));

export const sslStrict = settingPolicy({
    name: "cloudflare-ssl-strict",
    settingId: "ssl",
    prowlerId: "zone_ssl_strict",
    description:
        'The zone\'s SSL mode is "strict" (Full strict): Cloudflare verifies the origin certificate.',
    severity: "high",
    remediation:
        'Set the ssl ZoneSetting value to "strict" and give the origin a valid certificate (Cloudflare Origin CA).',
    judge: (v) =>
        v === "strict"
            ? []
            : [
                  {
                      field: "value",
                      problem: `is ${shown(v)}, so Cloudflare does not verify the origin's certificate`,
                      fix: 'set it to "strict"',
                  },
              ],
});

export const minTls = settingPolicy({
    name: "cloudflare-min-tls-1-2",
    settingId: "min_tls_version",
    prowlerId: "zone_min_tls_version_secure",
    description: "The zone's minimum TLS version is 1.2 or higher.",
    severity: "high",
    remediation: 'Set the min_tls_version ZoneSetting value to "1.2" (or "1.3").',
    judge: (v) =>
        (typeof v === "string" || typeof v === "number") && Number(v) >= 1.2
            ? []
            : [
                  {
                      field: "value",
                      problem: `is ${shown(v)}, allowing TLS older than 1.2`,
                      fix: 'set it to "1.2" or "1.3"',
                  },
              ],
});

export const alwaysHttps = settingPolicy({
    name: "cloudflare-always-https",
    settingId: "always_use_https",
    prowlerId: "zone_https_redirect_enabled",
    description: "The zone redirects every HTTP request to HTTPS.",
    severity: "medium",
    remediation: 'Set the always_use_https ZoneSetting value to "on".',
    judge: (v) =>
        v === "on"
            ? []
            : [{ field: "value", problem: `is ${shown(v)}, so plain HTTP is served`, fix: 'set it to "on"' }],
});

/** Prowler zone_hsts_enabled: max-age of at least six months, and subdomains included. */
export const HSTS_MIN_MAX_AGE = 15_768_000;

export const hsts = settingPolicy({
    name: "cloudflare-hsts",
    settingId: "security_header",
    prowlerId: "zone_hsts_enabled",
    description: `The zone sends HSTS with max-age of at least ${HSTS_MIN_MAX_AGE} s (six months) and include_subdomains, in the snake_case keys the provider converges on.`,
    severity: "medium",
    remediation: `Set security_header value {strict_transport_security: {enabled: true, max_age: ${HSTS_MIN_MAX_AGE}, include_subdomains: true, nosniff: true}}: snake_case, the shape the provider converges on (camelCase keys diff forever, pulumi-cloudflare#1579).`,
    judge: (v) => {
        const camelCase = rec(at(v, "strictTransportSecurity"));
        const sts = rec(at(v, "strict_transport_security")) ?? camelCase;
        const field = "value.strict_transport_security";
        if (!sts) return [{ field, problem: "is not set", fix: "configure HSTS" }];
        const maxAge = num(sts["max_age"] ?? sts["maxAge"]) ?? 0;
        const sub = sts["include_subdomains"] ?? sts["includeSubdomains"];
        return [
            ...(camelCase
                ? [
                      {
                          field: "value.strictTransportSecurity",
                          problem:
                              "is camelCase, which the provider reads back as snake_case, so every preview shows a diff (pulumi-cloudflare#1579)",
                          fix: "spell the keys strict_transport_security, max_age, include_subdomains",
                      },
                  ]
                : []),
            ...(sts["enabled"] === true
                ? []
                : [{ field: `${field}.enabled`, problem: "is not true", fix: "set enabled: true" }]),
            ...(maxAge >= HSTS_MIN_MAX_AGE
                ? []
                : [
                      {
                          field: `${field}.max_age`,
                          problem: `is ${maxAge}, below ${HSTS_MIN_MAX_AGE}`,
                          fix: `set max_age to at least ${HSTS_MIN_MAX_AGE}`,
                      },
                  ]),
            ...(sub === true
                ? []
                : [
                      {
                          field: `${field}.include_subdomains`,
                          problem: "is not true",
                          fix: "set include_subdomains: true",
                      },
                  ]),
        ];
    },
});

const REQUIRED_SETTINGS = ["ssl", "min_tls_version", "always_use_https", "security_header"];
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function zoneOf(r: Judged): string {
    return str(r.props["zoneId"]) ?? "";
}

export const zoneSettingsPresent = stackPolicy({
    name: "cloudflare-zone-settings-present",
    description:
        "Every zone the stack publishes DNS records in has ZoneSettings for ssl, min_tls_version, always_use_https and security_header, so the four edge checks above can pass.",
    concern: "edge",
    level: "mandatory",
    severity: "high",
    framework: {
        ...PROWLER,
        id: "zone_ssl_strict/zone_min_tls_version_secure/zone_https_redirect_enabled/zone_hsts_enabled",
    },
    remediation:
        "Add one cloudflare.ZoneSetting per missing settingId (snake_case, as the Cloudflare API spells it).",
    config: z.strictObject({}),
    judge: (resources) => {
        const zones = [...new Set(resources.filter((r) => DNS_RECORD_TYPES.includes(r.type)).map(zoneOf))];
        const settings = resources.filter((r) => r.type === T.cfZoneSetting);
        return zones.flatMap((zone) => {
            const ids = settings
                .filter((s) => zoneOf(s) === zone)
                .map((s) => str(s.props["settingId"]) ?? "");
            return REQUIRED_SETTINGS.filter((id) => !ids.includes(id)).map((id) => ({
                field: `zone "${zone}" settingId "${id}"`,
                problem: ids.includes(camel(id))
                    ? `is spelled "${camel(id)}", which the Cloudflare API does not accept`
                    : "has no ZoneSetting although the zone has DNS records",
                fix: `add cloudflare.ZoneSetting {zoneId: "${zone}", settingId: "${id}"}`,
            }));
        });
    },
});
