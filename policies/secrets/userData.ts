/**
 * No secret in server user data outside the sanctioned channel. User data is readable from the metadata service
 * and sits in Pulumi state, so the program ships credentials only as write_files under the secrets directory with
 * owner-only permissions (agent hosts block 169.254.169.254 from containers); anything secret-looking elsewhere
 * (other files, runcmd, bootcmd, users, ...) is a violation, and so is a secret file others can read.
 */
import { z } from "zod";
import { SECRETS_DIR } from "../../core/render/base/artifact";
import { resourcePolicy, type Problem } from "../lib/policy";
import { str } from "../lib/read";
import { T } from "../lib/typeTokens";
import { splitUserData } from "./cloudConfig";
import { describeHit, scanText } from "./detect";

const CHECKOV = {
    name: "Checkov",
    version: "3",
    reference: "https://www.checkov.io/5.Policy%20Index/terraform.html",
} as const;

export const userDataSecrets = resourcePolicy({
    name: "secrets-not-in-user-data",
    description: `hcloud Server userData carries no secret-looking literal (private keys, tokens, passwords by pattern and entropy) except in write_files under ${SECRETS_DIR}/ with owner-only permissions.`,
    concern: "secrets",
    level: "mandatory",
    severity: "critical",
    framework: { ...CHECKOV, id: "CKV_AWS_46 (hcloud analogue)" },
    remediation: `Write each credential as its own write_files entry under ${SECRETS_DIR}/ with permissions "0600" and point the service at that file (e.g. POSTGRES_PASSWORD_FILE).`,
    config: z.strictObject({
        secretsDir: z
            .string()
            .default(SECRETS_DIR)
            .describe("The only directory user data may deliver credentials to."),
    }),
    appliesTo: (type) => type === T.hcloudServer,
    judge: (r, config) => {
        const userData = str(r.props["userData"]);
        if (userData === undefined) return [];
        const split = splitUserData(userData, config.secretsDir);
        const fix = `move it to write_files under ${config.secretsDir}/ with permissions "0600" and reference the file`;
        const found = split.units.flatMap((u): Problem[] => {
            const multiline = u.text.includes("\n");
            // A one-line YAML value is judged with its key, so `passwd: ...` and `keyid: <fingerprint>` read as written.
            const text = u.key !== undefined && !multiline ? `${u.key}: ${u.text}` : u.text;
            return scanText(text).map((h) => ({
                field: `userData ${u.where}${multiline && h.line !== undefined ? ` line ${h.line}` : ""}`,
                problem: describeHit(h),
                fix,
            }));
        });
        const loose = split.secretFiles
            .filter((f) => f.mode === undefined || (f.mode & 0o077) !== 0)
            .map((f) => ({
                field: `userData ${f.where} permissions`,
                problem:
                    f.mode === undefined
                        ? "is not set, so cloud-init writes the secret 0644 (world-readable)"
                        : `are 0${f.mode.toString(8)}, readable beyond the owner`,
                fix: 'set permissions: "0600"',
            }));
        const unreadable = split.unreadable.map((u) => ({
            field: `userData ${u.where}`,
            problem: `cannot be judged: ${u.why}`,
            fix: "encode it as gz+b64, b64 or plain text",
        }));
        return [...found, ...loose, ...unreadable];
    },
});
