// Who holds a stack's lock. A self-managed file backend (`pulumi login --local`, file://...)
// keeps one JSON file per lock, naming the process that took it: a lock whose process is
// gone is dead, and `unlock` may clear it; a live one never is. Other backends keep their
// locks where this tool cannot see whose process holds them.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isPulumiRunning } from "./processes";

export interface StackLock {
    pid: number;
    username: string;
    hostname: string;
    timestamp: string;
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
export function readLocks(backendDir: string, project: string, stack: string): StackLock[] {
    const locks = path.join(backendDir, ".pulumi", "locks");
    const organizations = fs.existsSync(locks) ? fs.readdirSync(locks) : [];
    return organizations.flatMap((organization) => {
        const dir = path.join(locks, organization, project, stack);
        if (!fs.existsSync(dir)) return [];
        return fs.readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as StackLock);
    });
}

export function holder(lock: StackLock, hostname = os.hostname(), running: (pid: number) => boolean = isPulumiRunning): Holder {
    if (lock.hostname !== hostname) return "elsewhere";
    return running(lock.pid) ? "live" : "gone";
}

/** A lock in words: whose process, where, since when. */
export function describeLock(lock: StackLock): string {
    // To the second: Pulumi writes nanoseconds.
    return `pid ${lock.pid} of ${lock.username}@${lock.hostname}, since ${lock.timestamp.replace(/\.\d+(?=Z|[+-]\d\d:\d\d$)/, "")}`;
}
