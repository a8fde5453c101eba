/**
 * A phase's output contract (core/contracts/outputs.ts) as its program returns it: any value, or any part of
 * one, may still be an Output or a promise; Pulumi resolves them into the plain shape `pulumi stack output
 * --json` prints. A phase declares `Exported<PhaseNOutputs>` as its return type, so a missing, misspelt or
 * mistyped output fails `tsc`.
 */
import type * as pulumi from "@pulumi/pulumi";

type Value<T> =
    | pulumi.Input<T>
    | (T extends string | number | boolean | null | undefined
          ? never
          : T extends readonly (infer E)[]
            ? readonly Value<E>[]
            : { readonly [K in keyof T]: Value<T[K]> });

/** The stack's outputs object: the contract's keys, each value possibly unresolved. */
export type Exported<T> = { readonly [K in keyof T]: Value<T[K]> };
