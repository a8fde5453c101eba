/** Parses and validates `npm run capacity` arguments; every problem names its flag and the fix. */
import { parseArgs } from "node:util";
import { SERVER_TYPE_NAMES, type ServerTypeName } from "../../core/catalog/hetzner";
import {
    DEFAULT_SERVER_TYPES,
    DEFAULT_SYSTEM_RESERVE_MB,
    type PoolPlanInput,
} from "../../core/capacity/plan";
import { TIER_NAMES, type TierName } from "../../core/capacity/tiers";

export const USAGE =
    "usage: npm run capacity -- --active-users N --containers-per-user X --tier free|pro|business|enterprise " +
    "[--server-type T] [--system-reserve-mb M] [--buffer-ratio R] [--json]";

export class UsageError extends Error {}

export interface CapacityArgs extends PoolPlanInput {
    readonly json: boolean;
}

function number(flag: string, raw: string | undefined, min: number, integer: boolean): number {
    const value = raw === undefined || raw.trim() === "" ? NaN : Number(raw);
    if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value)))
        throw new UsageError(
            `--${flag} must be ${integer ? "a whole number" : "a number"} of at least ${min}`,
        );
    return value;
}

function oneOf<T extends string>(flag: string, raw: string, allowed: readonly T[]): T {
    const found = allowed.find((a) => a === raw);
    if (found === undefined) throw new UsageError(`--${flag} must be one of ${allowed.join(", ")}`);
    return found;
}

export function parseCapacityArgs(argv: readonly string[]): CapacityArgs {
    let values;
    try {
        ({ values } = parseArgs({
            args: [...argv],
            options: {
                "active-users": { type: "string" },
                "containers-per-user": { type: "string" },
                tier: { type: "string" },
                "server-type": { type: "string" },
                "system-reserve-mb": { type: "string" },
                "buffer-ratio": { type: "string" },
                json: { type: "boolean", default: false },
            },
        }));
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    const tier: TierName = oneOf("tier", values.tier ?? "", TIER_NAMES);
    const serverType: ServerTypeName =
        values["server-type"] === undefined
            ? DEFAULT_SERVER_TYPES[tier]
            : oneOf("server-type", values["server-type"], SERVER_TYPE_NAMES);
    return {
        tier,
        serverType,
        activeUsers: number("active-users", values["active-users"], 0, true),
        containersPerUser: number("containers-per-user", values["containers-per-user"], 0, false),
        systemReserveMb:
            values["system-reserve-mb"] === undefined
                ? DEFAULT_SYSTEM_RESERVE_MB
                : number("system-reserve-mb", values["system-reserve-mb"], 0, true),
        bufferRatio:
            values["buffer-ratio"] === undefined
                ? undefined
                : number("buffer-ratio", values["buffer-ratio"], 0, false),
        json: values.json,
    };
}
