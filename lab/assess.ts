// One judgement of a stack's exercise, from its settings, history and tags and the live cluster:
// what `npm run lab` shows and `npm run class -- status` sums up.
import { readLabCluster } from "../clusterReads/lab";
import type { MonsterstackConfig } from "../config";
import { judge, Judgement, Observed, Progress, StackEvent } from "./judge";
import { progressFromTags } from "./progress";
import type { Lang } from "./steps";

export interface Assessment {
    judgement: Judgement;
    /** The progress the tags held before this judgement. */
    before: Progress;
}

export async function assess(config: MonsterstackConfig, events: StackEvent[], tags: Record<string, string>, lang: Lang): Promise<Assessment> {
    const cluster = await readLabCluster(config);
    const observed: Observed = { ...cluster, events, reclaimPolicy: config.reclaimPolicy, context: config.context };
    const before = progressFromTags(tags);
    return { judgement: judge(observed, before, lang), before };
}

/** The class table's LAB cell: steps done out of all, and the next one. */
export function labSummary(j: Judgement): { done: number; total: number; next: string | null } {
    return { done: j.steps.filter((s) => s.status === "done").length, total: j.steps.length, next: j.steps.find((s) => s.status === "next")?.id ?? null };
}
