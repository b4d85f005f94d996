// Judging the exercise: a pure function of what was observed (the stack's history and
// settings, the live cluster) and of the steps already done. Steps are judged in order, each
// only on evidence newer than the step before it, so nothing is done early or by a shortcut:
// a plain `pulumi up` recreates no workload, a destroy under Retain deletes no volume.
import type { LabClusterView } from "../clusterReads/lab";
import { Lang, STEP_IDS, StepId, STEPS } from "./steps";

/** One operation of the stack's history (`pulumi stack history`), times in ms. */
export interface StackEvent {
    kind: string;
    result: string;
    start: number;
    end: number;
    /** The settings the operation ran with; undefined: the default. */
    reclaimPolicy?: string;
    context?: string;
}

export const WORKLOADS = ["redis", "frontend", "imagebackend"] as const;
export type WorkloadName = typeof WORKLOADS[number];

/** What the lab judges by: the live cluster (clusterReads/lab.ts), and the stack's history and settings. */
export interface Observed extends LabClusterView {
    /** The stack's operations, oldest first. */
    events: StackEvent[];
    /** The stack's current settings. */
    reclaimPolicy: string;
    context: string;
}

/** What the lab keeps of a step once done (Pulumi stack tags): when, and what it saw then. */
export interface StepRecord {
    at: number;
    volume?: string;
    visits?: number;
}
export type Progress = Partial<Record<StepId, StepRecord>>;

export type Status = "done" | "next" | "todo";
export interface StepStatus {
    id: StepId;
    title: string;
    status: Status;
    detail: string;
}

export interface Judgement {
    steps: StepStatus[];
    /** Steps found done by this judgement, to be kept. */
    newlyDone: Array<{ id: StepId; record: StepRecord }>;
}

/** Clock skew allowed between the API server's timestamps and Pulumi's history (whole seconds both). */
const SKEW_MS = 2_000;

type Check = { done: true; record: StepRecord; detail: string } | { done: false; missing: string };

const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const ok = (e: StackEvent) => e.result === "succeeded";

function say(lang: Lang, fr: string, en: string): string {
    return lang === "fr" ? fr : en;
}

/** The first successful `kind` operation starting at or after `since`. */
function firstAfter(events: StackEvent[], kind: string, since: number): StackEvent | undefined {
    return events.find((e) => e.kind === kind && ok(e) && e.start >= since - SKEW_MS);
}

function deploy(o: Observed, lang: Lang): Check {
    const update = [...o.events].reverse().find((e) => e.kind === "update" && ok(e));
    if (!update) return { done: false, missing: say(lang, "aucun `pulumi up` réussi pour cette pile", "no successful `pulumi up` of this stack") };
    const absent = WORKLOADS.filter((w) => !o.workloads[w]?.ready);
    if (absent.length > 0) return { done: false, missing: say(lang, `pas prêt : ${absent.join(", ")}`, `not ready: ${absent.join(", ")}`) };
    if (!o.frontendAnswers) return { done: false, missing: say(lang, "le frontend ne répond pas (aucun endpoint prêt)", "the frontend does not answer (no ready endpoint)") };
    if (!o.volume) return { done: false, missing: say(lang, "le PVC redis-data n'est lié à aucun volume", "the claim redis-data is bound to no volume") };
    if (!o.visits) return { done: false, missing: say(lang, "aucune visite comptée : ouvrez la page", "no visit counted yet: open the page") };
    return { done: true, record: { at: update.end, volume: o.volume.name, visits: o.visits }, detail: say(lang, `${o.visits} visite(s), volume ${o.volume.name}`, `${o.visits} visit(s), volume ${o.volume.name}`) };
}

function deleteWorkloads(o: Observed, prev: StepRecord, lang: Lang): Check {
    const times = WORKLOADS.map((w) => o.workloads[w]?.created);
    if (times.some((t) => t === undefined)) return { done: false, missing: say(lang, "les trois déploiements ne sont pas tous là : `pulumi up`", "not all three workloads exist: `pulumi up`") };
    const old = WORKLOADS.filter((_, i) => times[i]! < prev.at - SKEW_MS);
    if (old.length > 0) {
        return { done: false, missing: say(lang, `${old.join(", ")} date(nt) d'avant l'étape précédente : supprimez les trois déploiements à la main, puis \`pulumi up\` (un \`pulumi up\` seul ne compte pas)`,
            `${old.join(", ")} predate(s) the previous step: delete the three workloads by hand, then \`pulumi up\` (a plain \`pulumi up\` does not count)`) };
    }
    const update = o.events.find((e) => e.kind === "update" && ok(e) && e.start >= prev.at - SKEW_MS && times.every((t) => t! >= e.start - SKEW_MS && t! <= e.end + SKEW_MS));
    if (!update) return { done: false, missing: say(lang, "les déploiements n'ont pas été recréés par un `pulumi up`", "the workloads were not brought back by a `pulumi up`") };
    if (!o.volume || o.volume.name !== prev.volume) return { done: false, missing: say(lang, `le volume a changé (${prev.volume} → ${o.volume?.name ?? "aucun"}) : ce n'est pas l'étape`, `the volume changed (${prev.volume} → ${o.volume?.name ?? "none"}): not this step`) };
    if (o.visits === undefined || (prev.visits !== undefined && o.visits < prev.visits)) {
        return { done: false, missing: say(lang, `le compteur (${o.visits ?? "illisible"}) n'a pas continué depuis ${prev.visits}`, `the counter (${o.visits ?? "unreadable"}) did not carry on from ${prev.visits}`) };
    }
    return { done: true, record: { at: update.end, volume: o.volume.name, visits: o.visits }, detail: say(lang, `recréés à ${at(update.end)}, même volume, compteur ${prev.visits} → ${o.visits}`, `brought back at ${at(update.end)}, same volume, counter ${prev.visits} → ${o.visits}`) };
}

function destroyThenUp(o: Observed, prev: StepRecord, policy: "Delete" | "Retain", lang: Lang): { destroy: StackEvent; update: StackEvent } | string {
    const destroys = o.events.filter((e) => e.kind === "destroy" && ok(e) && e.start >= prev.at - SKEW_MS);
    const destroy = destroys.find((e) => (e.reclaimPolicy ?? "Delete") === policy);
    if (!destroy) {
        return destroys.length > 0
            ? say(lang, `\`pulumi destroy\` a tourné avec reclaimPolicy ${destroys[0].reclaimPolicy ?? "Delete"} : pour cette étape, reclaimPolicy ${policy}, puis \`pulumi destroy\``,
                `\`pulumi destroy\` ran with reclaimPolicy ${destroys[0].reclaimPolicy ?? "Delete"}: this step wants reclaimPolicy ${policy}, then \`pulumi destroy\``)
            : say(lang, `pas encore de \`pulumi destroy\` (avec reclaimPolicy ${policy}) depuis l'étape précédente`, `no \`pulumi destroy\` (with reclaimPolicy ${policy}) since the previous step yet`);
    }
    const update = firstAfter(o.events, "update", destroy.end);
    if (!update) return say(lang, "`pulumi destroy` fait ; maintenant `pulumi up`", "`pulumi destroy` done; now `pulumi up`");
    return { destroy, update };
}

function deleteEverything(o: Observed, prev: StepRecord, lang: Lang): Check {
    const ran = destroyThenUp(o, prev, "Delete", lang);
    if (typeof ran === "string") return { done: false, missing: ran };
    if (!o.volume || !o.workloads.redis?.ready) return { done: false, missing: say(lang, "Redis n'est pas prêt sur un volume", "Redis is not ready on a volume") };
    if (o.volume.name === prev.volume || o.volume.created < ran.destroy.end - SKEW_MS) {
        return { done: false, missing: say(lang, `le volume ${o.volume.name} date d'avant le destroy : les données n'ont pas été perdues`, `volume ${o.volume.name} predates the destroy: the data was not lost`) };
    }
    return { done: true, record: { at: ran.update.end, volume: o.volume.name, visits: o.visits }, detail: say(lang, `nouveau volume ${o.volume.name}, compteur reparti (${o.visits ?? "?"})`, `a new volume ${o.volume.name}, the counter started again (${o.visits ?? "?"})`) };
}

function retain(o: Observed, prev: StepRecord, lang: Lang): Check {
    if (o.reclaimPolicy !== "Retain") return { done: false, missing: say(lang, `reclaimPolicy vaut ${o.reclaimPolicy} : \`pulumi config set reclaimPolicy Retain\``, `reclaimPolicy is ${o.reclaimPolicy}: \`pulumi config set reclaimPolicy Retain\``) };
    const update = o.events.find((e) => e.kind === "update" && ok(e) && e.start >= prev.at - SKEW_MS && e.reclaimPolicy === "Retain");
    if (!update) return { done: false, missing: say(lang, "reclaimPolicy Retain est réglé mais pas appliqué : `pulumi preview --diff`, puis `pulumi up`", "reclaimPolicy Retain is set but not applied: `pulumi preview --diff`, then `pulumi up`") };
    if (o.volume?.reclaimPolicy !== "Retain") return { done: false, missing: say(lang, `le volume ${o.volume?.name ?? "(aucun)"} porte ${o.volume?.reclaimPolicy ?? "rien"}, pas Retain`, `volume ${o.volume?.name ?? "(none)"} carries ${o.volume?.reclaimPolicy ?? "nothing"}, not Retain`) };
    return { done: true, record: { at: update.end, volume: o.volume.name, visits: o.visits }, detail: say(lang, `le volume ${o.volume.name} porte Retain`, `volume ${o.volume.name} carries Retain`) };
}

function recover(o: Observed, prev: StepRecord, lang: Lang): Check {
    const ran = destroyThenUp(o, prev, "Retain", lang);
    if (typeof ran === "string") return { done: false, missing: ran };
    if (!o.volume || o.volume.name !== prev.volume) return { done: false, missing: say(lang, `le volume retenu ${prev.volume} n'est pas rattaché (volume actuel : ${o.volume?.name ?? "aucun"})`, `the retained volume ${prev.volume} is not attached again (now: ${o.volume?.name ?? "none"})`) };
    if (o.visits === undefined || (prev.visits !== undefined && o.visits < prev.visits)) {
        return { done: false, missing: say(lang, `le compteur (${o.visits ?? "illisible"}) n'a pas continué depuis ${prev.visits}`, `the counter (${o.visits ?? "unreadable"}) did not carry on from ${prev.visits}`) };
    }
    return { done: true, record: { at: ran.update.end, volume: o.volume.name, visits: o.visits }, detail: say(lang, `même volume ${o.volume.name} rattaché, compteur ${prev.visits} → ${o.visits}`, `the same volume ${o.volume.name} attached again, counter ${prev.visits} → ${o.visits}`) };
}

function configmap(o: Observed, prev: StepRecord, lang: Lang): Check {
    if (o.context !== "PROD") return { done: false, missing: say(lang, `context vaut ${o.context} : \`pulumi config set context PROD\``, `context is ${o.context}: \`pulumi config set context PROD\``) };
    const update = o.events.find((e) => e.kind === "update" && ok(e) && e.start >= prev.at - SKEW_MS && e.context === "PROD");
    if (!update) return { done: false, missing: say(lang, "context PROD est réglé mais pas appliqué : `pulumi up`", "context PROD is set but not applied: `pulumi up`") };
    if (o.configMapContext !== "PROD" || !o.contextFromConfigMap) return { done: false, missing: say(lang, "le frontend ne lit pas CONTEXT=PROD dans la ConfigMap frontend-config", "the frontend does not read CONTEXT=PROD from the ConfigMap frontend-config") };
    if (o.appContext !== "PROD") return { done: false, missing: say(lang, `le frontend en marche a CONTEXT=${o.appContext ?? "?"} : attendez son redémarrage`, `the running frontend has CONTEXT=${o.appContext ?? "?"}: wait for its rollout`) };
    return { done: true, record: { at: update.end, volume: o.volume?.name, visits: o.visits }, detail: say(lang, "la page affiche CONTEXT: PROD, lu dans la ConfigMap", "the page shows CONTEXT: PROD, read from the ConfigMap") };
}

function check(id: StepId, o: Observed, prev: StepRecord | undefined, lang: Lang): Check {
    if (id === "deploy") return deploy(o, lang);
    const before = prev!;
    switch (id) {
        case "delete-workloads": return deleteWorkloads(o, before, lang);
        case "delete-everything": return deleteEverything(o, before, lang);
        case "retain": return retain(o, before, lang);
        case "recover": return recover(o, before, lang);
        case "configmap": return configmap(o, before, lang);
    }
}

/** Each step's status: done (kept, or found done now, in order), the next one, and the rest. */
export function judge(observed: Observed, progress: Progress, lang: Lang): Judgement {
    const steps: StepStatus[] = [];
    const newlyDone: Judgement["newlyDone"] = [];
    let prev: StepRecord | undefined;
    let blocked = false;
    for (const id of STEP_IDS) {
        const title = STEPS[id][lang].title;
        if (blocked) {
            steps.push({ id, title, status: "todo", detail: "" });
            continue;
        }
        const kept = progress[id];
        if (kept) {
            steps.push({ id, title, status: "done", detail: say(lang, `fait le ${at(kept.at)}`, `done at ${at(kept.at)}`) });
            prev = kept;
            continue;
        }
        const result = check(id, observed, prev, lang);
        if (result.done) {
            steps.push({ id, title, status: "done", detail: result.detail });
            newlyDone.push({ id, record: result.record });
            prev = result.record;
        } else {
            steps.push({ id, title, status: "next", detail: result.missing });
            blocked = true;
        }
    }
    return { steps, newlyDone };
}
