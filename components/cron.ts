// A CronJob's schedule, checked the way the Kubernetes API server checks it (five fields, as
// in crontab, or one of the @ descriptors), so a bad one is refused before anything is
// registered instead of by the API server half-way through an update.

const DESCRIPTORS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface Field {
    name: string;
    min: number;
    max: number;
    names?: string[];
}

const FIELDS: Field[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: MONTHS },
    { name: "day of week", min: 0, max: 7, names: DAYS },
];

function value(text: string, field: Field): number | undefined {
    if (/^\d+$/.test(text)) return Number(text);
    const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
    if (index < 0) return undefined;
    return field.name === "month" ? index + 1 : index;
}

/** What is wrong with one field, or undefined. */
function fieldProblem(text: string, field: Field): string | undefined {
    for (const part of text.split(",")) {
        const [range, step, extra] = part.split("/");
        if (extra !== undefined || (step !== undefined && !/^[1-9]\d*$/.test(step))) return `${field.name} ${JSON.stringify(part)}: a step is /N, N from 1`;
        if (range === "*" || (range === "?" && field.name.startsWith("day"))) continue;
        const bounds = range.split("-");
        if (bounds.length > 2) return `${field.name} ${JSON.stringify(part)}: not a value or a range`;
        const numbers = bounds.map((b) => value(b, field));
        if (numbers.some((n) => n === undefined || n < field.min || n > field.max)) {
            return `${field.name} ${JSON.stringify(part)}: expected ${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names.at(-1)}` : ""}`;
        }
        if (numbers.length === 2 && numbers[0]! > numbers[1]!) return `${field.name} ${JSON.stringify(part)}: the range runs backwards`;
    }
    return undefined;
}

/** Why `schedule` is not a valid CronJob schedule, or undefined when it is. */
export function cronProblem(schedule: string): string | undefined {
    const trimmed = schedule.trim();
    if (trimmed.startsWith("@")) return DESCRIPTORS.includes(trimmed) ? undefined : `expected one of ${DESCRIPTORS.join(" ")}`;
    if (/^(CRON_)?TZ=/.test(trimmed)) return "a time zone cannot go in the schedule (CronJobs run in the controller manager's time zone, UTC on most clusters)";
    const fields = trimmed.split(/\s+/);
    if (fields.length !== 5) return `expected 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`;
    for (let i = 0; i < 5; i++) {
        const problem = fieldProblem(fields[i], FIELDS[i]);
        if (problem) return problem;
    }
    return undefined;
}
