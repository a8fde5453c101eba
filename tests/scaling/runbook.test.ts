import { describe, expect, it } from "vitest";
import { RUNBOOK_STAGES, buildRunbook } from "../../core/scaling/runbook";
import { SCALABLE_PHASES, TRIGGER_MATRIX } from "../../core/scaling/matrix";
import { OUTPUT_KEYS } from "../../core/contracts/outputs";
import { sharedPlan } from "../helpers/sharedPlans";
import { runTool } from "../helpers/tools";

/**
 * Runs a runbook command through bash with `ssh` replaced by a function that syntax-checks the remote
 * command line it would send (ssh joins its arguments after `--` for the remote shell), and `pulumi`, `time`
 * and friends by no-ops; the runbook's variables hold sample values.
 */
const HARNESS = [
    'ssh() { while [ "$1" != "--" ]; do shift; done; shift; printf "%s\\n" "$*" >>"$REMOTE_LOG"; bash -n -c "$*"; }',
    "pulumi() { echo 10.0.0.1; }",
    "npm() { :; }",
    "scp() { :; }",
    "dig() { :; }",
    "jq() { :; }",
    "export SOURCE_APP=192.0.2.1 SOURCE_DB=192.0.2.1 TARGET_APP=192.0.2.2 TARGET_DB=192.0.2.3 SOURCE_DB_PRIVATE=10.0.1.2 PGDATABASE=app PGUSER=app",
].join("\n");

describe.each(SCALABLE_PHASES)("the runbook out of %s", (from) => {
    const to = TRIGGER_MATRIX[from].to;
    const steps = buildRunbook(from, to);

    it("follows the seed's procedure: T-7, T-1, cutover, post-migration, then the 48-hour rollback", () => {
        const stages = steps.map((s) => s.stage);
        expect([...new Set(stages)]).toEqual([...RUNBOOK_STAGES]);
        expect(stages).toEqual(
            [...stages].sort((a, b) => RUNBOOK_STAGES.indexOf(a) - RUNBOOK_STAGES.indexOf(b)),
        );
        expect(steps.every((s) => s.commands.length > 0)).toBe(true);
        const titles = steps.map((s) => s.title).join("\n");
        for (const words of [
            /monitoring/,
            /Meilisearch/,
            /Redis/,
            /Maintenance mode/,
            /DNS/,
            /Verify/,
            /48 hours/,
        ])
            expect(titles).toMatch(words);
    });

    it("builds, previews and cuts over to the target stack, and keeps the source for 48 hours", () => {
        const commands = steps.flatMap((s) => s.commands);
        expect(commands).toContain(`pulumi up --stack ${to} --policy-pack policies`);
        expect(commands).toContain(`pulumi preview --stack ${to} --policy-pack policies`);
        expect(commands.find((c) => c.includes("rollback-until"))).toContain(`--stack ${from}`);
        expect(commands.find((c) => c.includes("pulumi destroy"))).toBe(`pulumi destroy --stack ${from}`);
    });

    it("copies the data the way the source runs Postgres: dump and restore out of Docker, a streaming replica after", () => {
        const t1 = steps
            .filter((s) => s.stage === "T-1")
            .flatMap((s) => s.commands)
            .join("\n");
        if (from === "phase1") {
            expect(t1).toContain("pg_dump");
            expect(t1).toContain("pg_restore");
        } else {
            expect(t1).toContain("pg_basebackup");
            const vars = steps
                .flatMap((s) => s.commands)
                .find((c) => c.startsWith("export SOURCE_DB_PRIVATE="));
            expect(vars, "the replica's source address is looked up").toMatch(
                /privateAddresses --stack phase\d --json \| jq -r \./,
            );
            expect(t1).toContain("pg_create_physical_replication_slot");
        }
        const cutover = steps
            .filter((s) => s.stage === "cutover")
            .flatMap((s) => s.commands)
            .join("\n");
        expect(cutover).toContain(from === "phase1" ? "backup-postgres.sh" : "pg_promote()");
    });

    it("every command, and every command it sends over SSH, is valid bash", () => {
        for (const command of steps.flatMap((s) => s.commands)) {
            const syntax = runTool("bash", ["-n", "-c", command]);
            expect(syntax.status, `${command}\n${syntax.output}`).toBe(0);
            if (!command.includes("ssh ")) continue;
            const remote = runTool("bash", [
                "-c",
                `${HARNESS}\nexport REMOTE_LOG=/dev/null\n${command.replace(/^time /, "")}`,
            ]);
            expect(remote.status, `${command}\n${remote.output}`).toBe(0);
        }
    });
});

describe("the remote commands' quoting", () => {
    it("hands the remote shell the runbook's variables and the command as written", () => {
        const step = buildRunbook("phase1", "phase2").find((s) => s.title.startsWith("Copy the database"))!;
        const log = runTool("bash", [
            "-c",
            `${HARNESS}\nexport REMOTE_LOG=$(mktemp)\n${step.commands[1]!.replace(/^time /, "")}\ncat "$REMOTE_LOG"; rm -f "$REMOTE_LOG"`,
        ]);
        expect(log.output).toContain(
            'export PGDATABASE=app PGUSER=app ; docker compose -p phase-stacks -f /opt/phase-stacks/compose.yaml exec -T postgres pg_dump -U "$PGUSER" -d "$PGDATABASE" -Fc',
        );
        expect(log.output).toContain(
            'export PGDATABASE=app ; sudo -u postgres pg_restore -d "$PGDATABASE" --clean --if-exists --no-owner --single-transaction',
        );
    });
});

/** What every runbook asks of each stack: `pulumi stack output KEY`, a jq path in it, a server in its state. */
function stackReads(): { phase: string; key: string; path?: string }[] {
    const commands = SCALABLE_PHASES.flatMap((from) => buildRunbook(from, TRIGGER_MATRIX[from].to)).flatMap(
        (s) => s.commands,
    );
    return commands.flatMap((c) =>
        [...c.matchAll(/pulumi stack output (\w+) --stack (\w+)(?: --json \| jq -r (\.\w+))?/g)].map((m) => ({
            key: m[1]!,
            phase: m[2]!,
            ...(m[3] ? { path: m[3] } : {}),
        })),
    );
}

describe("the runbook against the stacks' output contract", () => {
    const built = ["phase1", "phase2", "phase3"] as const;

    it.each(built)("%s: the contract declares exactly what the planned stack exports", (phase) => {
        const outputs = (JSON.parse(sharedPlan(phase).stdout) as { outputs: Record<string, unknown> })
            .outputs;
        const declared = OUTPUT_KEYS[phase] as Record<string, boolean>;
        expect(Object.keys(outputs).filter((k) => !(k in declared))).toEqual([]);
        const always = Object.keys(declared).filter((k) => declared[k]);
        expect(always.filter((k) => !(k in outputs))).toEqual([]);
    });

    it.each(built)(
        "%s: every output the runbook reads is declared and planned, with its jq path",
        (phase) => {
            const outputs = (JSON.parse(sharedPlan(phase).stdout) as { outputs: Record<string, unknown> })
                .outputs;
            const reads = stackReads().filter((r) => r.phase === phase);
            expect(reads.length).toBeGreaterThan(0);
            for (const r of reads) {
                expect(Object.keys(OUTPUT_KEYS[phase]), `${phase} declares ${r.key}`).toContain(r.key);
                expect(Object.keys(outputs), `${phase} exports ${r.key}`).toContain(r.key);
                if (r.path)
                    expect(outputs[r.key], `${phase} ${r.key}${r.path}`).toHaveProperty(r.path.slice(1));
            }
        },
    );

    it.each(built)("%s: every server the runbook looks up in the stack's state is planned", (phase) => {
        const names = (
            JSON.parse(sharedPlan(phase).stdout) as { resources: { type: string; name: string }[] }
        ).resources
            .filter((r) => r.type === "hcloud:index/server:Server")
            .map((r) => r.name);
        const commands = SCALABLE_PHASES.flatMap((from) => buildRunbook(from, TRIGGER_MATRIX[from].to))
            .flatMap((s) => s.commands)
            .join("\n");
        const lookups = [
            ...commands.matchAll(
                /pulumi stack export --stack (\w+) \| jq -r '[^']*endswith\("::([\w-]+)"\)/g,
            ),
        ]
            .filter((m) => m[1] === phase)
            .map((m) => m[2]!);
        // Phase 3 exports no host's public address: the runbook must find its servers in the state.
        if (phase === "phase3") expect(lookups.length).toBeGreaterThan(0);
        for (const server of lookups) expect(names, `${phase} plans ${server}`).toContain(server);
    });
});
