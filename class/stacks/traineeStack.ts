// One trainee's stack, driven through the Pulumi Automation API on this project's own
// directory: the same program, on whatever backend the user is logged in to.
import { ConcurrentUpdateError, EngineEvent, LocalWorkspace, OutputMap, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import * as path from "path";
import { spawn } from "child_process";
import * as fs from "fs";
import { describeLock, fileBackendDir, Holder, holder, LockFile, readLocks, StackLock } from "./locks";
import { detachedPulumi } from "./automationAdapter";
import { PROJECT } from "../../config";
import type { NetworkIsolation } from "./isolationProbe";
import type { Trainee } from "../roster";
import { assess, LabSummary, labSummary, trainerView } from "../../lab/assess";
import { keepStepRecord, LAB_REPORT_CONFIGMAP, progressFromReport, reportSummary } from "../../lab/progress";
import { readLabReport } from "../../clusterReads/lab";
import { eventsFrom, stackConfig } from "../../lab/stack";

/** The project's directory, the one holding Pulumi.yaml: above class/stacks/, or above bin/class/stacks/ once compiled. */
export const PROJECT_DIR = projectDirAbove(__dirname);

function projectDirAbove(dir: string): string {
    for (let d = dir; ; d = path.dirname(d)) {
        if (fs.existsSync(path.join(d, "Pulumi.yaml"))) return d;
        if (path.dirname(d) === d) throw new Error(`no Pulumi.yaml above ${dir}: the class tool runs from the project's directory or its bin/`);
    }
}

export type Command = "up" | "preview" | "status" | "down" | "unlock";

/** The project's name: where a file backend keeps the stacks' locks. */
export { PROJECT };

export interface Progress {
    stage: string;
    /** Resources done so far; none for a command that registers no resource (backup, restore). */
    resources?: number;
}

export interface Outcome {
    trainee: string;
    stack: string;
    namespace: string;
    frontendUrl?: string;
    dataVolume?: string;
    reclaimPolicy?: string;
    /** The stack's id (StackId), from its outputs; for down, read before the destroy, which takes them. */
    stackId?: string;
    /** What the run changed or plans to change, e.g. "2 to update, 21 unchanged". */
    changes?: string;
    /** `cancelled`: stopped by a signal to the tool, before or while its operation ran. */
    status: "ok" | "failed" | "cancelled";
    error?: string;
    /** The trainee's kubeconfig (tenancy on), written by the caller; never printed. */
    kubeconfigText?: string;
    /** Whether trainees' pods can reach each other's Redis, measured by up and status (tenancy on). */
    networkIsolation?: NetworkIsolation;
    /** status: the trainee's progress in the lab (npm run lab), or why it could not be judged. */
    lab?: LabSummary | { error: string };
}

/**
 * `pulumi stack select` rewrites the workspace's current stack, and concurrent selections
 * corrupt it (pulumi/pulumi#8186, #6287): selection and config go one at a time, and every
 * operation after that names its stack explicitly (the Automation API passes --stack).
 */
let selecting: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(f: () => Promise<T>): Promise<T> {
    const next = selecting.then(f, f);
    selecting = next.catch(() => undefined);
    return next;
}

/** Found once per run: finding it runs `pulumi version`. */
let foundPulumi: Promise<PulumiCommand> | undefined;
function pulumiCommand(): Promise<PulumiCommand> {
    foundPulumi ??= detachedPulumi();
    return foundPulumi;
}

let workspace: Promise<LocalWorkspace> | undefined;
function projectWorkspace(): Promise<LocalWorkspace> {
    workspace ??= pulumiCommand().then((cmd) => LocalWorkspace.create({ workDir: PROJECT_DIR, pulumiCommand: cmd }));
    return workspace;
}

/** The class's own workspace: its folder (classFolder.ts) holds the trainees' stack settings. */
const classWorkspaces = new Map<string, Promise<LocalWorkspace>>();
function classWorkspace(folder: string): Promise<LocalWorkspace> {
    if (!classWorkspaces.has(folder)) classWorkspaces.set(folder, pulumiCommand().then((cmd) => LocalWorkspace.create({ workDir: folder, pulumiCommand: cmd })));
    return classWorkspaces.get(folder)!;
}

/** A kubeconfig given by value (its contents, not a path): a credential, kept as a secret. */
export function isKubeconfigContents(value: string): boolean {
    return value.includes("\n") || /^\s*\{/.test(value) || /apiVersion\s*:/.test(value);
}

/**
 * The stack's settings as `pulumi config set-all` takes them on its command line, and the
 * secrets that must not go there (they go through stdin, `setSecret`).
 */
export function stackSettings(config: Record<string, string>): { plain: Record<string, string>; secret: Record<string, string> } {
    const plain: Record<string, string> = {};
    const secret: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
        (key === "kubeconfig" && isKubeconfigContents(value) ? secret : plain)[`monsterstack:${key}`] = value;
    }
    return { plain, secret };
}

/** `pulumi config set --secret KEY` with the value on stdin: never on a command line, encrypted in the settings file. */
function setSecret(ws: LocalWorkspace, stack: string, key: string, value: string): Promise<void> {
    const command = ws.pulumiCommand.command;
    return new Promise((resolve, reject) => {
        const child = spawn(command, ["config", "set", key, "--secret", "--stack", stack, "--non-interactive"], {
            cwd: ws.workDir, stdio: ["pipe", "ignore", "pipe"], env: { ...process.env, ...ws.envVars },
        });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => { stderr += d; });
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`pulumi config set --secret ${key} failed: ${stderr.trim()}`))));
        child.stdin.end(value);
    });
}

/**
 * Why no stack could open its secrets, or undefined: a self-managed backend (`pulumi login
 * --local`, s3://, ...) keeps them under a passphrase that the Automation API cannot ask for,
 * so without one every trainee would fail alike; Pulumi Cloud (https://) needs none.
 */
export function missingPassphrase(backendUrl: string, env: NodeJS.ProcessEnv): string | undefined {
    if (backendUrl.startsWith("https://")) return undefined;
    if (env.PULUMI_CONFIG_PASSPHRASE !== undefined || env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined) return undefined;
    return `the backend ${backendUrl} keeps each stack's secrets under a passphrase, and the class tool cannot ask for it: ` +
        "export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE), the one for the whole class, then run this again";
}

/** The backend `pulumi login` chose, as a URL (file://~, s3://..., https://api.pulumi.com). */
export async function backendUrl(): Promise<string> {
    return (await (await projectWorkspace()).whoAmI()).url ?? "";
}

async function stackFor(trainee: Trainee, command: Command, classFolder: string): Promise<Stack> {
    const ws = await classWorkspace(classFolder);
    return oneAtATime(async () => {
        const stack = command === "up" ? await Stack.createOrSelect(trainee.stack, ws) : await Stack.select(trainee.stack, ws);
        if (command === "up" || command === "preview") {
            const { plain, secret } = stackSettings(trainee.config);
            await stack.setAllConfig(Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, { value: v }])));
            for (const [key, value] of Object.entries(secret)) await setSecret(ws, trainee.stack, key, value);
        }
        return stack;
    });
}

/** "2 update, 21 unchanged": the steps that change something, then the unchanged count; reads change nothing. */
export function summary(changes: Record<string, number> | undefined): string {
    const parts = Object.entries(changes ?? {})
        .filter(([op, n]) => n > 0 && op !== "read" && op !== "refresh")
        .map(([op, n]) => `${n} ${op === "same" ? "unchanged" : op}`);
    return parts.join(", ") || "no change";
}

/**
 * Why a stack is locked, and the way out, from whose process holds its locks: undefined when
 * the backend keeps them where this tool cannot look (anything but file://).
 */
export function lockedMessage(stack: string, locks: Array<StackLock & { holder: Holder }> | undefined, unlockCommand: string): string {
    if (locks === undefined) return `locked: another update of this stack is running (not retried); if none is, \`pulumi cancel --stack ${stack}\` clears the lock`;
    const live = locks.find((l) => l.holder === "live");
    if (live) return `locked: another update of this stack is running (${describeLock(live)}), not retried`;
    const elsewhere = locks.find((l) => l.holder === "elsewhere");
    if (elsewhere) return `locked by a run on another machine (${describeLock(elsewhere)}): look there; once it is gone, \`pulumi cancel --stack ${stack}\` clears the lock`;
    if (locks.length === 0) return "locked: another update of this stack was running (not retried)";
    return `locked by a run that is gone (${locks.map(describeLock).join("; ")}): \`${unlockCommand}\` clears its lock`;
}

/** A lock file and whose it is. */
export type HeldLock = LockFile & { holder: Holder };

/** The locks of a trainee's stack and their holders, or undefined where the backend does not say. */
export function stackLocks(trainee: Pick<Trainee, "stack">, backendUrl: string): HeldLock[] | undefined {
    const dir = fileBackendDir(backendUrl);
    return dir === undefined ? undefined : readLocks(dir, PROJECT, trainee.stack).map((l) => ({ ...l, holder: holder(l) }));
}

/** The first line of an error, without the CLI's stack of wrappers. */
export function firstLine(err: unknown): string {
    const text = String((err as Error)?.message ?? err);
    const diagnostic = /error: (.+)/.exec(text)?.[1];
    return (diagnostic ?? text.split("\n").find((l) => l.trim() !== "") ?? "failed").trim();
}

/**
 * A resource finished by the operation itself. The refresh that `refresh: always` runs first
 * also reports every resource: counted, a destroy of 36 resources read "72 done".
 */
export function isResourceDone(event: EngineEvent): boolean {
    return event.resOutputsEvent !== undefined && event.resOutputsEvent.metadata.op !== "refresh";
}

/** An output's value, unless it only explains why there is none ("(none: tenancy only ...)"). */
function applicable(value: unknown): string | undefined {
    return typeof value === "string" && !value.startsWith("(none") ? value : undefined;
}

function outcomeOf(trainee: Trainee): Outcome {
    return { trainee: trainee.stack, stack: trainee.stack, namespace: trainee.parsed.namespace, status: "ok" };
}

/** A trainee failed before their stack was touched. */
export function refusedOutcome(trainee: Trainee, error: string): Outcome {
    return { ...outcomeOf(trainee), status: "failed", error };
}

/** What a run of the class gives each trainee's operation. */
export interface RunContext {
    /** Aborted by the first SIGINT, SIGTERM or SIGHUP: no operation starts, those running are cancelled. */
    signal: AbortSignal;
    /** The backend `pulumi login` chose, to read who holds a stack's lock. */
    backendUrl: string;
    /** The command that clears this roster's dead locks, for the messages. */
    unlockCommand: string;
    /** The class's folder, holding its trainees' stack settings (classFolder.ts). */
    classFolder: string;
    /** Told when the stack's operation starts (and whether it takes the stack's lock: a preview does not), and when it ends. */
    onRunning?: (operation: { stack: Stack; locks: boolean } | undefined) => void;
}

/** A trainee's operation stopped by a signal, before it began or while it ran. */
function cancelled(base: Outcome, signal: AbortSignal): Outcome {
    return { ...base, status: "cancelled", error: `by ${String(signal.reason)}` };
}

/**
 * `unlock`: removes the lock files of runs that are gone, each by name, and nothing else: a
 * live run's lock, one taken meanwhile, or one of another machine stays.
 */
function unlock(trainee: Trainee, context: RunContext, base: Outcome): Outcome {
    const locks = stackLocks(trainee, context.backendUrl);
    if (locks === undefined) {
        return { ...base, status: "failed", error: `the backend ${context.backendUrl} keeps its locks where this tool cannot see whose process holds them; if no update runs, \`pulumi cancel --stack ${trainee.stack}\`` };
    }
    if (locks.length === 0) return { ...base, changes: "not locked" };
    const dead = locks.filter((l) => l.holder === "gone");
    for (const lock of dead) fs.rmSync(lock.file, { force: true });
    const kept = locks.filter((l) => l.holder !== "gone");
    const cleared = dead.length > 0 ? `unlocked: the lock of ${dead.map(describeLock).join("; ")}, whose run is gone` : "";
    if (kept.length > 0) return { ...base, status: "failed", changes: cleared || undefined, error: `${cleared ? `${cleared}; ` : ""}not unlocked: ${lockedMessage(trainee.stack, kept, context.unlockCommand)}` };
    return { ...base, changes: cleared };
}

/** Runs `command` for one trainee; never throws: a failure is this trainee's outcome only. */
export async function runTrainee(trainee: Trainee, command: Command, context: RunContext, onProgress: (p: Progress) => void): Promise<Outcome> {
    const base = outcomeOf(trainee);
    const { signal } = context;
    let resources = 0;
    const onEvent = (stage: string) => (event: EngineEvent) => {
        if (isResourceDone(event)) onProgress({ stage, resources: ++resources });
    };
    // The operation itself; a signal before it starts cancels it.
    const running = async <T>(stack: Stack, stage: string, operation: () => Promise<T>): Promise<T> => {
        if (signal.aborted) throw signal.reason;
        onProgress({ stage, resources });
        context.onRunning?.({ stack, locks: command !== "preview" });
        try {
            return await operation();
        } finally {
            context.onRunning?.(undefined);
        }
    };
    try {
        if (signal.aborted) return cancelled(base, signal);
        if (command === "unlock") {
            const outcome = unlock(trainee, context, base);
            onProgress({ stage: outcome.status === "ok" ? "done" : "failed", resources });
            return outcome;
        }
        onProgress({ stage: "selecting", resources });
        const stack = await stackFor(trainee, command, context.classFolder);
        // Each `pulumi` command that decrypts (--show-secrets) first derives the passphrase's key, about
        // 0.2 s of CPU: the summaries are read without it, and up's outputs are the ones up() read.
        let outputs: OutputMap | undefined;
        if (command === "up") {
            const result = await running(stack, "updating", () => stack.up({ onEvent: onEvent("updating"), signal, showSecrets: false }));
            base.changes = summary(result.summary.resourceChanges);
            outputs = result.outputs;
        } else if (command === "preview") {
            const result = await running(stack, "previewing", () => stack.preview({ onEvent: onEvent("previewing"), signal }));
            base.changes = summary(result.changeSummary);
        } else if (command === "down") {
            const before = await stack.outputs();
            base.reclaimPolicy = applicable(before.reclaimPolicy?.value);
            base.dataVolume = applicable(before.dataVolume?.value);
            base.stackId = applicable(before.stackId?.value);
            const result = await running(stack, "destroying", () => stack.destroy({ onEvent: onEvent("destroying"), signal, showSecrets: false }));
            base.changes = summary(result.summary.resourceChanges);
            onProgress({ stage: "done", resources });
            return base;
        } else {
            // status: a dead lock would fail the next up; say so now.
            const locks = stackLocks(trainee, context.backendUrl);
            if (locks?.some((l) => l.holder === "gone")) {
                onProgress({ stage: "failed", resources });
                return { ...base, status: "failed", error: lockedMessage(trainee.stack, locks, context.unlockCommand) };
            }
        }
        outputs ??= await stack.outputs();
        base.stackId = applicable(outputs.stackId?.value);
        base.frontendUrl = applicable(outputs.frontendUrl?.value);
        base.dataVolume = applicable(outputs.dataVolume?.value);
        base.reclaimPolicy = applicable(outputs.reclaimPolicy?.value);
        if (outputs.traineeKubeconfig?.secret) base.kubeconfigText = outputs.traineeKubeconfig.value;
        if (command === "status") base.lab = await labOf(stack, base.kubeconfigText);
        onProgress({ stage: "done", resources });
        return base;
    } catch (err) {
        if (signal.aborted) {
            onProgress({ stage: "cancelled", resources });
            return cancelled(base, signal);
        }
        onProgress({ stage: "failed", resources });
        const error = err instanceof ConcurrentUpdateError
            ? lockedMessage(trainee.stack, stackLocks(trainee, context.backendUrl), context.unlockCommand) : firstLine(err);
        return { ...base, status: "failed", error };
    }
}

/**
 * The trainee's lab, as lab/assess.ts's trainerView says: judged as `npm run lab` judges it, with
 * the stack's own settings, history and tags (steps found done are kept), or, for a trainee's own
 * stack, as their lab reported it; in both, the namespace is read with the trainee's kubeconfig.
 */
async function labOf(stack: Stack, traineeKubeconfig: string | undefined): Promise<Outcome["lab"]> {
    try {
        // The stack's own settings, as its last `up` ran with them (the roster and --config of a status may say less).
        const view = trainerView(stackConfig(await stack.getAllConfig(), stack.name), traineeKubeconfig);
        if (view.from === "report") return { ...reportSummary(progressFromReport(await readLabReport(view.settings, LAB_REPORT_CONFIGMAP))), from: "report" };
        const { judgement } = await assess(view.settings, eventsFrom(await stack.history(undefined, undefined, false)), await stack.listTags(), "en");
        for (const { id, record } of judgement.newlyDone) await stack.setTag(...keepStepRecord(id, record));
        return labSummary(judgement);
    } catch (err) {
        return { error: firstLine(err) };
    }
}
