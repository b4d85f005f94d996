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

/** The progress the stack's tags hold; a tag the lab cannot read counts as not done. */
export function progressFromTags(tags: Record<string, string>): Progress {
    const progress: Progress = {};
    for (const id of STEP_IDS) {
        const value = tags[tagName(id)];
        const record = value === undefined ? undefined : decodeRecord(value);
        if (record) progress[id] = record;
    }
    return progress;
}

/** The tag that keeps a step done: its name and value. */
export function keepStepRecord(id: StepId, record: StepRecord): [string, string] {
    return [tagName(id), encodeRecord(record)];
}
