/**
 * What the SDK spends on debugging a real deployment, which an offline plan does without. For every promise it
 * makes, @pulumi/pulumi records a stack trace and wraps the promise twice to detect leaks at exit
 * (runtime/debuggable.js), and for every resource it formats and parses the whole call stack for the engine's
 * source positions (Resource.callsites): at a thousand tenants, a quarter of the plan's time and a tenth of its
 * memory. A plan reports errors by their message (ProgramError), awaits every output itself and shows no source
 * position, so none of it is needed.
 */
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";

interface Debuggable {
    debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T>;
}

/** Runs `work` with the SDK's promise debugging off, and restores it afterwards. */
export async function withoutPromiseDebugging<T>(work: () => Promise<T>): Promise<T> {
    // The SDK calls it through its module's exports object, so replacing the export takes effect everywhere.
    const debuggable = createRequire(require.resolve("@pulumi/pulumi"))("./runtime/debuggable") as Debuggable;
    const original = debuggable.debuggablePromise;
    // Private in the SDK's types; a static the constructor calls through the class.
    const resource = pulumi.Resource as unknown as { callsites: () => unknown[] };
    const callsites = resource.callsites;
    const stackTraceLimit = Error.stackTraceLimit;
    debuggable.debuggablePromise = (p) => p;
    resource.callsites = () => [];
    Error.stackTraceLimit = 0;
    try {
        return await work();
    } finally {
        debuggable.debuggablePromise = original;
        resource.callsites = callsites;
        Error.stackTraceLimit = stackTraceLimit;
    }
}
