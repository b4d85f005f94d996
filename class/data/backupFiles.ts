// The trainer's backups on disk: DIR/<trainee>/<UTC time>.rdb, each with a manifest beside it
// (<UTC time>.json), files 0600 in 0700 directories (privateFiles.ts). The data a restore
// replaces is saved first under DIR/<trainee>/before-restore/, which no restore picks unless it
// is named. A restore trusts only what the tool wrote: the trainee's own folder, file names it
// gave, and manifests of exactly its shape that say whose data they hold.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { existingSubdir, plainFiles, privateSubdir, readPlain, writeNew } from "../privateFiles";

export const DEFAULT_BACKUP_DIR = "class-backups";
export const BEFORE_RESTORE_DIR = "before-restore";

export interface Manifest {
    trainee: string;
    namespace: string;
    /** The PersistentVolume that held the data. */
    volume: string | null;
    /** When the snapshot was taken, ISO 8601 UTC. */
    takenAt: string;
    bytes: number;
    sha256: string;
    /** The number of keys Redis held. */
    keys: number;
}

export class BackupFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "BackupFileError";
    }
}

/** A file name that sorts by time and never holds a colon: 2026-12-02T06-30-12.345Z.rdb. */
export function backupFileName(takenAt: Date): string {
    return `${takenAt.toISOString().replace(/:/g, "-")}.rdb`;
}

/** The names `backupFileName` gives, and no other. */
const BACKUP_FILE = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z\.rdb$/;

export function manifestPath(rdbFile: string): string {
    return rdbFile.replace(/\.rdb$/, ".json");
}

export function sha256(data: Buffer): string {
    return createHash("sha256").update(data).digest("hex");
}

/** Saves a snapshot and its manifest in `root/<trainee>/<subdir>`; returns the snapshot's path. */
export function saveBackup(root: string, data: Buffer, about: Omit<Manifest, "bytes" | "sha256">, subdir?: string): { file: string; manifest: Manifest } {
    const dir = privateSubdir(root, about.trainee, ...(subdir ? [subdir] : []));
    const file = path.join(dir, backupFileName(new Date(about.takenAt)));
    const manifest: Manifest = { ...about, bytes: data.length, sha256: sha256(data) };
    writeNew(file, data);
    writeNew(manifestPath(file), JSON.stringify(manifest, null, 2) + "\n");
    return { file, manifest };
}

/** The trainee's folder under the backups' root, or undefined when there is none. */
export function traineeDir(root: string, trainee: string): string | undefined {
    return existingSubdir(root, trainee);
}

/**
 * The newest backup in a trainee's folder (never one under before-restore/): by the name the
 * tool gave it, which is its time; undefined when there is none.
 */
export function newestBackup(dir: string): string | undefined {
    const newest = plainFiles(dir).filter((name) => BACKUP_FILE.test(name)).sort().at(-1);
    return newest === undefined ? undefined : path.join(dir, newest);
}

/**
 * Which file `--at` names, in the source trainee's folder only: a file name there or in its
 * before-restore/, or a path (the one the backup table printed) that leads to one of those.
 */
export function resolveAt(at: string, sourceDir: string, source: string): string {
    const places = [sourceDir, path.join(sourceDir, BEFORE_RESTORE_DIR)];
    if (path.basename(at) !== at) {
        const real = fs.existsSync(at) ? fs.realpathSync(at) : path.resolve(at);
        const inside = places.some((dir) => fs.existsSync(dir) && path.dirname(real) === fs.realpathSync(dir));
        if (!inside) {
            throw new BackupFileError(`--at ${at} is not one of ${source}'s backups: a restore takes a file of ${sourceDir}/ (or its ${BEFORE_RESTORE_DIR}/) only; ` +
                `to give another trainee's data, name them with --source`);
        }
        at = path.basename(real);
    }
    const found = places.map((dir) => path.join(dir, at)).find((file) => {
        const stat = fs.existsSync(file) ? fs.lstatSync(file) : undefined;
        return stat?.isFile();
    });
    if (found === undefined) throw new BackupFileError(`--at ${at}: no such backup of ${source} (looked in ${places.join(" and ")})`);
    return found;
}

/** Why `value` is not a manifest as `saveBackup` writes it for this file, or undefined. */
export function manifestProblem(value: unknown, file: string): string | undefined {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return "it is not a JSON object";
    const record = value as Record<string, unknown>;
    const expected: Record<keyof Manifest, (v: unknown) => boolean> = {
        trainee: (v) => typeof v === "string" && v !== "",
        namespace: (v) => typeof v === "string" && v !== "",
        volume: (v) => v === null || typeof v === "string",
        takenAt: (v) => typeof v === "string" && !Number.isNaN(Date.parse(v)) && backupFileName(new Date(v)) === path.basename(file),
        bytes: (v) => Number.isSafeInteger(v) && (v as number) >= 0,
        sha256: (v) => typeof v === "string" && /^[0-9a-f]{64}$/.test(v),
        keys: (v) => Number.isSafeInteger(v) && (v as number) >= 0,
    };
    const extra = Object.keys(record).filter((k) => !(k in expected));
    if (extra.length > 0) return `it has fields the tool never writes: ${extra.join(", ")}`;
    const bad = Object.entries(expected).filter(([k, ok]) => !ok(record[k])).map(([k]) => k);
    if (bad.length > 0) return `its ${bad.join(", ")} ${bad.length > 1 ? "are" : "is"} missing or not what the tool writes${bad.includes("takenAt") ? " (takenAt must be the time in the file's name)" : ""}`;
    return undefined;
}

/**
 * Reads a backup of `owner` and checks it against its manifest; throws, naming the file, when
 * the manifest is not the tool's, says it is someone else's data, or the bytes differ.
 */
export function readVerified(file: string, owner: string): { data: Buffer; manifest: Manifest } {
    const where = manifestPath(file);
    let manifest: Manifest;
    try {
        manifest = JSON.parse(readPlain(where).toString("utf8"));
    } catch (err) {
        throw new BackupFileError(`${file}: its manifest ${where} is missing or unreadable (${(err as Error).message}), so the file cannot be checked`);
    }
    const problem = manifestProblem(manifest, file);
    if (problem) throw new BackupFileError(`${file}: its manifest ${where} is not one the tool wrote: ${problem}; nothing was restored from it`);
    if (manifest.trainee !== owner) {
        throw new BackupFileError(`${file} is ${manifest.trainee}'s data by its manifest, but lies in ${owner}'s folder: a restore takes only a trainee's own backups. ` +
            `To give ${manifest.trainee}'s data to someone, restore from ${manifest.trainee}'s folder with --source ${manifest.trainee}`);
    }
    const data = readPlain(file);
    const actual = sha256(data);
    if (data.length !== manifest.bytes || actual !== manifest.sha256) {
        throw new BackupFileError(`${file} is truncated or corrupt: ${data.length} bytes with sha256 ${actual.slice(0, 12)}…, ` +
            `its manifest says ${manifest.bytes} bytes with sha256 ${String(manifest.sha256).slice(0, 12)}…`);
    }
    return { data, manifest };
}
