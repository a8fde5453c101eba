/**
 * Every file the stack ships to a machine, read back from what the resources actually carry (server user
 * data, container uploads), so the plan shows what a machine would receive rather than what a renderer meant.
 */
import { gunzipSync } from "node:zlib";
import { parse } from "yaml";
import type { ArtifactKind } from "../../core/render/base/artifact";
import { decodeUserData } from "../../core/render/base/cloudInit";

export interface Artifact {
    /** Resource name of the machine or container that receives the file. */
    readonly machine: string;
    /** Path on the machine ("user-data" for the cloud-config itself). */
    readonly target: string;
    readonly kind: ArtifactKind;
    readonly content: string;
}

const BY_SUFFIX: readonly (readonly [RegExp, ArtifactKind])[] = [
    [/compose\.ya?ml$/, "compose"],
    // Before the daemons' own patterns: a drop-in for redis_exporter is a unit, not a redis.conf.
    [/\.(service|timer|mount|socket)$|\.service\.d\/[^/]+\.conf$/, "systemd"],
    [/caddy\.json$|Caddyfile$/, "caddy"],
    [/haproxy\.cfg$/, "haproxy"],
    [/nginx.*\.conf$/, "nginx"],
    [/\.rules\.ya?ml$/, "prometheus-rules"],
    [/prometheus\.ya?ml$/, "prometheus-config"],
    [/alertmanager\.ya?ml$/, "alertmanager"],
    [/blackbox\.ya?ml$|\/blackbox_exporter\/config\.ya?ml$/, "blackbox"],
    // postgresql-common's own settings, not a server config.
    [/\/createcluster\.conf$/, "text"],
    [/postgresql.*\.conf$/, "postgresql-conf"],
    [/pg_hba\.conf$/, "pg-hba"],
    [/sentinel.*\.conf$/, "sentinel-conf"],
    [/redis.*\.conf$/, "redis-conf"],
    [/docker\/daemon\.json$/, "docker-daemon"],
    [/\.sh$|\/(s?bin)\/[^/.]+$/, "shell"],
    [/sshd_config/, "sshd"],
    [/fail2ban\//, "fail2ban"],
    [/\/apt\/apt\.conf\.d\//, "apt"],
    [/\.env$/, "env"],
    [/\.(pem|crt|key)$/, "pem"],
    [/\/k8s\/|\/manifests\//, "k8s"],
    [/grafana[^/]*\.ya?ml$|\/grafana\/(provisioning|dashboards)\/|\/grafana-dashboards\//, "grafana"],
    [/\/etc\/fstab$/, "fstab"],
    // On a server under the project's config dir; in a dev container at the image's own config path.
    [/\/loki\.ya?ml$|\/etc\/loki\//, "loki"],
    [/\.alloy$/, "alloy"],
    [/\/otel-collector\.ya?ml$|\/etc\/otelcol-contrib\//, "otel-collector"],
];

export function kindOfPath(path: string): ArtifactKind {
    return BY_SUFFIX.find(([re]) => re.test(path))?.[1] ?? "text";
}

interface WriteFile {
    path?: unknown;
    content?: unknown;
    encoding?: unknown;
}

function decode(entry: WriteFile): string {
    const content = typeof entry.content === "string" ? entry.content : "";
    switch (entry.encoding) {
        case "gz+b64":
        case "gzip+base64":
            return gunzipSync(Buffer.from(content, "base64")).toString("utf8");
        case "b64":
        case "base64":
            return Buffer.from(content, "base64").toString("utf8");
        default:
            return content;
    }
}

/** `userData` as the server receives it; the artifacts hold the decoded cloud-config and its files. */
export function cloudConfigArtifacts(machine: string, userData: string): Artifact[] {
    const text = decodeUserData(userData);
    const doc = parse(text) as { write_files?: WriteFile[] } | null;
    const files = (doc?.write_files ?? []).map((f) => ({
        machine,
        target: String(f.path),
        kind: kindOfPath(String(f.path)),
        content: decode(f),
    }));
    return [{ machine, target: "user-data", kind: "cloud-config", content: text }, ...files];
}

interface Upload {
    file?: unknown;
    content?: unknown;
    contentBase64?: unknown;
}

export function uploadArtifacts(machine: string, uploads: readonly Upload[]): Artifact[] {
    return uploads.map((u) => {
        const target = String(u.file);
        const base64 = typeof u.contentBase64 === "string" ? u.contentBase64 : "";
        const content =
            typeof u.content === "string" ? u.content : Buffer.from(base64, "base64").toString("utf8");
        return { machine, target, kind: kindOfPath(target), content };
    });
}

/** Artifacts of one recorded resource, by its type. */
export function artifactsOf(type: string, name: string, props: Record<string, unknown>): Artifact[] {
    if (type === "hcloud:index/server:Server" && typeof props["userData"] === "string")
        return cloudConfigArtifacts(name, props["userData"]);
    if (type === "docker:index/container:Container" && Array.isArray(props["uploads"]))
        return uploadArtifacts(name, props["uploads"] as Upload[]);
    return [];
}
