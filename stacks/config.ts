/** Reads and validates the stack's config once, before any resource exists. */
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { loadStackConfig } from "../core/config/load";
import type { StackConfig } from "../core/config/schema";

/** The SDK knows which keys the CLI decrypted but does not type the accessor. */
const isConfigSecret = (runtimeConfig as unknown as { isConfigSecret(this: void, key: string): boolean })
    .isConfigSecret;

export function readStackConfig(): StackConfig {
    const values = pulumi.runtime.allConfig();
    const secretKeys = new Set(Object.keys(values).filter((k) => isConfigSecret(k)));
    const result = loadStackConfig({
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        values,
        secretKeys,
    });
    // RunError prints the message alone: no stack trace, and the message never holds a config value.
    if (!result.ok) throw new pulumi.RunError(result.message);
    return result.config;
}
