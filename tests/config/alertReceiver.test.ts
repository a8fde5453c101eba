/** `alertReceiver` and its secret `alertReceiverCredential`: where the VM phases' Alertmanager sends alerts. */
import { describe, expect, it } from "vitest";
import { loadStackConfig, type LoadResult } from "../../core/config/load";
import { loadedConfig, shippedStack, withValues } from "../helpers/stackFiles";

const P = "phase-stacks";
const CREDENTIAL = `${P}:alertReceiverCredential`;
const EMAIL = {
    kind: "email",
    to: "ops@example.com",
    from: "alerts@example.com",
    smarthost: "smtp.example.com:587",
    username: "alerts@example.com",
};
const WEBHOOK = { kind: "webhook", url: "https://hooks.example.com/alerts" };

function withReceiver(stack: string, receiver: object, credential?: string, secret = true) {
    const file = withValues(shippedStack(stack), {
        [`${P}:alertReceiver`]: receiver,
        ...(credential !== undefined ? { [CREDENTIAL]: credential } : {}),
    });
    return { ...file, secretKeys: new Set([...file.secretKeys, ...(secret ? [CREDENTIAL] : [])]) };
}

function problem(r: LoadResult, key: string): { message: string; fix: string } | undefined {
    return r.ok ? undefined : r.problems.find((p) => p.key === key);
}

describe("alertReceiver", () => {
    it.each(["phase1", "phase2", "phase3", "phase4"])(
        "%s takes an email or a webhook receiver with its credential",
        (stack) => {
            for (const receiver of [EMAIL, WEBHOOK]) {
                const r = loadStackConfig(withReceiver(stack, receiver, "s3cret-Token"));
                expect(r.ok ? "ok" : r.message).toBe("ok");
                expect(r.ok && r.credentials).toContain(CREDENTIAL);
            }
            expect(
                (
                    loadedConfig(withReceiver(stack, EMAIL, "x"), stack as "phase1") as {
                        alertReceiver?: object;
                    }
                ).alertReceiver,
            ).toEqual(EMAIL);
        },
    );

    it("a receiver without its credential asks for the secret", () => {
        const p = problem(loadStackConfig(withReceiver("phase1", WEBHOOK)), CREDENTIAL);
        expect(p?.message).toMatch(/SMTP password or webhook bearer token/);
        expect(p?.fix).toBe(
            "pulumi config set --secret phase-stacks:alertReceiverCredential <value> --stack phase1",
        );
    });

    it("no receiver needs no credential (the shipped stacks have none)", () => {
        const r = loadStackConfig(shippedStack("phase2"));
        expect(r.ok && r.credentials).not.toContain(CREDENTIAL);
    });

    it("a credential in plain text is rejected without echoing it", () => {
        const token = "plain-webhook-token-7Q2W";
        const r = loadStackConfig(withReceiver("phase1", WEBHOOK, token, false));
        expect(problem(r, CREDENTIAL)?.message).toMatch(/plain text/);
        expect(r.ok ? "" : r.message).not.toContain(token);
    });

    it("an http webhook and a smarthost without a port are rejected at their keys", () => {
        const r = loadStackConfig(
            withReceiver("phase1", { ...WEBHOOK, url: "http://hooks.example.com/" }, "x"),
        );
        expect(problem(r, `${P}:alertReceiver.url`)?.message).toMatch(/https/);
        const e = loadStackConfig(withReceiver("phase1", { ...EMAIL, smarthost: "smtp.example.com" }, "x"));
        expect(problem(e, `${P}:alertReceiver.smarthost`)?.message).toMatch(/host:port/);
    });

    it("phase 5 and dev, which run no VM Alertmanager, report it as a key they would ignore", () => {
        for (const stack of ["phase5", "dev"]) {
            const r = loadStackConfig(withReceiver(stack, WEBHOOK, "x"));
            expect(problem(r, `${P}:alertReceiver`), stack).toBeDefined();
        }
    });
});
