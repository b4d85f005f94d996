// `class backup` and `class restore`: each trainee's Redis data pulled to the trainer's disk
// over the Kubernetes API (the course's « scripts basés sur kubectl »), and put back, into the
// same trainee or another (the course's volume clone, without a CSI driver). Each holds the
// trainee's data Lease while it works (lease.ts).
import * as path from "path";
import { loadKubeConfig } from "../../clusterReads/kubeconfig";
import {
    BEFORE_RESTORE_DIR, BackupFileError, newestBackup, readVerified, resolveAt, saveBackup, traineeDir,
} from "./backupFiles";
import { DataOperation, holdDataLease } from "./lease";
import { readScheduledBackup } from "./inClusterBackups";
import { load, RedisPod, redisPod, restoreFitProblem, snapshot } from "./redisData";
import type { Trainee } from "../roster";

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
    /** An earlier operation on this trainee's data that was interrupted, and whose Lease lapsed. */
    interrupted?: string;
    error?: string;
}

function failure(trainee: string, err: unknown, extra: Partial<DataOutcome> = {}): DataOutcome {
    return { trainee, status: "failed", ...extra, error: (err as Error)?.message ?? String(err) };
}

/** Runs `work` on the trainee's Redis while holding the trainee's data Lease. */
async function withData<T>(trainee: Trainee, operation: DataOperation, work: (pod: RedisPod, interrupted?: string) => Promise<T>): Promise<T> {
    // A stack that is not up has no namespace to hold a Lease in: say so first.
    const pod = await redisPod(trainee.parsed);
    const lease = await holdDataLease(loadKubeConfig(trainee.parsed), trainee.parsed.namespace, operation);
    try {
        return await work(pod, lease.interrupted);
    } finally {
        await lease.release();
    }
}

/** A snapshot of the trainee's data into ROOT/<trainee>/ (or `subdir` under it). */
async function takeBackup(trainee: Trainee, pod: RedisPod, root: string, subdir?: string): Promise<{ file: string; bytes: number; sha256: string; keys: number }> {
    const takenAt = new Date().toISOString();
    const { data, keys } = await snapshot(pod);
    const { file, manifest } = saveBackup(root, data, { trainee: trainee.stack, namespace: trainee.parsed.namespace, volume: pod.volume, takenAt, keys }, subdir);
    return { file, bytes: manifest.bytes, sha256: manifest.sha256, keys };
}

/** Pulls one trainee's data into ROOT/<trainee>/; never throws. */
export async function backupTrainee(trainee: Trainee, root: string): Promise<DataOutcome> {
    try {
        return await withData(trainee, "backup", async (pod, interrupted) => ({ trainee: trainee.stack, status: "ok", ...await takeBackup(trainee, pod, root), interrupted }));
    } catch (err) {
        return failure(trainee.stack, err);
    }
}

export interface RestoreRequest {
    /** Whose backups: the trainee's own unless `--source` names another. */
    source: string;
    /** The backups' root, already resolved. */
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

/** Which backup a restore takes, from the source's own folder only; throws a BackupFileError naming what is missing. */
export function chooseBackup(request: RestoreRequest): string {
    const sourceDir = traineeDir(request.dir, request.source);
    if (sourceDir === undefined) throw new BackupFileError(`no backup of ${request.source}: ${path.join(request.dir, request.source)} does not exist (\`npm run class -- backup\` first)`);
    if (request.at !== undefined) return resolveAt(request.at, sourceDir, request.source);
    const newest = newestBackup(sourceDir);
    if (newest === undefined) throw new BackupFileError(`no backup of ${request.source} in ${sourceDir} (\`npm run class -- backup\` first)`);
    return newest;
}

/** The backup a restore takes, read and checked against its manifest and its owner. */
export async function checkedBackup(trainee: Trainee, request: RestoreRequest): Promise<CheckedBackup> {
    if (request.inCluster) return readScheduledBackup(trainee.parsed, request.at);
    const file = chooseBackup(request);
    const { data, manifest } = readVerified(file, request.source);
    return { file, data, sha256: manifest.sha256 };
}

/**
 * Puts a backup into one trainee's running Redis. The file is checked first, and whether it
 * fits the Redis container; the trainee's current data is saved under before-restore/ before
 * it is replaced; if the replacement fails once the trainee's Redis was touched, that saved
 * data goes back in.
 */
export async function restoreTrainee(trainee: Trainee, request: RestoreRequest): Promise<DataOutcome> {
    let file: string | undefined;
    try {
        const backup = await checkedBackup(trainee, request);
        file = backup.file;
        return await withData(trainee, "restore", async (pod, interrupted) => {
            const tooBig = await restoreFitProblem(pod, backup.data.length);
            if (tooBig) throw new Error(`${tooBig}; nothing was changed`);
            const saved = await takeBackup(trainee, pod, request.dir, BEFORE_RESTORE_DIR).catch((err: Error) => {
                throw new Error(`the current data could not be saved first, so nothing was changed: ${err.message}`);
            });
            const state = { touched: false };
            try {
                const { keys } = await load(pod, backup.data, backup.sha256, state);
                return { trainee: trainee.stack, status: "ok", file: backup.file, bytes: backup.data.length, sha256: backup.sha256, keys, savedBefore: saved.file, interrupted };
            } catch (err) {
                if (!state.touched) throw new Error(`${(err as Error).message}; nothing was changed`);
                const back = readVerified(saved.file, trainee.stack);
                await load(pod, back.data, back.manifest.sha256, { touched: false }).catch((again: Error) => {
                    throw new Error(`${(err as Error).message}; putting back the data saved in ${saved.file} failed too: ${again.message}`);
                });
                throw new Error(`${(err as Error).message}; the data from before (${saved.file}) was put back`);
            }
        });
    } catch (err) {
        return failure(trainee.stack, err, file ? { file } : {});
    }
}
