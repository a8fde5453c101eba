/**
 * Policy config: one zod schema per policy is the single source of truth. It becomes the CrossGuard
 * `configSchema` (JSON schema with defaults, so `pulumi policy validate-config` and the Pulumi Cloud console show
 * the thresholds) and it parses whatever `getConfig()` returns, applying the same defaults when the engine did not.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";
import { z } from "zod";

export type ConfigSchema = z.ZodObject;

export class PolicyConfigError extends Error {}

export function toConfigSchema(schema: ConfigSchema): PolicyConfigSchema | undefined {
    const json = z.toJSONSchema(schema, { io: "input", target: "draft-7" }) as {
        properties?: PolicyConfigSchema["properties"];
        required?: string[];
    };
    const properties = json.properties ?? {};
    if (Object.keys(properties).length === 0) return undefined;
    return json.required?.length ? { properties, required: json.required } : { properties };
}

export function readConfig<S extends ConfigSchema>(policy: string, schema: S, raw: object): z.output<S> {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues.map(
        (i) => `${[policy, ...i.path.map(String)].join(".")}: ${i.message}`,
    );
    throw new PolicyConfigError(`invalid policy pack config: ${problems.join("; ")}`);
}
