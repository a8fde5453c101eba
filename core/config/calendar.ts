/**
 * A parser of the systemd calendar expressions (systemd.time(7)) a backup timer takes: the shorthands, or
 * `[weekdays] [date] time [UTC]` where every field is `*`, a value, a list, an `a..b` range or a `/step`
 * repetition. It refuses what `systemd-analyze calendar` refuses (tests/config/calendar.test.ts runs the real
 * tool over a corpus), so a bad `backup.onCalendar` fails at config time instead of in the timer unit on a host.
 */

const SHORTHANDS = new Set([
    "minutely",
    "hourly",
    "daily",
    "weekly",
    "monthly",
    "quarterly",
    "semiannually",
    "yearly",
    "annually",
]);

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEKDAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

function weekday(s: string): number | undefined {
    const l = s.toLowerCase();
    const i = WEEKDAYS.indexOf(l);
    return i >= 0 ? i : WEEKDAY_NAMES.indexOf(l) >= 0 ? WEEKDAY_NAMES.indexOf(l) : undefined;
}

/** `Mon`, `Mon..Fri`, `Sat,Sun`: ranges must run forwards. */
function weekdaysOk(s: string): boolean {
    return s.split(",").every((part) => {
        const [a, b, ...rest] = part.split("..");
        if (rest.length > 0 || a === undefined) return false;
        const from = weekday(a);
        if (from === undefined) return false;
        if (b === undefined) return true;
        const to = weekday(b);
        return to !== undefined && to >= from;
    });
}

/** One numeric field: `*`, `*` or `v` with a `/n` step, `a..b`, lists of those; values inside [min, max]. */
function fieldOk(s: string, min: number, max: number): boolean {
    const num = (t: string): number | undefined => (/^\d{1,4}$/.test(t) ? Number(t) : undefined);
    return s.split(",").every((part) => {
        const [base = "", step, ...extra] = part.split("/");
        if (extra.length > 0) return false;
        if (step !== undefined && !((num(step) ?? 0) > 0)) return false;
        if (base === "*") return true;
        const [a = "", b, ...more] = base.split("..");
        if (more.length > 0) return false;
        const from = num(a);
        if (from === undefined || from < min || from > max) return false;
        if (b === undefined) return true;
        const to = num(b);
        return step === undefined && to !== undefined && to >= from && to <= max;
    });
}

function dateOk(s: string): boolean {
    const parts = s.split("-");
    const [y, m, d] = parts.length === 3 ? parts : ["*", ...parts];
    if (parts.length < 2 || parts.length > 3 || m === undefined || d === undefined) return false;
    return fieldOk(y ?? "", 1970, 2199) && fieldOk(m, 1, 12) && fieldOk(d, 1, 31);
}

function timeOk(s: string): boolean {
    const parts = s.split(":");
    if (parts.length < 2 || parts.length > 3) return false;
    const [h = "", m = "", sec = "0"] = parts;
    return fieldOk(h, 0, 23) && fieldOk(m, 0, 59) && fieldOk(sec, 0, 59);
}

/** Why systemd would refuse the expression, or undefined when it takes it. */
export function calendarProblem(expression: string): string | undefined {
    const bad =
        "is not a systemd calendar expression (systemd.time(7)), such as '*-*-* 03:15:00' or 'Mon..Fri 02:00'";
    const tokens = expression.trim().split(/\s+/);
    if (tokens.length === 1 && SHORTHANDS.has(tokens[0]?.toLowerCase() ?? "")) return undefined;
    if (tokens[tokens.length - 1] === "UTC") tokens.pop();
    const [first] = tokens;
    if (first !== undefined && /^[A-Za-z]/.test(first)) {
        if (!weekdaysOk(first)) return bad;
        tokens.shift();
    }
    if (tokens.length === 2 && !dateOk(tokens.shift() ?? "")) return bad;
    return tokens.length === 1 && timeOk(tokens[0] ?? "") ? undefined : bad;
}
