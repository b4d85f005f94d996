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

/** The class table's LAB cell: steps done out of all, the next one, and whence the trainer knows. */
export interface LabSummary {
    done: number;
    total: number;
    next: string | null;
    /** stack: judged now from the stack the trainer runs; report: as the trainee's own lab reported it in the namespace. */
    from: "stack" | "report";
}

export function labSummary(j: Judgement): LabSummary {
    return { done: j.steps.filter((s) => s.status === "done").length, total: j.steps.length, next: j.steps.find((s) => s.status === "next")?.id ?? null, from: "stack" };
}

/**
 * How the trainer's `class status` sees a trainee's lab, with the trainee's own rights wherever the
 * stack made them a kubeconfig (tenancy on or only), so a namespace is read as its trainee may:
 * - the trainer's stack holds the app: judged from its history and the cluster, as `npm run lab` would;
 * - `tenancy: only`: the app is the trainee's own stack, whose history the trainer cannot read: the
 *   progress the trainee's lab reported in the namespace (lab/classReport.ts).
 */
export function trainerView(config: MonsterstackConfig, traineeKubeconfig: string | undefined): { from: LabSummary["from"]; settings: MonsterstackConfig } {
    const asTrainee = traineeKubeconfig === undefined ? config : { ...config, kubeconfig: traineeKubeconfig, kubeContext: undefined };
    if (config.tenancy === "only") {
        if (traineeKubeconfig === undefined) throw new Error(`stack ${config.namespace}: tenancy only but no traineeKubeconfig output: run \`npm run class -- up\` first`);
        return { from: "report", settings: asTrainee };
    }
    return { from: "stack", settings: asTrainee };
}
