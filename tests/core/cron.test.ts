// The CronJob schedule check (core/cron.ts) must agree with the Kubernetes API server,
// or a stack update fails half-way. Every verdict below is the API server's, not a guess: each
// schedule was run through robfig/cron v3.0.1's ParseStandard plus the API server's own "TZ"
// check (validateScheduleFormat, Kubernetes v1.37) in a Go program, which agreed on all of them.
import * as assert from "assert";
import { cronProblem } from "../../core/cron";

/** A schedule, and what the API server says: "accepted", or a pattern the trainee's message must match. */
type Case = [schedule: string, verdict: "accepted" | RegExp];

const CASES: Case[] = [
    // Plain five fields.
    ["0 * * * *", "accepted"], ["*/5 * * * *", "accepted"], ["30 2 * * 1-5", "accepted"], ["15,45 8-18/2 1 * *", "accepted"],
    ["60 * * * *", /^minute "60": expected 0-59$/], ["0 24 * * *", /^hour "24": expected 0-23$/],
    ["0 0 0 * *", /^day of month "0": expected 1-31$/], ["0 0 32 * *", /^day of month "32": expected 1-31$/],
    ["0 0 * 0 *", /^month "0": expected 1-12 or JAN-DEC$/], ["0 0 * 13 *", /^month "13": expected 1-12 or JAN-DEC$/],
    ["0 5-2 * * *", /^hour "5-2": the range runs backwards$/],
    // February 31st never comes, but the API server only checks each field on its own.
    ["0 0 31 2 *", "accepted"],

    // Day of week is 0-6: crontab's 7 for Sunday is refused, alone, in a range or as a start.
    ["0 0 * * 0-6", "accepted"], ["0 0 * * 6", "accepted"],
    ["0 0 * * 7", /^day of week "7": expected 0-6 or SUN-SAT \(Sunday is 0, 7 is refused\)$/],
    ["0 0 * * 5-7", /^day of week "5-7": expected 0-6 or SUN-SAT/], ["0 0 * * 7/2", /^day of week "7\/2": expected 0-6/],

    // ? is * in every field, the minute included; so are ?/N and */N.
    ["? ? ? ? ?", "accepted"], ["?/10 * * * *", "accepted"], ["0 0 ? * ?", "accepted"],

    // Names: three letters, any case, in month and day of week only, in ranges and before a step.
    ["0 0 1 jan,JUL *", "accepted"], ["0 0 * * mon-FRI", "accepted"], ["0 0 1 Jan/3 *", "accepted"], ["0 0 * * sun,6", "accepted"],
    ["0 0 * * SUNDAY", /^day of week "SUNDAY": expected 0-6 or SUN-SAT/], ["0 0 JAN * *", /^day of month "JAN": expected 1-31$/],
    ["0 0 * * */MON", /^day of week "\*\/MON": a step is \/N/],
    // Go lowers a dotted capital I to a plain i, and leaves a dotless i alone: JavaScript does neither.
    ["0 0 * * FR\u0130", "accepted"], ["0 0 * * fr\u0131", /^day of week "fr\u0131": expected 0-6/],

    // Steps: N/S is N-max/S; a step is a whole number from 1, as large as one likes.
    ["5/15 * * * *", "accepted"], ["1-10/3 * * * *", "accepted"], ["*/100 * * * *", "accepted"], ["*/9223372036854775807 * * * *", "accepted"],
    ["*/0 * * * *", /^minute "\*\/0": a step is \/N, N a whole number from 1$/], ["1-10/0 * * * *", /^minute "1-10\/0": a step is \/N/],
    ["*/-1 * * * *", /^minute "\*\/-1": a step is \/N/], ["*/ * * * *", /^minute "\*\/": a step is \/N/],
    ["1/2/3 * * * *", /^minute "1\/2\/3": a step is \/N/], ["*/9223372036854775808 * * * *", /^minute "\*\/9223372036854775808": a step is \/N/],
    ["60/5 * * * *", /^minute "60\/5": expected 0-59$/], ["/5 * * * *", /^minute "\/5": expected 0-59$/],

    // Numbers are Go's strconv.Atoi: a + sign and leading zeros pass; -, hex, exponents do not.
    ["+5 +1 * * *", "accepted"], ["05 007 01 01 00", "accepted"], ["1-5/+2 * * * *", "accepted"],
    ["-5 * * * *", /^minute "-5": expected 0-59$/], ["0x10 * * * *", /^minute "0x10": expected 0-59$/], ["1e1 * * * *", /^minute "1e1": expected 0-59$/],
    ["1-2-3 * * * *", /^minute "1-2-3": not a value or a range$/], ["5- * * * *", /^minute "5-": expected 0-59$/],

    // robfig's quirks: after a leading * or ? it reads no further than the "-"; empty list items are skipped.
    ["*-5 * * * *", "accepted"], ["?-x * * * *", "accepted"], ["1,,2 * * * *", "accepted"], ["0 0 , * *", "accepted"],

    // Quartz' L, W and # are not there.
    ["0 0 L * *", /^day of month "L": expected 1-31$/], ["0 0 15W * *", /^day of month "15W": expected 1-31$/],
    ["0 0 * * 1#2", /^day of week "1#2": expected 0-6/], ["0 0 * * 5L", /^day of week "5L": expected 0-6/],

    // Exactly five fields between Go's spaces (tabs, newlines, no-break spaces too), ends ignored; no seconds.
    ["  0\t0  * * *\n", "accepted"], ["0\u00a00 * * *", "accepted"],
    ["0 0 * * * *", /^expected 5 fields \(minute hour day-of-month month day-of-week\), found 6 \(there is no seconds field\)$/], ["0 0 * *", /found 4$/],
    ["", /found 0$/], ["   ", /found 0$/], ["every hour", /found 2$/],
    ["0\ufeff0 * * *", /found 4$/], ["0\u200b0 * * *", /found 4$/],

    // Descriptors: lower case, the whole schedule, not even a space around them.
    ["@yearly", "accepted"], ["@annually", "accepted"], ["@monthly", "accepted"], ["@weekly", "accepted"],
    ["@daily", "accepted"], ["@midnight", "accepted"], ["@hourly", "accepted"],
    ["@DAILY", /^expected one of @yearly @annually @monthly @weekly @daily @midnight @hourly or @every <duration>/],
    ["@daily ", /^expected one of @yearly/], ["@reboot", /^expected one of @yearly/], ["@every", /^expected one of @yearly/],
    [" @daily", /^an @ descriptor is the whole schedule: no space before it$/],

    // @every takes one space then a Go duration; even 0 and negative ones pass (the CronJob then runs every second).
    ["@every 1h", "accepted"], ["@every 1h30m", "accepted"], ["@every 1.5h", "accepted"], ["@every 90s", "accepted"],
    ["@every 1\u00b5s", "accepted"], ["@every 0", "accepted"], ["@every -1h", "accepted"], ["@every 2562047h47m16.854775807s", "accepted"],
    ["@every 1d", /^@every takes one space then a duration such as 90m or 1h30m \(units h m s ms us ns\)/],
    ["@every 1H", /^@every takes/], ["@every 1", /^@every takes/], ["@every  1h", /^@every takes/], ["@every\t1h", /^expected one of/],
    ["@every 1h ", /^@every takes/], ["@every 2562048h", /^@every takes/], ["@every 1toString", /^@every takes/],

    // No time zone in the schedule: the API server refuses any "TZ" in it (robfig would take TZ=).
    ["TZ=UTC 0 0 * * *", /time zone cannot go in the schedule/], ["CRON_TZ=Europe/Paris 0 0 * * *", /time zone/],
    ["TZ=UTC", /time zone/], ["0 0 * * *TZ", /time zone/],
];

describe("cronProblem, as the API server judges a CronJob's schedule", () => {
    it(`accepts and refuses as the API server does (${CASES.length} schedules)`, () => {
        for (const [schedule, verdict] of CASES) {
            const problem = cronProblem(schedule);
            if (verdict === "accepted") assert.strictEqual(problem, undefined, JSON.stringify(schedule));
            else assert.match(problem ?? "(accepted)", verdict, JSON.stringify(schedule));
        }
    });

    it("covers both verdicts and no schedule twice", () => {
        const schedules = CASES.map(([schedule]) => schedule);
        assert.strictEqual(new Set(schedules).size, schedules.length);
        assert.ok(CASES.filter(([, v]) => v === "accepted").length >= 20 && CASES.filter(([, v]) => v !== "accepted").length >= 20);
    });
});
