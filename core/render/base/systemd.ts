/** systemd unit files as typed sections, rendered by the INI serializer. */
import type { RenderedFile } from "./artifact";
import { renderIni, type IniSection } from "./ini";

export interface SystemdUnit {
    readonly Unit: IniSection;
    readonly Service?: IniSection;
    readonly Timer?: IniSection;
    readonly Socket?: IniSection;
    readonly Install?: IniSection;
}

export const UNIT_DIR = "/etc/systemd/system";

export function unitFile(name: string, unit: SystemdUnit): RenderedFile {
    const sections = Object.fromEntries(Object.entries(unit).filter(([, s]) => s !== undefined)) as Record<
        string,
        IniSection
    >;
    return {
        path: `${UNIT_DIR}/${name}`,
        content: renderIni(sections, ["Written by phase-stacks (cloud-init)."]),
        kind: "systemd",
        permissions: "0644",
    };
}
