// Where the lab keeps a trainee's progress: Pulumi stack tags (the file backend keeps them too,
// since Pulumi 3.211), one per step done, so that progress survives `pulumi destroy` and the
// deletion of the namespace. A tag is written once, when its step is found done.
import { STEP_IDS, StepId } from "./steps";
import type { Progress, StepRecord } from "./judge";

export const TAG_PREFIX = "monsterstack:lab:";

export function tagName(id: StepId): string {
    return `${TAG_PREFIX}${id}`;
}

/** `2026-12-04T16:38:00Z volume=pvc-… visits=3`: when the step was done, and what it saw. */
export function encodeRecord(record: StepRecord): string {
    return [new Date(record.at).toISOString().replace(/\.\d{3}Z$/, "Z"),
        ...(record.volume !== undefined ? [`volume=${record.volume}`] : []),
        ...(record.visits !== undefined ? [`visits=${record.visits}`] : [])].join(" ");
}

export function decodeRecord(value: string): StepRecord | undefined {
    const [time, ...fields] = value.trim().split(/\s+/);
    const at = Date.parse(time);
    if (Number.isNaN(at)) return undefined;
    const record: StepRecord = { at };
    for (const field of fields) {
        const [key, v] = field.split("=", 2);
        if (key === "volume" && v) record.volume = v;
        if (key === "visits" && /^\d+$/.test(v ?? "")) record.visits = Number(v);
    }
    return record;
}

/** The progress `values` hold under each step's key; a value the lab cannot read counts as not done. */
function progressFrom(values: Record<string, string>, keyOf: (id: StepId) => string): Progress {
    const progress: Progress = {};
    for (const id of STEP_IDS) {
        const value = values[keyOf(id)];
        const record = typeof value === "string" ? decodeRecord(value) : undefined;
        if (record) progress[id] = record;
    }
    return progress;
}

/** The progress the stack's tags hold. */
export function progressFromTags(tags: Record<string, string>): Progress {
    return progressFrom(tags, tagName);
}

/**
 * A trainee's own stack (namespaceOwner class) lives in the trainee's backend, which the trainer
 * cannot read: their lab also reports its progress in this ConfigMap of the class's namespace,
 * one key per step done, where the trainer's `class status` reads it with the trainee's kubeconfig.
 */
export const LAB_REPORT_CONFIGMAP = "monsterstack-lab";

/** The report's data: the records of the steps done, by step id. */
export function reportData(progress: Progress): Record<string, string> {
    const data: Record<string, string> = {};
    for (const id of STEP_IDS) if (progress[id]) data[id] = encodeRecord(progress[id]!);
    return data;
}

/** What a report holds, read as the trainee wrote it: keys that are no step, and values that are no record, are ignored. */
export function progressFromReport(data: Record<string, string> | undefined): Progress {
    return progressFrom(data ?? {}, (id) => id);
}

/**
 * The trainer's summary of a report: the steps done in the exercise's order, and the next one.
 * A step reported done after one that is not counts for nothing, as `npm run lab` would judge it.
 */
export function reportSummary(progress: Progress): { done: number; total: number; next: string | null } {
    const next = STEP_IDS.findIndex((id) => progress[id] === undefined);
    return { done: next < 0 ? STEP_IDS.length : next, total: STEP_IDS.length, next: next < 0 ? null : STEP_IDS[next] };
}

/** The tag that keeps a step done: its name and value. */
export function keepStepRecord(id: StepId, record: StepRecord): [string, string] {
    return [tagName(id), encodeRecord(record)];
}
