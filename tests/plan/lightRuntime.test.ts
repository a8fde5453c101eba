/**
 * The plan's light runtime: the SDK's promise debugging and call-site capture are off while a plan runs and back
 * afterwards, also when the plan fails, so an in-process caller (the tests, the bench) gets the SDK as it was.
 */
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { withoutPromiseDebugging } from "../../tools/plan/lightRuntime";

const debuggable = createRequire(require.resolve("@pulumi/pulumi"))("./runtime/debuggable") as {
    debuggablePromise: (p: Promise<unknown>, ctx: unknown) => Promise<unknown>;
};
const resource = pulumi.Resource as unknown as { callsites: () => unknown[] };

describe("withoutPromiseDebugging", () => {
    it("turns the SDK's promise debugging off during the work and restores it after", async () => {
        const before = {
            wrap: debuggable.debuggablePromise,
            callsites: resource.callsites,
            limit: Error.stackTraceLimit,
        };
        const seen = await withoutPromiseDebugging(() => {
            const p = Promise.resolve(1);
            return Promise.resolve({
                same: debuggable.debuggablePromise(p, "ctx") === p,
                callsites: resource.callsites(),
                limit: Error.stackTraceLimit,
            });
        });
        expect(seen).toEqual({ same: true, callsites: [], limit: 0 });
        expect(debuggable.debuggablePromise).toBe(before.wrap);
        expect(resource.callsites).toBe(before.callsites);
        expect(Error.stackTraceLimit).toBe(before.limit);
        // The real wrapper returns a new promise.
        const p = Promise.resolve(2);
        const wrapped = debuggable.debuggablePromise(p, "ctx");
        expect(wrapped).not.toBe(p);
        await wrapped;
    });

    it("restores the SDK when the work fails", async () => {
        const wrap = debuggable.debuggablePromise;
        await expect(
            withoutPromiseDebugging(() => Promise.reject(new Error("broken program"))),
        ).rejects.toThrow("broken program");
        expect(debuggable.debuggablePromise).toBe(wrap);
        expect(Error.stackTraceLimit).toBeGreaterThan(0);
    });
});
