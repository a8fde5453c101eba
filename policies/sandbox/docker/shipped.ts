/**
 * Containers a server's user data starts, read into the shape of @pulumi/docker's ContainerArgs so that the
 * Docker rules judge them exactly as they judge a docker.Container: the services of every compose file shipped
 * in write_files, and the `docker run` of the warm-pool keeper (its variables filled from the keeper's env
 * file). Each comes with where it is and the compose or CLI name of each field, for messages.
 */
import { CORE_SCHEMA, load } from "js-yaml";
import { parse as parseShell } from "shell-quote";
import { envFileValues, shippedText, type CloudConfig, type ShippedFile } from "../../lib/cloudInit";
import { byContent } from "../../lib/memo";
import { list, rec, str, strings, type Json } from "../../lib/read";

export interface ShippedContainer {
    /** e.g. "write_files[3] (/opt/phase-stacks/compose.yaml) services.proxy". */
    readonly where: string;
    /** The compose service's name; undefined for the keeper's docker run. */
    readonly service?: string;
    /** What the container's props are read from: equal sources, equal props (a key for remembering verdicts). */
    readonly source: string;
    /** ContainerArgs-shaped props. */
    readonly props: Json;
    /** The source's name for a ContainerArgs field (readOnly -> read_only or --read-only). */
    readonly fieldName: (field: string) => string;
}

const COMPOSE_FILE = /(^|\/)(docker-)?compose(\.[\w-]+)?\.ya?ml$/;
export const KEEPER_SCRIPT = "/opt/phase-stacks/bin/warm-pool-keeper.sh";
export const KEEPER_ENV = "/etc/phase-stacks/agent-pool.env";

/** Compose's size strings ("128m", "1g", 512) in MB, as ContainerArgs.memory takes them. */
function megabytes(v: unknown): number | undefined {
    if (typeof v === "number") return Math.round(v / 2 ** 20);
    const m = /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i.exec(str(v)?.trim() ?? "");
    if (!m) return undefined;
    const scale = { "": 2 ** -20, b: 2 ** -20, k: 2 ** -10, m: 1, g: 1024 }[(m[2] ?? "").toLowerCase()] ?? 1;
    return Math.round(Number(m[1]) * scale);
}

const isHostPath = (source: string) => /^[/.~]/.test(source);

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

/** A compose volume (short "src:dst[:opts]" or long {type, source, target, read_only, bind}) as a mount. */
function mountOf(v: unknown): Json {
    const long = rec(v);
    if (long) {
        const propagation = str(rec(long["bind"])?.["propagation"]);
        return {
            type: str(long["type"]) ?? "volume",
            source: str(long["source"]) ?? "",
            target: str(long["target"]) ?? "",
            readOnly: long["read_only"] === true,
            ...(propagation ? { bindOptions: { propagation } } : {}),
        };
    }
    const [source = "", target = "", options = ""] = (str(v) ?? "").split(":");
    if (!target) return { type: "volume", source: "", target: source, readOnly: false };
    const opts = options.split(",");
    const propagation = opts.find((o) => /^r?(shared|slave|private)$/.test(o));
    return {
        type: isHostPath(source) ? "bind" : "volume",
        source,
        target,
        readOnly: opts.includes("ro"),
        ...(propagation ? { bindOptions: { propagation } } : {}),
    };
}

/** "[ip:]host:container[/proto]", "container", or the long {target, published, host_ip, protocol}. */
function portOf(p: unknown): Json | undefined {
    const long = rec(p);
    if (long) {
        const published = Number(long["published"]);
        return {
            internal: Number(long["target"]),
            ...(Number.isFinite(published) ? { external: published } : {}),
            ...(str(long["host_ip"]) ? { ip: str(long["host_ip"]) } : {}),
            protocol: str(long["protocol"]) ?? "tcp",
        };
    }
    const text = String(p);
    const [spec = "", protocol = "tcp"] = text.split("/");
    const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(spec);
    const parts = bracketed ? [bracketed[1] ?? "", ...(bracketed[2] ?? "").split(":")] : spec.split(":");
    const internal = Number(parts.at(-1));
    if (parts.length === 1) return { internal, protocol };
    const external = Number(parts.at(-2));
    const ip = parts.length > 2 ? parts.slice(0, -2).join(":") : undefined;
    return { internal, ...(Number.isFinite(external) ? { external } : {}), ...(ip ? { ip } : {}), protocol };
}

function healthcheckOf(h: unknown): Json | undefined {
    const hc = rec(h);
    if (!hc || hc["disable"] === true) return hc ? { tests: ["NONE"] } : undefined;
    const test = hc["test"];
    return { tests: typeof test === "string" ? ["CMD-SHELL", test] : strings(test) };
}

function restartOf(v: unknown): Json {
    const [policy = "", retries] = (str(v) ?? "").split(":");
    return policy ? { restart: policy, ...(retries ? { maxRetryCount: Number(retries) } : {}) } : {};
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

/** Renames the leading ContainerArgs field of `field` ("mounts[2].source") with `names`. */
function renamer(names: Record<string, string>): (field: string) => string {
    const keys = Object.keys(names).sort((a, b) => b.length - a.length);
    return (field) => {
        const key = keys.find((k) => field === k || field.startsWith(`${k}[`) || field.startsWith(`${k}.`));
        return key ? `${names[key]}${field.slice(key.length)}` : field;
    };
}

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

function composeContainers(f: ShippedFile): ShippedContainer[] {
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

const RUN_NAMES: Record<string, string> = {
    user: "--user",
    privileged: "--privileged",
    readOnly: "--read-only",
    "capabilities.adds": "--cap-add",
    "capabilities.drops": "--cap-drop",
    securityOpts: "--security-opt",
    pidMode: "--pid",
    ipcMode: "--ipc",
    usernsMode: "--userns",
    networkMode: "--network",
    networksAdvanced: "--network",
    devices: "--device",
    mounts: "--volume",
    ports: "--publish",
    publishAllPorts: "--publish-all",
    "healthcheck.tests": "--health-cmd",
    healthcheck: "--health-cmd",
    sysctls: "--sysctl",
    memory: "--memory",
    memorySwap: "--memory-swap",
    cpuShares: "--cpu-shares",
    cpus: "--cpus",
    restart: "--restart",
    maxRetryCount: "--restart",
    image: "image",
};

/** `docker run` options that take a value (the rest are switches). */
const VALUED = new Set([
    "--name",
    "--network",
    "--net",
    "--label",
    "-l",
    "--memory",
    "-m",
    "--memory-swap",
    "--cpu-shares",
    "-c",
    "--cpus",
    "--pids-limit",
    "--tmpfs",
    "--cap-drop",
    "--cap-add",
    "--security-opt",
    "--user",
    "-u",
    "--ipc",
    "--pid",
    "--userns",
    "--restart",
    "--volume",
    "-v",
    "--mount",
    "--publish",
    "-p",
    "--device",
    "--sysctl",
    "--health-cmd",
    "--env",
    "-e",
    "--env-file",
    "--workdir",
    "-w",
    "--entrypoint",
    "--hostname",
    "-h",
]);

/** One `docker run` argument list (after "run") as ContainerArgs. */
export function dockerRunProps(args: readonly string[]): Json {
    const props: Json = { capabilities: { adds: [], drops: [] }, securityOpts: [], mounts: [], ports: [] };
    const push = (key: string, value: unknown) => (props[key] = [...list(props[key]), value]);
    const caps = props["capabilities"] as { adds: string[]; drops: string[] };
    for (let i = 0; i < args.length; i++) {
        const arg = args[i] ?? "";
        if (!arg.startsWith("-")) {
            props["image"] = arg;
            break;
        }
        const [flag = "", inline] = arg.includes("=")
            ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
            : [arg];
        const value = inline ?? (VALUED.has(flag) ? (args[++i] ?? "") : "true");
        switch (flag) {
            case "--privileged":
                props["privileged"] = value !== "false";
                break;
            case "--read-only":
                props["readOnly"] = value !== "false";
                break;
            case "--publish-all":
            case "-P":
                props["publishAllPorts"] = value !== "false";
                break;
            case "--user":
            case "-u":
                props["user"] = value;
                break;
            case "--cap-add":
                caps.adds.push(value);
                break;
            case "--cap-drop":
                caps.drops.push(value);
                break;
            case "--security-opt":
                push("securityOpts", value);
                break;
            case "--pid":
                props["pidMode"] = value;
                break;
            case "--ipc":
                props["ipcMode"] = value;
                break;
            case "--userns":
                props["usernsMode"] = value;
                break;
            case "--network":
            case "--net":
                if (["host", "bridge", "none", "default"].includes(value) || value.startsWith("container:"))
                    props["networkMode"] = value;
                else push("networksAdvanced", { name: value });
                break;
            case "--device":
                push("devices", value);
                break;
            case "--label":
            case "-l":
                if (value.includes("="))
                    push("labels", {
                        label: value.slice(0, value.indexOf("=")),
                        value: value.slice(value.indexOf("=") + 1),
                    });
                break;
            case "--volume":
            case "-v":
                push("mounts", mountOf(value));
                break;
            case "--publish":
            case "-p":
                push("ports", portOf(value));
                break;
            case "--sysctl":
                props["sysctls"] = {
                    ...rec(props["sysctls"]),
                    [value.split("=")[0] ?? ""]: value.split("=")[1] ?? "",
                };
                break;
            case "--health-cmd":
                props["healthcheck"] = { tests: ["CMD-SHELL", value] };
                break;
            case "--memory":
            case "-m":
                props["memory"] = megabytes(value);
                break;
            case "--memory-swap":
                props["memorySwap"] = value === "-1" ? -1 : megabytes(value);
                break;
            case "--cpu-shares":
            case "-c":
                props["cpuShares"] = Number(value);
                break;
            case "--cpus":
                props["cpus"] = value;
                break;
            case "--restart":
                Object.assign(props, restartOf(value));
                break;
        }
    }
    return props;
}

/** The `docker run`s of a keeper script (`\0`, then its env file), continuation lines joined, settings filled in. */
const keeperRuns = byContent((scriptAndEnv: string): Json[] => {
    const [script = "", envText = ""] = scriptAndEnv.split("\0");
    const env = envFileValues(envText);
    return script
        .replace(/\\\n/g, " ")
        .split("\n")
        .flatMap((line) => {
            const words = parseShell(line, (name) => env[name] ?? `$${name}`).filter(
                (w): w is string => typeof w === "string",
            );
            const at = words.findIndex((w, i) => w === "run" && words[i - 1] === "docker");
            return at < 0 ? [] : [dockerRunProps(words.slice(at + 1))];
        });
});

function keeperContainers(config: CloudConfig): ShippedContainer[] {
    const script = shippedText(config, KEEPER_SCRIPT);
    if (script === undefined) return [];
    const key = `${script}\0${shippedText(config, KEEPER_ENV) ?? ""}`;
    const index = config.files.findIndex((f) => f.path === KEEPER_SCRIPT);
    const fieldName = renamer(RUN_NAMES);
    const runs = keeperRuns(key);
    return runs.map((props, i) => ({
        where: `write_files[${index}] (${KEEPER_SCRIPT}) docker run${runs.length > 1 ? ` ${i + 1}` : ""}`,
        source: `keeper\0${i}\0${key}`,
        props,
        fieldName,
    }));
}

/** Every container the user data starts that the pack can read. */
export function shippedContainers(config: CloudConfig): ShippedContainer[] {
    return [...config.files.flatMap(composeContainers), ...keeperContainers(config)];
}
