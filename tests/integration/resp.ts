/**
 * A minimal Sentinel-aware Redis client over raw RESP (no npm dependency): ask the Sentinels who the master
 * is, connect there, authenticate and write; on any error ask again. Enough to time a failover.
 */
import { createConnection } from "node:net";

export type Reply = string | number | null | Reply[] | Error;

/** Parses one reply from `buf` at `pos`; undefined when the buffer holds only part of it. */
function parse(buf: string, pos: number): [Reply, number] | undefined {
    const end = buf.indexOf("\r\n", pos);
    if (end < 0) return undefined;
    const head = buf.slice(pos + 1, end);
    const next = end + 2;
    switch (buf[pos]) {
        case "+":
            return [head, next];
        case "-":
            return [new Error(head), next];
        case ":":
            return [Number(head), next];
        case "$": {
            const n = Number(head);
            if (n < 0) return [null, next];
            if (buf.length < next + n + 2) return undefined;
            return [buf.slice(next, next + n), next + n + 2];
        }
        case "*": {
            const n = Number(head);
            if (n < 0) return [null, next];
            const items: Reply[] = [];
            let at = next;
            for (let i = 0; i < n; i++) {
                const r = parse(buf, at);
                if (!r) return undefined;
                items.push(r[0]);
                at = r[1];
            }
            return [items, at];
        }
        default:
            return [new Error(`unexpected RESP byte ${buf[pos]}`), buf.length];
    }
}

/** Sends commands on one connection and returns their replies (ASCII payloads only, as here). */
export function commands(
    port: number,
    cmds: readonly (readonly string[])[],
    timeoutMs = 1000,
): Promise<Reply[]> {
    return new Promise((resolve, reject) => {
        const sock = createConnection({ host: "127.0.0.1", port });
        let buf = "";
        const replies: Reply[] = [];
        sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`timeout talking to 127.0.0.1:${port}`)));
        sock.on("error", reject);
        sock.on("connect", () =>
            sock.write(
                cmds
                    .map(
                        (c) =>
                            `*${c.length}\r\n${c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`,
                    )
                    .join(""),
            ),
        );
        sock.on("data", (d: Buffer) => {
            buf += d.toString("utf8");
            let pos = 0;
            for (;;) {
                const r = parse(buf, pos);
                if (!r) break;
                replies.push(r[0]);
                pos = r[1];
            }
            buf = buf.slice(pos);
            if (replies.length === cmds.length) {
                sock.end();
                resolve(replies);
            }
        });
    });
}

/** The master's port as the first Sentinel that answers reports it. */
export async function masterPort(sentinelPorts: readonly number[], name: string): Promise<number> {
    for (const port of sentinelPorts) {
        try {
            const [reply] = await commands(port, [["SENTINEL", "get-master-addr-by-name", name]]);
            if (Array.isArray(reply) && typeof reply[1] === "string") return Number(reply[1]);
        } catch {
            // that Sentinel is down: ask the next one
        }
    }
    throw new Error("no Sentinel knows the master");
}

/** One write through the Sentinels: true when the master they name accepted it. */
export async function sentinelWrite(
    sentinelPorts: readonly number[],
    name: string,
    password: string,
    key: string,
    value: string,
): Promise<{ ok: boolean; port?: number }> {
    try {
        const port = await masterPort(sentinelPorts, name);
        const [auth, set] = await commands(port, [
            ["AUTH", password],
            ["SET", key, value],
        ]);
        return { ok: auth === "OK" && set === "OK", port };
    } catch {
        return { ok: false };
    }
}
