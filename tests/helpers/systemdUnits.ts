/** Reading the systemd files the renderers write: a key's values in [Service], a drop-in's command line. */
import { expect } from "vitest";

/** Every value of `key` in the [Service] section, in order (an empty one is a reset). */
export function serviceLines(text: string, key: string): string[] {
    const service = text.slice(text.indexOf("[Service]"));
    return service
        .split("\n")
        .filter((l) => l.startsWith(`${key}=`))
        .map((l) => l.slice(key.length + 1));
}

/** A drop-in's command line: it resets the package's ExecStart first, then sets its own. */
export function dropInArgv(text: string): string[] {
    const exec = serviceLines(text, "ExecStart");
    expect(exec[0], "the drop-in resets the package's ExecStart first").toBe("");
    expect(exec).toHaveLength(2);
    return (exec[1] as string).split(" ");
}
