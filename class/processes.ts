// The processes the class tool starts, and those a lock names. Each `pulumi` command runs in
// a session of its own: a Ctrl-C or a hang-up of the trainer's terminal then reaches the tool
// alone, which cancels every operation once, through the Automation API, instead of the
// terminal signalling each CLI as well (a second SIGINT makes the CLI stop at once, lock held).
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import * as automationCmd from "@pulumi/pulumi/automation/cmd";
import * as automationErrors from "@pulumi/pulumi/automation/errors";
// The Automation API's own result and error types, so that its callers see what they expect
// (ConcurrentUpdateError for a locked stack, ...). Internal to @pulumi/pulumi: its declarations
// leave them out, hence the casts to the shapes used here.
const { CommandResult } = automationCmd as unknown as {
    CommandResult: new (stdout: string, stderr: string, code: number, err?: Error) => object;
};
const { createCommandError } = automationErrors as unknown as {
    createCommandError: (result: object) => Error;
};

/** The `pulumi` processes running now, by pid: each the leader of its own process group. */
export const started = new Set<number>();

type Run = (args: string[], cwd: string, env: Record<string, string>,
    onOutput?: (data: string) => void, onError?: (data: string) => void, signal?: AbortSignal) => Promise<unknown>;

/**
 * Runs one `pulumi` command as the Automation API does (its arguments, environment, output
 * callbacks, and a SIGINT when `signal` aborts), but detached from the terminal.
 */
function detachedRun(command: string): Run {
    return (args, cwd, additionalEnv, onOutput, onError, signal) => new Promise((resolve, reject) => {
        const argv = args.includes("--non-interactive") ? args : [...args, "--non-interactive"];
        const child = spawn(command, argv, {
            cwd, detached: true, stdio: ["ignore", "pipe", "pipe"],
            env: { ...process.env, ...additionalEnv, PULUMI_AUTOMATION_API: "true" },
        });
        let stdout = "", stderr = "";
        child.stdout.on("data", (d: Buffer) => { stdout += d; onOutput?.(d.toString()); });
        child.stderr.on("data", (d: Buffer) => { stderr += d; onError?.(d.toString()); });
        if (child.pid !== undefined) started.add(child.pid);
        const cancel = () => child.kill("SIGINT");
        signal?.addEventListener("abort", cancel, { once: true });
        child.on("error", (err) => {
            reject(createCommandError(new CommandResult("", err.message, -2, err)));
        });
        child.on("close", (code, killedBy) => {
            if (child.pid !== undefined) started.delete(child.pid);
            signal?.removeEventListener("abort", cancel);
            const result = new CommandResult(stdout, stderr, code ?? (killedBy ? 128 : -2));
            if (code === 0) resolve(result); else reject(createCommandError(result));
        });
    });
}

/** The `pulumi` on PATH, as the Automation API finds it, its commands run detached. */
export async function detachedPulumi(): Promise<PulumiCommand> {
    const pulumi = await PulumiCommand.get({ skipVersionCheck: !!process.env.PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK });
    (pulumi as unknown as { run: Run }).run = detachedRun(pulumi.command);
    return pulumi;
}

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
