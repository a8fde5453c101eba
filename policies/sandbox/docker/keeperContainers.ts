/** The warm-pool keeper's `docker run` shipped in agent hosts' user data, its variables filled from its env file. */
import { parse as parseShell } from "shell-quote";
import { envFileValues, shippedText, type CloudConfig } from "../../lib/cloudInit";
import { byContent } from "../../lib/memo";
import { list, rec, type Json } from "../../lib/read";
import { megabytes, mountOf, portOf, renamer, restartOf } from "./containerFields";
import type { ShippedContainer } from "./shippedContainer";

export const KEEPER_SCRIPT = "/opt/phase-stacks/bin/warm-pool-keeper.sh";
export const KEEPER_ENV = "/etc/phase-stacks/agent-pool.env";

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

export function keeperContainers(config: CloudConfig): ShippedContainer[] {
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
