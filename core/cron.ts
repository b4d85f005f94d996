// A CronJob's schedule, checked the way the Kubernetes API server checks it, so a bad one is
// refused before anything is registered instead of by the API server half-way through an
// update. The API server runs robfig/cron v3's ParseStandard (parser.go) and then refuses any
// "TZ" (pkg/apis/batch/validation/validation.go, validateScheduleFormat); this copies both,
// quirks included: a schedule it accepts here is one the API server accepts, and the reverse.

const DESCRIPTORS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
const EVERY = "@every ";
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface Field {
    name: string;
    min: number;
    max: number;
    names?: string[];
    note?: string;
}

const FIELDS: Field[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: MONTHS },
    // robfig's bounds stop at 6, unlike crontab(5), which also takes 7.
    { name: "day of week", min: 0, max: 6, names: DAYS, note: "Sunday is 0, 7 is refused" },
];

// Go's unicode.IsSpace, which strings.Fields splits on: not JavaScript's \s (no U+FEFF, but U+0085).
const GO_SPACES = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
const INT64_MAX = "9223372036854775807";

/** What Go's strconv.Atoi reads, when that is a whole number from 0 ("+5" and "05" are 5), else undefined. */
function wholeNumber(text: string): number | undefined {
    const match = /^([+-]?)0*(\d+)$/.exec(text);
    if (!match) return undefined;
    const digits = match[2]!;
    if (digits.length > INT64_MAX.length || (digits.length === INT64_MAX.length && digits > INT64_MAX)) return undefined;
    if (match[1] === "-" && digits !== "0") return undefined;
    return Number(digits);
}

/** Go's strings.ToLower, as far as the names go: U+0130 (İ) lowers to a plain i there. */
function goLower(text: string): string {
    return text.replace(/\u0130/g, "i").toLowerCase();
}

function nameOrNumber(text: string, field: Field): number | undefined {
    const index = field.names?.findIndex((n) => n.toLowerCase() === goLower(text)) ?? -1;
    if (index < 0) return wholeNumber(text);
    return field.name === "month" ? index + 1 : index;
}

function allowed(field: Field): string {
    const names = field.names ? ` or ${field.names[0]}-${field.names.at(-1)}` : "";
    return `expected ${field.min}-${field.max}${names}${field.note ? ` (${field.note})` : ""}`;
}

/** What is wrong with one comma-separated part: robfig's getRange. */
function partProblem(part: string, field: Field): string | undefined {
    const where = `${field.name} ${JSON.stringify(part)}`;
    const [range, step, extra] = part.split("/");
    if (extra !== undefined || (step !== undefined && !wholeNumber(step))) return `${where}: a step is /N, N a whole number from 1`;
    const bounds = range.split("-");
    // robfig reads a leading * or ? as the whole range and never looks at what follows its "-".
    if (bounds[0] === "*" || bounds[0] === "?") return undefined;
    if (bounds.length > 2) return `${where}: not a value or a range`;
    const values = bounds.map((b) => nameOrNumber(b, field));
    if (values.some((n) => n === undefined || n < field.min || n > field.max)) return `${where}: ${allowed(field)}`;
    if (values.length === 2 && values[0]! > values[1]!) return `${where}: the range runs backwards`;
    return undefined;
}

/** What is wrong with one field: robfig's getField, which skips empty parts ("1,,2", even ","). */
function fieldProblem(text: string, field: Field): string | undefined {
    for (const part of text.split(",").filter((p) => p !== "")) {
        const problem = partProblem(part, field);
        if (problem) return problem;
    }
    return undefined;
}

// A Map, not an object: a unit such as "constructor" must not find something.
const NANOSECONDS = new Map<string, bigint>([
    ["ns", 1n], ["us", 1_000n], ["\u00b5s", 1_000n], ["\u03bcs", 1_000n], ["ms", 1_000_000n],
    ["s", 1_000_000_000n], ["m", 60_000_000_000n], ["h", 3_600_000_000_000n],
]);
const TWO_63 = 1n << 63n;

/** The digits after a duration's ".", as Go's leadingFraction keeps them (it stops before overflowing). */
function fraction(digits: string): { value: bigint; scale: number } {
    let value = 0n;
    let scale = 1;
    for (const digit of digits) {
        const next = value * 10n + BigInt(digit);
        if (value > (TWO_63 - 1n) / 10n || next > TWO_63) break;
        value = next;
        scale *= 10;
    }
    return { value, scale };
}

/** Whether Go's time.ParseDuration takes `text`: same grammar, same int64 overflow. */
function isGoDuration(text: string): boolean {
    const negative = text.startsWith("-");
    let rest = /^[+-]/.test(text) ? text.slice(1) : text;
    if (rest === "0") return true;
    if (rest === "") return false;
    let total = 0n;
    while (rest !== "") {
        const [piece, whole, , digits, unit] = /^(\d*)(\.(\d*))?([^\d.]*)/.exec(rest)!;
        if (whole === "" && !digits) return false;
        const nanoseconds = NANOSECONDS.get(unit);
        if (nanoseconds === undefined || BigInt(whole || "0") > TWO_63 / nanoseconds) return false;
        let value = BigInt(whole || "0") * nanoseconds;
        const { value: f, scale } = fraction(digits ?? "");
        if (f > 0n) value += BigInt(Math.trunc(Number(f) * (Number(nanoseconds) / scale)));
        if (value > TWO_63) return false;
        // Go adds in a uint64, so 2^63 + 2^63 wraps to 0 there and passes.
        total = BigInt.asUintN(64, total + value);
        if (total > TWO_63) return false;
        rest = rest.slice(piece.length);
    }
    return negative || total < TWO_63;
}

/** What is wrong with a schedule starting with "@": it is taken whole, spaces included. */
function descriptorProblem(schedule: string): string | undefined {
    if (DESCRIPTORS.includes(schedule)) return undefined;
    if (schedule.startsWith(EVERY)) {
        return isGoDuration(schedule.slice(EVERY.length)) ? undefined
            : "@every takes one space then a duration such as 90m or 1h30m (units h m s ms us ns), nothing after it";
    }
    return `expected one of ${DESCRIPTORS.join(" ")} or @every <duration>, in lower case with nothing after it`;
}

/** Why `schedule` is not a valid CronJob schedule, or undefined when it is. */
export function cronProblem(schedule: string): string | undefined {
    if (schedule.includes("TZ")) return "a time zone cannot go in the schedule (no TZ or CRON_TZ): CronJobs run in the controller manager's time zone, UTC on most clusters";
    if (schedule.startsWith("@")) return descriptorProblem(schedule);
    const fields = schedule.split(GO_SPACES).filter((f) => f !== "");
    if (fields.length !== 5) {
        if (schedule.trim().startsWith("@")) return "an @ descriptor is the whole schedule: no space before it";
        const seconds = fields.length === 6 ? " (there is no seconds field)" : "";
        return `expected 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}${seconds}`;
    }
    for (let i = 0; i < 5; i++) {
        const problem = fieldProblem(fields[i]!, FIELDS[i]!);
        if (problem) return problem;
    }
    return undefined;
}
