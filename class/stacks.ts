// One trainee's stack, driven through the Pulumi Automation API on this project's own
// directory: the same program, on whatever backend the user is logged in to.
import { ConcurrentUpdateError, EngineEvent, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import * as path from "path";
import type { Trainee } from "./roster";

export const PROJECT_DIR = path.join(__dirname, "..");

export type Command = "up" | "preview" | "status" | "down";

export interface Progress {
    stage: string;
    resources: number;
}

export interface Outcome {
    trainee: string;
    stack: string;
    namespace: string;
    frontendUrl?: string;
    dataVolume?: string;
    reclaimPolicy?: string;
    /** What the run changed or plans to change, e.g. "2 to update, 21 unchanged". */
    changes?: string;
    status: "ok" | "failed";
    error?: string;
    /** The trainee's kubeconfig (tenancy on), written by the caller; never printed. */
    kubeconfigText?: string;
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

let workspace: Promise<LocalWorkspace> | undefined;
function projectWorkspace(): Promise<LocalWorkspace> {
    workspace ??= LocalWorkspace.create({ workDir: PROJECT_DIR });
    return workspace;
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

async function stackFor(trainee: Trainee, command: Command): Promise<Stack> {
    const ws = await projectWorkspace();
    return oneAtATime(async () => {
        const stack = command === "up" ? await Stack.createOrSelect(trainee.stack, ws) : await Stack.select(trainee.stack, ws);
        if (command === "up" || command === "preview") {
            await stack.setAllConfig(Object.fromEntries(Object.entries(trainee.config).map(([k, v]) => [`monsterstack:${k}`, { value: v }])));
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

/** The first line of an error, without the CLI's stack of wrappers. */
export function firstLine(err: unknown): string {
    if (err instanceof ConcurrentUpdateError) return "locked: another update of this stack is running (not retried; `pulumi cancel` clears a dead lock)";
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

/** Runs `command` for one trainee; never throws: a failure is this trainee's outcome only. */
export async function runTrainee(trainee: Trainee, command: Command, onProgress: (p: Progress) => void): Promise<Outcome> {
    const base = outcomeOf(trainee);
    let resources = 0;
    const onEvent = (stage: string) => (event: EngineEvent) => {
        if (isResourceDone(event)) onProgress({ stage, resources: ++resources });
    };
    try {
        onProgress({ stage: "selecting", resources });
        const stack = await stackFor(trainee, command);
        if (command === "up") {
            onProgress({ stage: "updating", resources });
            const result = await stack.up({ onEvent: onEvent("updating") });
            base.changes = summary(result.summary.resourceChanges);
        } else if (command === "preview") {
            onProgress({ stage: "previewing", resources });
            const result = await stack.preview({ onEvent: onEvent("previewing") });
            base.changes = summary(result.changeSummary);
        } else if (command === "down") {
            const before = await stack.outputs();
            base.reclaimPolicy = applicable(before.reclaimPolicy?.value);
            base.dataVolume = applicable(before.dataVolume?.value);
            onProgress({ stage: "destroying", resources });
            const result = await stack.destroy({ onEvent: onEvent("destroying") });
            base.changes = summary(result.summary.resourceChanges);
            onProgress({ stage: "done", resources });
            return base;
        }
        const outputs = await stack.outputs();
        base.frontendUrl = applicable(outputs.frontendUrl?.value);
        base.dataVolume = applicable(outputs.dataVolume?.value);
        base.reclaimPolicy = applicable(outputs.reclaimPolicy?.value);
        if (outputs.traineeKubeconfig?.secret) base.kubeconfigText = outputs.traineeKubeconfig.value;
        onProgress({ stage: "done", resources });
        return base;
    } catch (err) {
        onProgress({ stage: "failed", resources });
        return { ...base, status: "failed", error: firstLine(err) };
    }
}

/** Runs `task` over `items`, at most `parallel` at once, in order of the items. */
export async function pool<T, R>(items: T[], parallel: number, task: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const i = next++;
            results[i] = await task(items[i]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
    return results;
}
