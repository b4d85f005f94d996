// What the lab reads of the trainee's stack through the Pulumi CLI, as the trainee would type it:
// its settings, its history, its tags; and the one thing it writes, a tag per step done.
import { execFileSync } from "child_process";
import { CONFIG_NAMESPACE, MonsterstackConfig, parseConfig, projectKeys } from "../config";
import type { StackEvent, StepRecord } from "./judge";
import { keepStepRecord } from "./progress";
import type { StepId } from "./steps";

export class LabStackError extends Error {}

function pulumi(args: string[], stack: string | undefined): string {
    try {
        return execFileSync("pulumi", [...args, ...(stack ? ["--stack", stack] : [])], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
    } catch (err) {
        const e = err as { stderr?: string; code?: string; message: string };
        if (e.code === "ENOENT") throw new LabStackError("no `pulumi` on PATH: source the env file `npm start` names, or install the Pulumi CLI");
        throw new LabStackError(`pulumi ${args.join(" ")}: ${(e.stderr ?? e.message).trim().split("\n").slice(-1)[0]}`);
    }
}

export interface StackView {
    stack: string;
    config: MonsterstackConfig;
    events: StackEvent[];
    tags: Record<string, string>;
}

/** One entry of a stack's history, as `pulumi stack history --json` and the Automation API's history() give it. */
export interface HistoryEntry {
    kind: string;
    result: string;
    startTime: string | Date;
    endTime?: string | Date;
    config?: Record<string, { value?: string }>;
}

/** A stack's history, oldest first, with the settings the lab judges by. */
export function eventsFrom(entries: HistoryEntry[]): StackEvent[] {
    const setting = (e: HistoryEntry, key: string) => e.config?.[`${CONFIG_NAMESPACE}:${key}`]?.value;
    return entries.map((e) => ({
        kind: e.kind, result: e.result,
        start: new Date(e.startTime).getTime(), end: new Date(e.endTime ?? e.startTime).getTime(),
        reclaimPolicy: setting(e, "reclaimPolicy"), context: setting(e, "context"),
    })).sort((a, b) => a.start - b.start);
}

/** `pulumi stack history --json`'s entries. */
export function historyEvents(json: string): StackEvent[] {
    return eventsFrom(JSON.parse(json) as HistoryEntry[]);
}

/** A stack's settings, validated, from `pulumi config --json` or the Automation API's getAllConfig(). */
export function stackConfig(entries: Record<string, { value?: string }>, stack: string): MonsterstackConfig {
    const flat: Record<string, string> = {};
    for (const [key, { value }] of Object.entries(entries)) if (value !== undefined) flat[key] = value;
    return parseConfig(projectKeys(flat), stack);
}

export function readStack(stack: string | undefined): StackView {
    const name = stack ?? pulumi(["stack", "--show-name"], undefined).trim();
    return {
        stack: name,
        config: stackConfig(JSON.parse(pulumi(["config", "--json", "--show-secrets"], name)), name),
        events: historyEvents(pulumi(["stack", "history", "--json"], name)),
        tags: JSON.parse(pulumi(["stack", "tag", "ls", "--json"], name)) as Record<string, string>,
    };
}

export function keepStep(stack: string, id: StepId, record: StepRecord): void {
    pulumi(["stack", "tag", "set", ...keepStepRecord(id, record)], stack);
}
