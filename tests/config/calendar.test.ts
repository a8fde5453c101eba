/** The calendar parser against the real `systemd-analyze calendar`: it takes only what systemd takes. */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { calendarProblem } from "../../core/config/calendar";
import { requireTool } from "../helpers/tools";

const GOOD = [
    "*-*-* 03:15:00",
    "*-*-* 03:15",
    "*-*-* 3:15",
    "*-*-* *:05:00",
    "*-*-* 03:15:00 UTC",
    "daily",
    "hourly",
    "weekly",
    "Mon..Fri 02:00",
    "Sat,Sun 04:30:00",
    "Mon *-*-* 03:00/15",
    "*-*-1..5 00:00",
    "*-01,07-01 01:00",
    "2027-*-* 00:00:00",
    "*-*-* 00/6:00",
    "*-*-* 03,15:00",
];

const BAD = [
    "",
    "tomorrow",
    "*-*-* 24:00",
    "*-*-* 03:15:60",
    "*-*-* 03:61",
    "Fri..Mon 03:00",
    "*-*-5..1 00:00",
    "*-13-* 00:00",
    "*-*-32 00:00",
    "Funday 03:00",
    "*-*-* 03:15:00 Mars/Olympus",
    "*-*-* 03",
    "*-*-* 03:15:00:00",
    "03:15 *-*-*",
    "*-*-* */0:00",
    "1969-*-* 00:00",
];

function systemdAccepts(expression: string): boolean {
    const r = spawnSync(requireTool("systemd-analyze"), ["calendar", expression], { encoding: "utf8" });
    return r.status === 0;
}

describe("systemd calendar expressions", () => {
    it.each(GOOD)("%j: systemd and the parser both accept it", (e) => {
        expect(systemdAccepts(e)).toBe(true);
        expect(calendarProblem(e)).toBeUndefined();
    });

    it.each(BAD)("%j: systemd and the parser both refuse it", (e) => {
        expect(systemdAccepts(e)).toBe(false);
        expect(calendarProblem(e)).toMatch(/systemd calendar expression/);
    });
});
