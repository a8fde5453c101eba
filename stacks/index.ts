/**
 * The program: validate config once, then build the topology of the stack's phase. Each phase file reads
 * like the architecture diagram of its seed.
 */
import * as pulumi from "@pulumi/pulumi";
import { readStackConfig } from "./config";
import { devStack } from "./dev";
import { phase1Stack } from "./phase1";
import { phase2Stack } from "./phase2";
import { phase3Stack } from "./phase3";
import { phase4Stack } from "./phase4";
import { phase5Stack } from "./phase5";

export function main(): Record<string, unknown> {
    const config = readStackConfig();
    const stack = pulumi.getStack();
    switch (config.phase) {
        case "dev":
            return devStack(config, stack);
        case "phase1":
            return phase1Stack(config, stack);
        case "phase2":
            return phase2Stack(config, stack);
        case "phase3":
            return phase3Stack(config, stack);
        case "phase4":
            return phase4Stack(config, stack);
        case "phase5":
            return phase5Stack(config, stack);
    }
}
