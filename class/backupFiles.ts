// The trainer's backups on disk: DIR/<trainee>/<UTC time>.rdb, each with a manifest beside it
// (<UTC time>.json), files 0600 in 0700 directories. The data a restore replaces is saved
// first under DIR/<trainee>/before-restore/, which no restore picks unless it is named.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

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

export function manifestPath(rdbFile: string): string {
    return rdbFile.replace(/\.rdb$/, ".json");
}

/** Creates `dir` (and its parents under it) with mode 0700. */
export function privateDir(dir: string): string {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    return dir;
}

/** Writes a file with mode 0600, even where it existed with another mode. */
export function writePrivate(file: string, data: string | Buffer): void {
    fs.writeFileSync(file, data, { mode: 0o600 });
    fs.chmodSync(file, 0o600);
}

export function sha256(data: Buffer): string {
    return createHash("sha256").update(data).digest("hex");
}

/** Saves a snapshot and its manifest in `dir`; returns the snapshot's path. */
export function saveBackup(dir: string, data: Buffer, about: Omit<Manifest, "bytes" | "sha256">): { file: string; manifest: Manifest } {
    privateDir(dir);
    const file = path.join(dir, backupFileName(new Date(about.takenAt)));
    const manifest: Manifest = { ...about, bytes: data.length, sha256: sha256(data) };
    writePrivate(file, data);
    writePrivate(manifestPath(file), JSON.stringify(manifest, null, 2) + "\n");
    return { file, manifest };
}

/**
 * The newest backup of a trainee: the .rdb files directly in DIR/<trainee> (never those under
 * before-restore/), by their manifest's time; undefined when there is none.
 */
export function newestBackup(traineeDir: string): string | undefined {
    if (!fs.existsSync(traineeDir)) return undefined;
    const dated = fs.readdirSync(traineeDir, { withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith(".rdb"))
        .map((e) => path.join(traineeDir, e.name))
        .map((file) => ({ file, takenAt: readManifestTime(file) }))
        .filter((x): x is { file: string; takenAt: string } => x.takenAt !== undefined);
    dated.sort((a, b) => a.takenAt.localeCompare(b.takenAt) || a.file.localeCompare(b.file));
    return dated.at(-1)?.file;
}

function readManifestTime(file: string): string | undefined {
    try {
        return (JSON.parse(fs.readFileSync(manifestPath(file), "utf8")) as Manifest).takenAt;
    } catch {
        return undefined;
    }
}

/**
 * Which file `--at` names: a path as given, else a file of the source trainee's directory, else
 * one of its before-restore/ directory.
 */
export function resolveAt(at: string, traineeDir: string): string {
    const candidates = [at, path.join(traineeDir, at), path.join(traineeDir, BEFORE_RESTORE_DIR, at)];
    const found = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
    if (found === undefined) throw new BackupFileError(`--at ${at}: no such backup (looked for ${candidates.join(", ")})`);
    return found;
}

/** Reads a backup and checks it against its manifest; throws, naming the file, when they differ. */
export function readVerified(file: string): { data: Buffer; manifest: Manifest } {
    let manifest: Manifest;
    try {
        manifest = JSON.parse(fs.readFileSync(manifestPath(file), "utf8"));
    } catch (err) {
        throw new BackupFileError(`${file}: its manifest ${manifestPath(file)} is missing or unreadable (${(err as Error).message}), so the file cannot be checked`);
    }
    const data = fs.readFileSync(file);
    const actual = sha256(data);
    if (data.length !== manifest.bytes || actual !== manifest.sha256) {
        throw new BackupFileError(`${file} is truncated or corrupt: ${data.length} bytes with sha256 ${actual.slice(0, 12)}…, ` +
            `its manifest says ${manifest.bytes} bytes with sha256 ${String(manifest.sha256).slice(0, 12)}…`);
    }
    return { data, manifest };
}
