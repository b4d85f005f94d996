// `class backup` and `class restore`: each trainee's Redis data pulled to the trainer's disk
// over the Kubernetes API (the course's « scripts basés sur kubectl »), and put back, into the
// same trainee or another (the course's volume clone, without a CSI driver).
import * as path from "path";
import {
    BEFORE_RESTORE_DIR, BackupFileError, newestBackup, readVerified, resolveAt, saveBackup,
} from "./backupFiles";
import { readScheduledBackup } from "./inClusterBackups";
import { load, redisPod, snapshot } from "./redisData";
import type { Trainee } from "./roster";

export interface DataOutcome {
    trainee: string;
    status: "ok" | "failed" | "cancelled";
    /** The backup written (backup) or read (restore). */
    file?: string;
    bytes?: number;
    sha256?: string;
    keys?: number;
    /** restore: where the data it replaced was saved. */
    savedBefore?: string;
    error?: string;
}

function failure(trainee: string, err: unknown, extra: Partial<DataOutcome> = {}): DataOutcome {
    return { trainee, status: "failed", ...extra, error: (err as Error)?.message ?? String(err) };
}

/** Pulls one trainee's data into DIR/<trainee>/ (or `subdir` under it); never throws. */
export async function backupTrainee(trainee: Trainee, dir: string, subdir = ""): Promise<DataOutcome> {
    try {
        const pod = await redisPod(trainee.parsed);
        const takenAt = new Date().toISOString();
        const { data, keys } = await snapshot(pod);
        const { file, manifest } = saveBackup(path.join(dir, trainee.stack, subdir), data, {
            trainee: trainee.stack, namespace: trainee.parsed.namespace, volume: pod.volume, takenAt, keys,
        });
        return { trainee: trainee.stack, status: "ok", file, bytes: manifest.bytes, sha256: manifest.sha256, keys };
    } catch (err) {
        return failure(trainee.stack, err);
    }
}

export interface RestoreRequest {
    /** Whose backups: the trainee's own unless `--source` names another. */
    source: string;
    dir: string;
    /** A file named by `--at`; otherwise the source's newest backup. */
    at?: string;
    /** From the trainee's claim redis-backups (the scheduled backups) rather than from `dir`. */
    inCluster?: boolean;
}

/** A backup read and checked, ready to go in. */
interface CheckedBackup {
    file: string;
    data: Buffer;
    sha256: string;
}

/** Which backup a restore takes; throws a BackupFileError naming what is missing. */
export function chooseBackup(request: RestoreRequest): string {
    const sourceDir = path.join(request.dir, request.source);
    if (request.at !== undefined) return resolveAt(request.at, sourceDir);
    const newest = newestBackup(sourceDir);
    if (newest === undefined) throw new BackupFileError(`no backup of ${request.source} in ${sourceDir} (\`npm run class -- backup\` first)`);
    return newest;
}

/**
 * Puts a backup into one trainee's running Redis. The file is checked first; the trainee's
 * current data is saved under before-restore/ before it is replaced; if the replacement
 * fails once the trainee's Redis was touched, that saved data goes back in.
 */
export async function restoreTrainee(trainee: Trainee, request: RestoreRequest): Promise<DataOutcome> {
    let file: string | undefined;
    try {
        let backup: CheckedBackup;
        if (request.inCluster) {
            backup = await readScheduledBackup(trainee.parsed, request.at);
        } else {
            file = chooseBackup(request);
            const { data, manifest } = readVerified(file);
            backup = { file, data, sha256: manifest.sha256 };
        }
        file = backup.file;
        const pod = await redisPod(trainee.parsed);
        const saved = await backupTrainee(trainee, request.dir, BEFORE_RESTORE_DIR);
        if (saved.status !== "ok") throw new Error(`the current data could not be saved first, so nothing was changed: ${saved.error}`);
        const state = { touched: false };
        try {
            const { keys } = await load(pod, backup.data, backup.sha256, state);
            return { trainee: trainee.stack, status: "ok", file, bytes: backup.data.length, sha256: backup.sha256, keys, savedBefore: saved.file };
        } catch (err) {
            if (!state.touched) throw new Error(`${(err as Error).message}; nothing was changed`);
            const back = readVerified(saved.file!);
            await load(pod, back.data, back.manifest.sha256, { touched: false }).catch((again: Error) => {
                throw new Error(`${(err as Error).message}; putting back the data saved in ${saved.file} failed too: ${again.message}`);
            });
            throw new Error(`${(err as Error).message}; the data from before (${saved.file}) was put back`);
        }
    } catch (err) {
        return failure(trainee.stack, err, file ? { file } : {});
    }
}
