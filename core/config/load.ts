/**
 * Turns the raw config a Pulumi program receives (every `namespace:key` as a string, plus which keys are
 * secret) into a validated StackConfig, or the full list of problems. Pure: the stack entry and the
 * offline plan both call it. No message ever contains a config value.
 */
import { z } from "zod";
import { PHASES, type Phase } from "../phases";
import { formatProblems, pathToString, removeFix, setFix, type ConfigProblem } from "./problems";
import { SERVER_TYPES } from "../catalog/hetzner";
import { memoryPlanProblem, planMemory } from "../workload/memoryPlan";
import { coerceScalars } from "./coerce";
import { resolveDefaults, StackConfigSchema, type StackConfig } from "./schema";
import {
    agentAddressFindings,
    memoryFindings,
    portFindings,
    unusedKeys,
    withoutUnused,
    type Finding,
} from "./topologyChecks";

/** Namespaces a stack may hold besides the project's: the providers the program uses, and Pulumi's own. */
export const PROVIDER_NAMESPACES = ["hcloud", "cloudflare", "docker", "random", "tls", "pulumi"] as const;

export interface RawConfig {
    readonly project: string;
    readonly stack: string;
    /** `namespace:key` → value as Pulumi passes it (objects as JSON text). */
    readonly values: Readonly<Record<string, string>>;
    readonly secretKeys: ReadonlySet<string>;
}

/** Credentials: only ever read as secrets, each needed from the phases listed (given the other settings). */
export interface CredentialSpec {
    readonly key: string;
    readonly what: string;
    readonly neededBy: (phase: Phase, settings: Readonly<Record<string, unknown>>) => boolean;
}

const CLOUD = (phase: Phase): boolean => phase !== "dev";

export function credentialSpecs(project: string): readonly CredentialSpec[] {
    return [
        { key: "hcloud:token", what: "Hetzner Cloud API token (read/write)", neededBy: CLOUD },
        {
            key: "cloudflare:apiToken",
            what: "Cloudflare API token with Zone DNS, Zone Settings and SSL edit rights",
            neededBy: CLOUD,
        },
        {
            key: `${project}:backupAccessKeyId`,
            what: "S3 access key id for Postgres backups",
            neededBy: CLOUD,
        },
        {
            key: `${project}:backupSecretAccessKey`,
            what: "S3 secret access key for Postgres backups",
            neededBy: CLOUD,
        },
        {
            key: `${project}:alertReceiverCredential`,
            what: "the alert receiver's SMTP password or webhook bearer token (alertReceiver is set)",
            neededBy: (_phase, settings) => settings["alertReceiver"] !== undefined,
        },
    ];
}

export type LoadResult =
    | { readonly ok: true; readonly config: StackConfig; readonly credentials: readonly string[] }
    | { readonly ok: false; readonly problems: readonly ConfigProblem[]; readonly message: string };

function parseValue(v: string): unknown {
    try {
        return JSON.parse(v);
    } catch {
        return v;
    }
}

/** Without a known phase nothing else can be judged: each phase reads other sections. */
function phaseProblem(project: string, stack: string): ConfigProblem[] {
    return [
        {
            key: `${project}:phase`,
            message: `must be one of ${PHASES.join(", ")}`,
            fix: setFix("phase", stack),
        },
    ];
}

function zodProblems(error: z.ZodError, project: string, stack: string, phase: Phase): ConfigProblem[] {
    return error.issues.flatMap((issue): ConfigProblem[] => {
        if (issue.code === "unrecognized_keys") {
            return issue.keys.map((k) => {
                const path = pathToString([...issue.path, k]);
                return {
                    key: `${project}:${path}`,
                    message: "is not a known setting (check its spelling)",
                    fix: removeFix(path, stack),
                };
            });
        }
        const path = pathToString(issue.path);
        const message =
            issue.code === "invalid_type" && /received undefined/.test(issue.message)
                ? `is required for ${phase}`
                : issue.message;
        return [{ key: `${project}:${path}`, message, fix: setFix(path, stack) }];
    });
}

export function loadStackConfig(raw: RawConfig): LoadResult {
    const { project, stack } = raw;
    const prefix = `${project}:`;
    const credentials = credentialSpecs(project);
    const credentialKeys = new Set(credentials.map((c) => c.key));
    const problems: ConfigProblem[] = [];
    const settings: Record<string, unknown> = {};

    for (const [fullKey, value] of Object.entries(raw.values)) {
        const namespace = fullKey.includes(":") ? fullKey.slice(0, fullKey.indexOf(":")) : "";
        if (namespace !== project && !(PROVIDER_NAMESPACES as readonly string[]).includes(namespace)) {
            const key = fullKey.slice(namespace.length + 1);
            problems.push({
                key: fullKey,
                message: `is in namespace "${namespace}", which nothing reads (the project is ${project})`,
                fix: `pulumi config rm '${fullKey}' --stack ${stack}  (then: ${setFix(key, stack)})`,
            });
            continue;
        }
        if (!fullKey.startsWith(prefix) || credentialKeys.has(fullKey)) continue;
        const key = fullKey.slice(prefix.length);
        if (raw.secretKeys.has(fullKey)) {
            problems.push({
                key: fullKey,
                message:
                    "is stored as a secret, but policies must read it at preview: store it as plain config",
                fix: `pulumi config set --path '${key}' <value> --stack ${stack}  (after: pulumi config rm ${key} --stack ${stack})`,
            });
            continue;
        }
        settings[key] = parseValue(value);
    }

    // The phase decides which sections and credentials are read, even when other settings are broken.
    const phaseParse = z.enum(PHASES).safeParse(settings["phase"]);
    const phase = phaseParse.success ? phaseParse.data : undefined;
    const unused = phase ? unusedKeys(phase, settings) : [];
    const judged = withoutUnused(settings, unused);
    let parsed = StackConfigSchema.safeParse(judged);
    // Each pass can reveal values nested under a section that failed as a whole; the depth bounds it.
    for (let pass = 0; pass < 8 && !parsed.success && coerceScalars(judged, parsed.error); pass++)
        parsed = StackConfigSchema.safeParse(judged);
    if (!parsed.success)
        problems.push(
            ...(phase ? zodProblems(parsed.error, project, stack, phase) : phaseProblem(project, stack)),
        );
    const present: string[] = [];
    for (const c of credentials) {
        const value = raw.values[c.key];
        if (value !== undefined && !raw.secretKeys.has(c.key)) {
            problems.push({
                key: c.key,
                message: `${c.what} is stored in plain text: it must be a secret`,
                fix: setFix(c.key, stack, true),
            });
        } else if (value !== undefined && value !== "") {
            present.push(c.key);
        } else if (phase !== undefined && c.neededBy(phase, settings)) {
            problems.push({
                key: c.key,
                message: `${c.what} is required for ${phase}`,
                fix: setFix(c.key, stack, true),
            });
        }
    }

    const config = parsed.success ? resolveDefaults(parsed.data) : undefined;
    if (config) {
        const findings: Finding[] = [
            ...memoryFindings(config),
            ...portFindings(config),
            ...agentAddressFindings(config),
        ];
        problems.push(...memoryProblems(config, project, stack));
        for (const f of findings)
            problems.push({
                key: `${project}:${f.path}`,
                message: f.message,
                fix: f.remove ? removeFix(f.path, stack) : setFix(f.path, stack),
            });
    }

    for (const f of unused)
        problems.push({ key: `${project}:${f.path}`, message: f.message, fix: removeFix(f.path, stack) });

    if (problems.length > 0 || !config) {
        return { ok: false, problems, message: formatProblems(problems, project, stack) };
    }
    return { ok: true, config, credentials: present };
}

/** The all-in-one app server must hold the whole workload. */
function memoryProblems(config: StackConfig, project: string, stack: string): ConfigProblem[] {
    if (config.phase !== "phase1") return [];
    const app = config.servers.app;
    const type = SERVER_TYPES[app.type as keyof typeof SERVER_TYPES];
    const plan = planMemory(config.workload, type.memoryGb, config.memory.systemReserveMb);
    const problem = memoryPlanProblem(plan, config.memory.maxOvercommit, app.type);
    return problem
        ? [{ key: `${project}:servers.app.type`, message: problem, fix: setFix("servers.app.type", stack) }]
        : [];
}
