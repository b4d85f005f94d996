// The processes the class tool starts, and those a lock names, read from /proc: a command's
// process tree, killed as a crash would; whether a pid runs `pulumi`, and since when.
import * as fs from "fs";
import * as path from "path";
/** Every process's parent, read from /proc. */
function parents(): Map<number, number> {
    const parentOf = new Map<number, number>();
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ")".
            const stat = fs.readFileSync(path.join("/proc", entry, "stat"), "utf8");
            parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
        } catch {
            // gone meanwhile
        }
    }
    return parentOf;
}

/** `pid` and every process below it. */
export function processTree(pid: number): number[] {
    const parentOf = parents();
    const tree = [pid];
    for (let i = 0; i < tree.length; i++) {
        for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
    }
    return tree;
}

/**
 * Kills a command as a crash would (SIGKILL), with every process it started. The Pulumi CLI
 * starts its plugins in process groups of their own, so killing its group alone leaves them
 * running; the group is frozen first, so that nothing new starts while its tree is read.
 */
export function killTree(pid: number): void {
    try { process.kill(-pid, "SIGSTOP"); } catch { /* not a group leader, or gone */ }
    for (const p of processTree(pid)) {
        try { process.kill(p, "SIGKILL"); } catch { /* already gone */ }
    }
    try { process.kill(-pid, "SIGKILL"); } catch { /* the whole group is gone */ }
}

/**
 * Whether `pid` runs a `pulumi` command on this machine now (a recycled pid of anything else
 * does not count). A binary replaced while it runs (an upgrade) reads "pulumi (deleted)".
 */
export function runsPulumi(pid: number): boolean {
    try {
        return path.basename(fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, "")) === "pulumi";
    } catch (err) {
        // Someone else's process: /proc does not let us read where it runs from, but it exists.
        return (err as NodeJS.ErrnoException).code === "EACCES" && fs.existsSync(`/proc/${pid}`);
    }
}

/** Linux reports process start times in USER_HZ ticks, 100 a second on every architecture. */
const TICKS_PER_SECOND = 100;

/** When `pid` started, from /proc (its start in ticks after boot, and the boot time); undefined when it is gone. */
export function processStart(pid: number): Date | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        // Field 22; the fields after the command name, which may hold spaces, start at field 3.
        const ticks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
        const boot = Number(/^btime (\d+)$/m.exec(fs.readFileSync("/proc/stat", "utf8"))?.[1]);
        return new Date(boot * 1000 + (ticks * 1000) / TICKS_PER_SECOND);
    } catch {
        return undefined;
    }
}
