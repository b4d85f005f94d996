// `backup` and `restore` over a roster: N trainees at a time, the same live progress and exit
// status as `up`, then a table or one JSON array. No Pulumi command runs: the data is reached
// in each trainee's namespace, over the Kubernetes API.
import * as fs from "fs";
import { backupTrainee, DataOutcome, restoreTrainee } from "./backup";
import { traineeDir } from "./backupFiles";
import { Interruption } from "../interruption";
import { PathError, privateRoot, requireName } from "../privateFiles";
import { columns, ProgressLines } from "../report";
import { namespaceClashes, Trainee } from "../roster";
import { pool } from "../pool";

export interface DataOptions {
    command: "backup" | "restore";
    parallel: number;
    json: boolean;
    /** backup: --to; restore: --from. */
    dir: string;
    /** restore: --trainee, --source, --at. */
    trainee?: string;
    source?: string;
    at?: string;
    inCluster?: boolean;
}

/**
 * The trainees a data command works on: `--trainee` picks one of the roster, by name; `--at`
 * names one backup, so it needs one trainee. Throws, before anything runs, on a bad name.
 */
export function dataTargets(trainees: Trainee[], options: Pick<DataOptions, "trainee" | "source" | "at">): Trainee[] {
    if (options.source !== undefined) requireName("--source", options.source);
    if (options.trainee === undefined) {
        if (options.at !== undefined && trainees.length > 1) {
            throw new PathError(`--at ${options.at} names one backup: say whose data it replaces with --trainee NAME (the roster has ${trainees.length} trainees)`);
        }
        return trainees;
    }
    requireName("--trainee", options.trainee);
    const one = trainees.filter((t) => t.stack === options.trainee);
    if (one.length === 0) throw new Error(`--trainee ${options.trainee}: not on the roster (${trainees.map((t) => t.stack).join(", ")})`);
    return one;
}

/** The backups' root, resolved and made 0700; `--source`'s folder must be in it. Throws before anything runs. */
export function dataRoot(options: Pick<DataOptions, "command" | "dir" | "source" | "inCluster">): string {
    const flag = options.command === "backup" ? "--to" : "--from";
    if (options.command === "restore" && !options.inCluster && !fs.existsSync(options.dir)) {
        throw new PathError(`${flag} ${options.dir}: no such directory (\`npm run class -- backup\` writes one)`);
    }
    const root = privateRoot(flag, options.dir);
    if (options.source !== undefined && traineeDir(root, options.source) === undefined) {
        throw new PathError(`--source ${options.source}: ${root} has no folder ${options.source} (the trainees whose backups are there: ${fs.readdirSync(root).join(", ") || "none"})`);
    }
    return root;
}

/** The --json element: the shape trainers' scripts rely on. */
export function dataJsonRecord(o: DataOutcome): Record<string, unknown> {
    return {
        trainee: o.trainee, status: o.status, file: o.file ?? null, bytes: o.bytes ?? null, sha256: o.sha256 ?? null,
        keys: o.keys ?? null, ...(o.savedBefore ? { savedBefore: o.savedBefore } : {}), ...(o.interrupted ? { interrupted: o.interrupted } : {}),
        ...(o.error ? { error: o.error } : {}),
    };
}

export function dataTable(outcomes: DataOutcome[]): string {
    const header = ["TRAINEE", "FILE", "BYTES", "KEYS", "STATUS"];
    const rows = outcomes.map((o) => [o.trainee, o.file ?? "-", o.bytes === undefined ? "-" : String(o.bytes), o.keys === undefined ? "-" : String(o.keys),
        o.status === "ok" ? `ok${o.savedBefore ? ` (the data it replaced: ${o.savedBefore})` : ""}${o.interrupted ? ` (after an interrupted ${o.interrupted})` : ""}` : `${o.status}: ${o.error}`]);
    return columns(header, rows);
}

export async function runDataCommand(trainees: Trainee[], options: DataOptions): Promise<void> {
    const targets = dataTargets(trainees, options);
    const root = dataRoot(options);
    // Two trainees of one namespace would back up and restore the same Redis: refused as `up` refuses them.
    const clashes = namespaceClashes(trainees);
    const progress = new ProgressLines(targets.map((t) => t.stack), process.stderr.isTTY === true, (s) => process.stderr.write(s));
    // A signal starts no new trainee; one already running finishes, so no Redis is left half-restored.
    const interruption = new Interruption((line) => progress.note(line), "data");
    interruption.listen();
    const working = options.command === "backup" ? "backing up" : "restoring";
    const outcomes = await pool(targets, options.parallel, async (t): Promise<DataOutcome> => {
        if (interruption.signal.aborted) {
            progress.update(t.stack, { stage: "cancelled" });
            return { trainee: t.stack, status: "cancelled", error: `by ${String(interruption.signal.reason)}` };
        }
        const clash = clashes.get(t.stack);
        if (clash !== undefined) {
            progress.update(t.stack, { stage: "failed" });
            return { trainee: t.stack, status: "failed", error: clash };
        }
        progress.update(t.stack, { stage: working });
        const outcome = options.command === "backup"
            ? await backupTrainee(t, root)
            : await restoreTrainee(t, { source: options.source ?? t.stack, dir: root, at: options.at, inCluster: options.inCluster });
        progress.update(t.stack, { stage: outcome.status === "ok" ? "done" : "failed" });
        return outcome;
    });
    process.stdout.write(options.json ? JSON.stringify(outcomes.map(dataJsonRecord), null, 2) + "\n" : dataTable(outcomes));
    const failed = outcomes.filter((o) => o.status === "failed");
    if (failed.length > 0) {
        process.stderr.write(`failed: ${failed.map((o) => `${o.trainee} (${o.error})`).join("; ")}\n`);
        process.exitCode = 1;
    }
    if (interruption.signal.aborted) {
        process.stderr.write(`cancelled by ${String(interruption.signal.reason)}: ${outcomes.filter((o) => o.status === "cancelled").map((o) => o.trainee).join(", ") || "none"}\n`);
        process.exitCode = 130;
    }
}
