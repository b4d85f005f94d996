// Ctrl-C, a dropped SSH session (SIGHUP) or a SIGTERM in the middle of a class. The first
// signal starts no new stack and asks every running operation to cancel gracefully, through
// the Automation API (the engine finishes or stops its steps, saves the state, and lets go of
// the lock); the tool then reports and exits 130. A second signal stops everything at once:
// every process tree the tool started is killed, and the locks this run held are cleared.
import type { Stack } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as os from "os";
import { killTree } from "./processes";
import { started } from "./stacks/automationAdapter";
import { stackLocks } from "./stacks/traineeStack";

export const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
/**
 * A repeat sooner than this is the same interruption: `npm run` forwards the terminal's SIGINT
 * to its child, which under a shell that execs the command is the tool, already signalled.
 */
const SAME_INTERRUPTION_MS = 1000;

export class Interruption {
    private readonly controller = new AbortController();
    /** The operations running now, by trainee; the locks of those that take one are this run's. */
    private readonly running = new Map<string, { stack: Stack; locks: boolean }>();
    private firstAt = 0;

    /**
     * `data`: backup and restore, whose running trainees always finish (in seconds): a restore
     * stopped half-way would leave a trainee's Redis read-only, so no signal stops it at once.
     */
    constructor(private readonly say: (line: string) => void, private readonly kind: "stacks" | "data" = "stacks", private readonly backendUrl = "") {}

    get signal(): AbortSignal {
        return this.controller.signal;
    }

    /** For one trainee: told when its stack's operation starts and ends. */
    tracking(trainee: string): (operation: { stack: Stack; locks: boolean } | undefined) => void {
        return (operation) => (operation ? this.running.set(trainee, operation) : this.running.delete(trainee));
    }

    listen(): void {
        // After a hang-up the terminal is gone: writing to it must not crash the tool mid-cancel.
        for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
        for (const name of SIGNALS) process.on(name, () => this.received(name));
    }

    private received(name: NodeJS.Signals): void {
        if (this.kind === "data") {
            if (!this.controller.signal.aborted) this.controller.abort(name);
            this.say(`class: ${name}: no new trainee starts; those running finish (a restore stopped half-way would leave Redis read-only), in seconds`);
            return;
        }
        if (!this.controller.signal.aborted) {
            this.firstAt = Date.now();
            this.controller.abort(name);
            const names = [...this.running.keys()];
            this.say(`class: ${name}: no new stack starts; ` +
                (names.length > 0 ? `cancelling ${names.join(", ")} gracefully, waiting for each to end` : "none was running") +
                ". Ctrl-C again to stop at once.");
            return;
        }
        if (Date.now() - this.firstAt >= SAME_INTERRUPTION_MS) void this.stopAtOnce(name);
    }

    private async stopAtOnce(name: NodeJS.Signals): Promise<never> {
        const halfUpdated = [...this.running].filter(([, operation]) => operation.locks);
        const killed = new Set(started);
        for (const pid of killed) killTree(pid);
        // Each engine was killed holding its stack's lock: on a file backend, its lock file goes,
        // by name (another run's never does); a backend that hides its locks cancels the update.
        await Promise.all(halfUpdated.map(async ([, { stack }]) => {
            const locks = stackLocks({ stack: stack.name }, this.backendUrl);
            if (locks === undefined) return stack.cancel().catch(() => undefined);
            for (const lock of locks) if (lock.hostname === os.hostname() && killed.has(lock.pid)) fs.rmSync(lock.file, { force: true });
        }));
        this.say(`class: ${name} again: stopped at once; every process the tool started is killed, and this run's locks are cleared.` +
            (halfUpdated.length > 0
                ? ` Maybe half-updated: ${halfUpdated.map(([trainee]) => trainee).join(", ")}; the next \`up\` completes them (it reads back what exists first).`
                : ""));
        process.exit(130);
    }
}
