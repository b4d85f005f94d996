// What the lab reads of the trainee's stack through the Pulumi CLI, as the trainee would type it:
// its settings, its history, its tags; and the one thing it writes, a tag per step done.
import { execFileSync } from "child_process";
import { parseConfig, CONFIG_NAMESPACE, MonsterstackConfig, RawConfig } from "../config";
import type { StackEvent } from "./judge";
import { keepStepRecord } from "./progress";
import type { StepRecord } from "./judge";
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

export function readStack(stack: string | undefined): StackView {
    const name = stack ?? pulumi(["stack", "--show-name"], undefined).trim();
    const all = JSON.parse(pulumi(["config", "--json", "--show-secrets"], name)) as Record<string, { value?: string }>;
    const raw: RawConfig = {};
    for (const [key, entry] of Object.entries(all)) {
        if (key.startsWith(`${CONFIG_NAMESPACE}:`) && entry.value !== undefined) raw[key.slice(CONFIG_NAMESPACE.length + 1)] = entry.value;
    }
    return {
        stack: name,
        config: parseConfig(raw, name),
        events: historyEvents(pulumi(["stack", "history", "--json"], name)),
        tags: JSON.parse(pulumi(["stack", "tag", "ls", "--json"], name)) as Record<string, string>,
    };
}

export function keepStep(stack: string, id: StepId, record: StepRecord): void {
    pulumi(["stack", "tag", "set", ...keepStepRecord(id, record)], stack);
}
