// Who holds a stack's lock. A self-managed file backend (`pulumi login --local`, file://...)
// keeps one JSON file per lock, naming the process that took it: a lock whose process is
// gone is dead, and `unlock` may remove that very file; a live one, or one of another
// machine, never is. Other backends keep their locks where this tool cannot see whose
// process holds them.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { processStart, runsPulumi } from "../processes";

export interface StackLock {
    pid: number;
    username: string;
    hostname: string;
    timestamp: string;
}

/** A lock and the file that holds it. */
export interface LockFile extends StackLock {
    file: string;
}

/** Whose a lock is, as far as this machine can tell. */
export type Holder = "live" | "gone" | "elsewhere";

/** The directory a file:// backend keeps its state in, or undefined for any other backend. */
export function fileBackendDir(backendUrl: string): string | undefined {
    if (!backendUrl.startsWith("file://")) return undefined;
    const dir = decodeURIComponent(backendUrl.slice("file://".length));
    return dir === "~" || dir.startsWith("~/") ? path.join(os.homedir(), dir.slice(1)) : dir;
}

/**
 * The locks of `stack` in a file backend's directory: `.pulumi/locks/<organization>/<project>/<stack>/<id>.json`
 * (one organization, `organization`, on a file backend).
 */
export function readLocks(backendDir: string, project: string, stack: string): LockFile[] {
    const locks = path.join(backendDir, ".pulumi", "locks");
    const organizations = fs.existsSync(locks) ? fs.readdirSync(locks) : [];
    return organizations.flatMap((organization) => {
        const dir = path.join(locks, organization, project, stack);
        if (!fs.existsSync(dir)) return [];
        return fs.readdirSync(dir).filter((f) => f.endsWith(".json")).flatMap((f) => {
            const file = path.join(dir, f);
            try {
                return [{ ...JSON.parse(fs.readFileSync(file, "utf8")) as StackLock, file }];
            } catch {
                return []; // released meanwhile
            }
        });
    });
}

/** What this machine knows of a process: whether it runs `pulumi`, and since when. */
export interface ProcessView {
    runsPulumi(pid: number): boolean;
    /** When it started; undefined when it is gone. */
    startedAt(pid: number): Date | undefined;
}

const THIS_MACHINE: ProcessView = { runsPulumi, startedAt: processStart };
/** The start time /proc gives is in clock ticks since a boot time known to the second. */
const START_SLACK_MS = 2000;

/**
 * Whose a lock is. Live only when its pid runs `pulumi` (a binary replaced since is still the
 * same process) and started before the lock was taken: a pid reused by a later process, even
 * another `pulumi`, is not the lock's holder.
 */
export function holder(lock: StackLock, hostname = os.hostname(), processes: ProcessView = THIS_MACHINE): Holder {
    if (lock.hostname !== hostname) return "elsewhere";
    if (!processes.runsPulumi(lock.pid)) return "gone";
    const started = processes.startedAt(lock.pid);
    const taken = Date.parse(lock.timestamp);
    if (started === undefined) return "gone";
    return Number.isNaN(taken) || started.getTime() <= taken + START_SLACK_MS ? "live" : "gone";
}

/** A lock in words: whose process, where, since when. */
export function describeLock(lock: StackLock): string {
    // To the second: Pulumi writes nanoseconds.
    return `pid ${lock.pid} of ${lock.username}@${lock.hostname}, since ${lock.timestamp.replace(/\.\d+(?=Z|[+-]\d\d:\d\d$)/, "")}`;
}
