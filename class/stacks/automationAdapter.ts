// The one place the class tool reaches inside the Pulumi Automation API. Each `pulumi` command
// runs in a session of its own: a Ctrl-C or a hang-up of the trainer's terminal then reaches the
// tool alone, which cancels every operation once, through the Automation API, instead of the
// terminal signalling each CLI as well (a second SIGINT makes the CLI stop at once, lock held).
// The Automation API has no option for that, so this file replaces its `run`, and builds the
// results and errors the API's callers expect with its internal CommandResult and
// createCommandError. Internal means unstable: it checks the version it was written for.
import { spawn } from "child_process";
import { readFileSync } from "fs";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import * as automationCmd from "@pulumi/pulumi/automation/cmd";
import * as automationErrors from "@pulumi/pulumi/automation/errors";

/** The @pulumi/pulumi this adapter was written for: package.json pins it, and an upgrade is checked here first. */
export const WRITTEN_FOR = "3.276.0";

/** Refuses, loudly, any @pulumi/pulumi but the one this adapter was written for. */
export function requireWrittenFor(found: string): void {
    if (found !== WRITTEN_FOR) {
        throw new Error(`class/stacks/automationAdapter.ts was written for @pulumi/pulumi ${WRITTEN_FOR}, and ${found} is installed: ` +
            "it uses the Automation API's internal CommandResult (automation/cmd) and createCommandError (automation/errors), and replaces " +
            "PulumiCommand's run. Check that they keep their signatures in the new version, then set WRITTEN_FOR (docs/architecture.md).");
    }
}
requireWrittenFor(JSON.parse(readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")).version);

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

