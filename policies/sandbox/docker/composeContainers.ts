/** The services of a compose file shipped in user data, as ContainerArgs. */
import { CORE_SCHEMA, load } from "js-yaml";
import type { ShippedFile } from "../../lib/cloudInit";
import { byContent } from "../../lib/memo";
import { list, rec, str, strings, type Json } from "../../lib/read";
import { megabytes, mountOf, portOf, renamer, restartOf } from "./containerFields";
import type { ShippedContainer } from "./shippedContainer";

const COMPOSE_FILE = /(^|\/)(docker-)?compose(\.[\w-]+)?\.ya?ml$/;

/** The top-level definitions of a compose project that its services name: `volumes` and `secrets`. */
export interface ComposeProject {
    readonly volumes: Json;
    readonly secrets: Json;
}

const NO_PROJECT: ComposeProject = { volumes: {}, secrets: {} };

/** The host directory of a named volume the local driver binds (`driver_opts: {o: bind, device}`): a bind in disguise. */
function boundDirectory(project: ComposeProject, name: string): string | undefined {
    const def = rec(project.volumes[name]);
    const opts = rec(def?.["driver_opts"]);
    const device = str(opts?.["device"]);
    const binds = (str(opts?.["o"]) ?? "").split(",").includes("bind");
    return def && (str(def["driver"]) ?? "local") === "local" && binds ? device : undefined;
}

/** A compose volume as a mount, with named volumes that bind a host directory read as that bind. */
function projectMountOf(v: unknown, project: ComposeProject): Json {
    const mount = mountOf(v);
    const device =
        mount["type"] === "volume" ? boundDirectory(project, str(mount["source"]) ?? "") : undefined;
    return device === undefined ? mount : { ...mount, type: "bind", source: device };
}

/**
 * A service's compose `secrets` with a `file` source as what Docker makes of them outside swarm: read-only binds
 * of those host files (ContainerArgs' `volumes`), at the target or /run/secrets/<name>.
 */
function secretFilesOf(v: unknown, project: ComposeProject): Json[] | undefined {
    const files = list(v).flatMap((entry) => {
        const long = rec(entry);
        const source = long ? str(long["source"]) : str(entry);
        const file = str(rec(project.secrets[source ?? ""])?.["file"]);
        if (source === undefined || file === undefined) return [];
        const target = (long && str(long["target"])) ?? source;
        const containerPath = target.startsWith("/") ? target : `/run/secrets/${target}`;
        return [{ hostPath: file, containerPath, readOnly: true }];
    });
    return files.length ? files : undefined;
}

function healthcheckOf(h: unknown): Json | undefined {
    const hc = rec(h);
    if (!hc || hc["disable"] === true) return hc ? { tests: ["NONE"] } : undefined;
    const test = hc["test"];
    return { tests: typeof test === "string" ? ["CMD-SHELL", test] : strings(test) };
}

/** Compose's `networks` (a list or a map) and `network_mode`. */
function networksOf(s: Json): Json {
    const mode = str(s["network_mode"]);
    const names = Array.isArray(s["networks"])
        ? strings(s["networks"])
        : Object.keys(rec(s["networks"]) ?? {});
    return {
        ...(mode ? { networkMode: mode } : {}),
        ...(names.length ? { networksAdvanced: names.map((name) => ({ name })) } : {}),
    };
}

/** Compose labels (a map, or a list of "k=v") as ContainerArgs labels [{label, value}]. */
function composeLabels(v: unknown): Json[] {
    const pairs = Array.isArray(v)
        ? strings(v).map((kv) => [kv.split("=")[0] ?? "", kv.slice(kv.indexOf("=") + 1)])
        : Object.entries(rec(v) ?? {}).map(([k, x]) => [k, String(x)]);
    return pairs.map(([label, value]) => ({ label, value }));
}

/** A string or number as the string ContainerArgs takes (compose accepts `user: 1000`, `cpus: 0.5`). */
const scalar = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : undefined);

const defined = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** One compose service as ContainerArgs; `project` resolves the volumes and secrets it names. */
export function composeServiceProps(s: Json, project: ComposeProject = NO_PROJECT): Json {
    const limits = rec(rec(rec(s["deploy"])?.["resources"])?.["limits"]);
    const sysctls = s["sysctls"];
    const cpus = s["cpus"] ?? limits?.["cpus"];
    return defined({
        image: str(s["image"]),
        user: scalar(s["user"]),
        privileged: s["privileged"],
        readOnly: s["read_only"],
        capabilities: { adds: strings(s["cap_add"]), drops: strings(s["cap_drop"]) },
        securityOpts: strings(s["security_opt"]),
        pidMode: str(s["pid"]),
        ipcMode: str(s["ipc"]),
        usernsMode: str(s["userns_mode"]),
        devices: list(s["devices"]).length ? list(s["devices"]) : undefined,
        gpus: s["gpus"],
        deviceCgroupRules: list(s["device_cgroup_rules"]).length ? list(s["device_cgroup_rules"]) : undefined,
        mounts: list(s["volumes"]).map((v) => projectMountOf(v, project)),
        volumes: secretFilesOf(s["secrets"], project),
        ports: list(s["ports"]).flatMap((p) => portOf(p) ?? []),
        healthcheck: healthcheckOf(s["healthcheck"]),
        sysctls: Array.isArray(sysctls)
            ? Object.fromEntries(strings(sysctls).map((kv) => kv.split("=", 2)))
            : rec(sysctls),
        memory: megabytes(s["mem_limit"] ?? limits?.["memory"]),
        memorySwap: s["memswap_limit"] === -1 ? -1 : megabytes(s["memswap_limit"]),
        cpuShares: typeof s["cpu_shares"] === "number" ? s["cpu_shares"] : undefined,
        cpus: scalar(cpus),
        labels: composeLabels(s["labels"]),
        ...restartOf(s["restart"]),
        ...networksOf(s),
    });
}

const COMPOSE_NAMES: Record<string, string> = {
    readOnly: "read_only",
    "capabilities.adds": "cap_add",
    "capabilities.drops": "cap_drop",
    securityOpts: "security_opt",
    pidMode: "pid",
    ipcMode: "ipc",
    usernsMode: "userns_mode",
    networkMode: "network_mode",
    networksAdvanced: "networks",
    deviceCgroupRules: "device_cgroup_rules",
    mounts: "volumes",
    volumes: "secrets",
    memory: "mem_limit",
    memorySwap: "memswap_limit",
    cpuShares: "cpu_shares",
    maxRetryCount: "restart",
    "healthcheck.tests": "healthcheck.test",
};

const composeServices = byContent((text: string): [string, Json][] => {
    let doc: unknown;
    try {
        doc = load(text, { schema: CORE_SCHEMA });
    } catch {
        return [];
    }
    const project = { volumes: rec(rec(doc)?.["volumes"]) ?? {}, secrets: rec(rec(doc)?.["secrets"]) ?? {} };
    return Object.entries(rec(rec(doc)?.["services"]) ?? {}).flatMap(([name, s]) => {
        const service = rec(s);
        return service ? [[name, composeServiceProps(service, project)] as [string, Json]] : [];
    });
});

export function composeContainers(f: ShippedFile): ShippedContainer[] {
    if (!COMPOSE_FILE.test(f.path) || !("text" in f.content)) return [];
    const fieldName = renamer(COMPOSE_NAMES);
    const text = f.content.text;
    return composeServices(text).map(([name, props]) => ({
        where: `write_files[${f.index}] (${f.path}) services.${name}`,
        service: name,
        source: `compose\0${name}\0${text}`,
        props,
        fieldName,
    }));
}
