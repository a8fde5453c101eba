/** Tables for the Cloudflare edge policies (Prowler's zone and DNS checks). */
import { noPrivateAddresses, recordsProxied } from "../../edge/dns";
import { alwaysHttps, hsts, minTls, sslStrict, zoneSettingsPresent } from "../../edge/zoneSettings";
import { T } from "../../lib/typeTokens";
import { dig, res, type Change, type PolicyTable } from "../table";

const setting = (settingId: string, value: unknown, zoneId = "z1") =>
    res(T.cfZoneSetting, `${zoneId}-${settingId}`, { zoneId, settingId, value });
const HSTS = {
    strict_transport_security: {
        enabled: true,
        max_age: 31_536_000,
        include_subdomains: true,
        nosniff: true,
        preload: false,
    },
};

export function zoneSettings(zoneId = "z1") {
    return [
        setting("ssl", "strict", zoneId),
        setting("min_tls_version", "1.2", zoneId),
        setting("always_use_https", "on", zoneId),
        setting("security_header", structuredClone(HSTS), zoneId),
    ];
}

const record = (type: string, content: string, extra: Record<string, unknown> = {}) =>
    res(T.cfDnsRecord, "www", {
        zoneId: "z1",
        name: "www.example.com",
        type,
        content,
        ttl: 1,
        proxied: true,
        ...extra,
    });
const value =
    (v: unknown): Change =>
    (p) => {
        p["value"] = v;
    };
const sts =
    (f: (s: Record<string, unknown>) => void): Change =>
    (p) =>
        f(dig(p, "value", "strict_transport_security"));
const set =
    (values: Record<string, unknown>): Change =>
    (p) => {
        Object.assign(p, values);
    };
const dropSetting =
    (id: string): Change =>
    (_, all) => {
        all.splice(
            all.findIndex((r) => r.props["settingId"] === id),
            1,
        );
    };

export const EDGE_TABLES: PolicyTable[] = [
    {
        policy: sslStrict,
        baseline: () => [setting("ssl", "strict")],
        broken: [
            {
                name: '"full"',
                change: value("full"),
                expect: "cloudflare ZoneSetting 'z1-ssl': value is \"full\", so Cloudflare does not verify",
            },
            { name: '"flexible"', change: value("flexible"), expect: 'value is "flexible"' },
            { name: "no value", change: value(undefined), expect: "value is unset" },
        ],
        passing: [{ name: "another setting", change: set({ settingId: "brotli", value: "off" }) }],
    },
    {
        policy: minTls,
        baseline: () => [setting("min_tls_version", "1.2")],
        broken: [
            { name: '"1.0"', change: value("1.0"), expect: 'value is "1.0", allowing TLS older than 1.2' },
            { name: '"1.1"', change: value("1.1"), expect: 'value is "1.1"' },
        ],
        passing: [{ name: '"1.3"', change: value("1.3") }],
    },
    {
        policy: alwaysHttps,
        baseline: () => [setting("always_use_https", "on")],
        broken: [{ name: '"off"', change: value("off"), expect: 'value is "off", so plain HTTP is served' }],
    },
    {
        policy: hsts,
        baseline: () => [setting("security_header", structuredClone(HSTS))],
        broken: [
            {
                name: "HSTS disabled",
                change: sts((s) => (s["enabled"] = false)),
                expect: "value.strict_transport_security.enabled is not true",
            },
            {
                name: "a one-day max-age",
                change: sts((s) => (s["max_age"] = 86_400)),
                expect: "value.strict_transport_security.max_age is 86400, below 15768000",
            },
            {
                name: "subdomains excluded",
                change: sts((s) => (s["include_subdomains"] = false)),
                expect: "include_subdomains is not true",
            },
            {
                name: "no strict_transport_security",
                change: value({}),
                expect: "value.strict_transport_security is not set",
            },
            {
                name: "the camelCase keys that diff forever",
                change: value({
                    strictTransportSecurity: { enabled: true, maxAge: 31_536_000, includeSubdomains: true },
                }),
                expect: "value.strictTransportSecurity is camelCase",
            },
        ],
        passing: [
            { name: "exactly six months", change: sts((s) => (s["max_age"] = 15_768_000)) },
            {
                name: "the API's snake_case keys",
                change: value({
                    strict_transport_security: {
                        enabled: true,
                        max_age: 15_768_000,
                        include_subdomains: true,
                    },
                }),
            },
        ],
    },
    {
        policy: zoneSettingsPresent,
        baseline: () => [record("A", "203.0.113.10"), ...zoneSettings()],
        broken: [
            {
                name: "no ssl setting",
                change: dropSetting("ssl"),
                expect: 'stack (phase phase1): zone "z1" settingId "ssl" has no ZoneSetting although the zone has DNS records',
            },
            {
                name: "no HSTS",
                change: dropSetting("security_header"),
                expect: 'settingId "security_header" has no ZoneSetting',
            },
            {
                name: "a camelCase settingId",
                change: (_, all) =>
                    all.forEach(
                        (r) =>
                            r.props["settingId"] === "min_tls_version" &&
                            (r.props["settingId"] = "minTlsVersion"),
                    ),
                expect: 'is spelled "minTlsVersion", which the Cloudflare API does not accept',
            },
            {
                name: "records in a second zone",
                change: (_, all) =>
                    all.push(
                        res(T.cfDnsRecord, "api", {
                            zoneId: "z2",
                            name: "api",
                            type: "A",
                            content: "203.0.113.11",
                            ttl: 1,
                            proxied: true,
                        }),
                    ),
                expect: 'zone "z2" settingId "ssl"',
            },
        ],
        passing: [
            { name: "no DNS records", change: (_, all) => all.splice(0, all.length) },
            { name: "settings for an extra zone", change: (_, all) => all.push(...zoneSettings("z9")) },
        ],
    },
    {
        policy: recordsProxied,
        baseline: () => [record("A", "203.0.113.10")],
        broken: [
            {
                name: "an A record not proxied",
                change: set({ proxied: false }),
                expect: 'proxied is not true for A record "www.example.com"',
            },
            {
                name: "an AAAA record without proxied",
                change: set({ type: "AAAA", content: "2001:db8::10", proxied: undefined }),
                expect: "for AAAA record",
            },
            {
                name: "a CNAME",
                change: set({ type: "cname", content: "origin.example.com", proxied: false }),
                expect: "for CNAME record",
            },
            {
                name: "a web host whose name merely contains mail",
                change: set({ name: "webmail.example.com", proxied: false }),
                expect: 'for A record "webmail.example.com"',
            },
            {
                name: "a name outside the configured pattern",
                change: set({ name: "www.example.com", proxied: false }),
                config: { unproxiedNames: ["*.internal.example.com"] },
                expect: 'for A record "www.example.com"',
            },
        ],
        passing: [
            {
                name: "an MX record",
                change: set({ type: "MX", content: "mail.example.com", proxied: false }),
            },
            { name: "a TXT record", change: set({ type: "TXT", content: "v=spf1 -all", proxied: false }) },
            {
                name: "a configured DNS-only name",
                change: set({ proxied: false }),
                config: { unproxiedNames: ["www.example.com"] },
            },
            {
                name: "a configured wildcard",
                change: set({ name: "vpn.eu.example.com", proxied: false }),
                config: { unproxiedNames: ["vpn.*.example.com"] },
            },
            {
                name: "a DKIM selector CNAME",
                change: set({
                    type: "CNAME",
                    name: "s1._domainkey.example.com",
                    content: "s1.dkim.mail.example.net",
                    proxied: false,
                }),
            },
            {
                name: "an ACME DNS-01 delegation",
                change: set({
                    type: "CNAME",
                    name: "_acme-challenge.app.example.com",
                    content: "x.acme.example.net",
                    proxied: false,
                }),
            },
            {
                name: "a domain-verification CNAME",
                change: set({
                    type: "CNAME",
                    name: "_3f9a1c.example.com",
                    content: "verify.example.net",
                    proxied: false,
                }),
            },
            {
                name: "the mail host an MX points at",
                change: set({ name: "mail.example.com", proxied: false }),
            },
            {
                name: "autodiscover",
                change: set({
                    type: "CNAME",
                    name: "autodiscover.example.com",
                    content: "x.example.net",
                    proxied: false,
                }),
            },
        ],
    },
    {
        policy: noPrivateAddresses,
        baseline: () => [record("A", "203.0.113.10")],
        broken: [
            {
                name: "RFC 1918 10/8",
                change: set({ content: "10.0.1.2" }),
                expect: "content is 10.0.1.2, an address that is not public",
            },
            {
                name: "RFC 1918 192.168/16",
                change: set({ content: "192.168.1.1" }),
                expect: "content is 192.168.1.1",
            },
            { name: "172.16/12", change: set({ content: "172.20.0.1" }), expect: "content is 172.20.0.1" },
            { name: "loopback", change: set({ content: "127.0.0.1" }), expect: "content is 127.0.0.1" },
            { name: "CGNAT", change: set({ content: "100.64.0.5" }), expect: "content is 100.64.0.5" },
            {
                name: "link-local metadata address",
                change: set({ content: "169.254.169.254" }),
                expect: "content is 169.254.169.254",
            },
            {
                name: "IPv6 unique-local",
                change: set({ type: "AAAA", content: "fd00::1" }),
                expect: "content is fd00::1",
            },
            {
                name: "IPv6 loopback",
                change: set({ type: "AAAA", content: "::1" }),
                expect: "content is ::1",
            },
            {
                name: "IPv4-mapped private IPv6",
                change: set({ type: "AAAA", content: "::ffff:10.0.0.1" }),
                expect: "content is ::ffff:10.0.0.1",
            },
            {
                name: "a legacy Record's value",
                change: (_, all) =>
                    (all[0] = res(T.cfRecordLegacy, "old", {
                        zoneId: "z1",
                        name: "old",
                        type: "A",
                        value: "10.0.0.9",
                    })),
                expect: "cloudflare Record 'old': content is 10.0.0.9",
            },
        ],
        passing: [
            { name: "a public IPv6 address", change: set({ type: "AAAA", content: "2a01:4f8:c17:1::1" }) },
            {
                name: "a CNAME to an internal-looking name",
                change: set({ type: "CNAME", content: "internal.local" }),
            },
            {
                name: "a TXT record mentioning a private address",
                change: set({ type: "TXT", content: "10.0.0.1" }),
            },
        ],
    },
];
