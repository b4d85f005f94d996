// The lab's judge: a trainee's walk through the course's exercise, step by step, and the
// shortcuts it must not count.
import * as assert from "assert";
import { judge, Observed, Progress, StackEvent } from "../../lab/judge";
import { decodeRecord, encodeRecord, progressFromReport, progressFromTags, reportData, reportSummary, tagName } from "../../lab/progress";
import { labJson, renderLab } from "../../lab/render";
import { historyEvents, stackConfig } from "../../lab/stack";
import { parseLabArgs } from "../../lab/main";
import { STEP_IDS } from "../../lab/steps";
import { labSummary, trainerView } from "../../lab/assess";
import { parseConfig } from "../../config";
import { jsonRecord, labCell, table } from "../../class/report";

const T0 = Date.parse("2026-12-04T10:00:00Z");
const min = (n: number) => T0 + n * 60_000;
const up = (from: number, to: number, reclaimPolicy?: string, context?: string): StackEvent => ({ kind: "update", result: "succeeded", start: from, end: to, reclaimPolicy, context });
const destroy = (from: number, to: number, reclaimPolicy?: string): StackEvent => ({ kind: "destroy", result: "succeeded", start: from, end: to, reclaimPolicy });
const workloads = (created: number) => ({ redis: { created, ready: true }, frontend: { created, ready: true }, imagebackend: { created, ready: true } });

function observed(over: Partial<Observed>): Observed {
    return {
        events: [up(min(0), min(1))], reclaimPolicy: "Delete", context: "DEV",
        workloads: workloads(min(0.5)), frontendAnswers: true,
        volume: { name: "pvc-a", created: min(0.5), reclaimPolicy: "Delete" }, visits: 3,
        configMapContext: "DEV", contextFromConfigMap: true, appContext: "DEV",
        ...over,
    };
}

/** Judges, then keeps what was found done, as `npm run lab` does. */
function run(o: Observed, progress: Progress) {
    const j = judge(o, progress, "en");
    for (const { id, record } of j.newlyDone) progress[id] = record;
    return Object.fromEntries(j.steps.map((s) => [s.id, s.status === "next" ? `next: ${s.detail}` : s.status]));
}

describe("the lab's judge", () => {
    it("follows a trainee through the exercise as the course walks it, each step done only by its own evidence", () => {
        const progress: Progress = {};
        const events = [up(min(0), min(1))];
        // deploy: up, and a visit.
        assert.strictEqual(run(observed({ events, visits: 0 }), progress).deploy, "next: no visit counted yet: open the page");
        assert.deepStrictEqual(run(observed({ events }), progress), { "deploy": "done", "delete-workloads": "next: redis, frontend, imagebackend predate(s) the previous step: delete the three workloads by hand, then `pulumi up` (a plain `pulumi up` does not count)", "delete-everything": "todo", "retain": "todo", "recover": "todo", "configmap": "todo" });
        // A plain `pulumi up` recreates nothing: not the step.
        events.push(up(min(2), min(2.2)));
        assert.match(run(observed({ events }), progress)["delete-workloads"], /^next: .* predate/);
        // kubectl delete of the three, then pulumi up: recreated within that up, same volume, counter on.
        events.push(up(min(3), min(3.5)));
        assert.strictEqual(run(observed({ events, workloads: workloads(min(3.2)), visits: 5 }), progress)["delete-workloads"], "done");
        // Destroy with Delete, then up: a new volume.
        events.push(destroy(min(5), min(5.5), "Delete"), up(min(6), min(6.5)));
        const fresh = { events, workloads: workloads(min(6.2)), volume: { name: "pvc-b", created: min(6.2), reclaimPolicy: "Delete" }, visits: 1 };
        assert.strictEqual(run(observed(fresh), progress)["delete-everything"], "done");
        assert.strictEqual(run(observed(fresh), progress).retain, "next: reclaimPolicy is Delete: `pulumi config set reclaimPolicy Retain`");
        // Retain set, not applied yet; then applied.
        assert.match(run(observed({ ...fresh, reclaimPolicy: "Retain" }), progress).retain, /set but not applied/);
        events.push(up(min(7), min(7.2), "Retain"));
        const retained = { ...fresh, events, reclaimPolicy: "Retain", volume: { ...fresh.volume, reclaimPolicy: "Retain" }, visits: 4 };
        assert.strictEqual(run(observed(retained), progress).retain, "done");
        // Destroy with Retain, then up: the same volume again, the counter carries on.
        events.push(destroy(min(8), min(8.5), "Retain"), up(min(9), min(9.5), "Retain"));
        assert.strictEqual(run(observed({ ...retained, events, workloads: workloads(min(9.2)), visits: 5 }), progress).recover, "done");
        // context PROD, applied, the frontend rolled.
        events.push(up(min(10), min(10.5), "Retain", "PROD"));
        const prod = { ...retained, events, context: "PROD", configMapContext: "PROD", appContext: "PROD", visits: 6 };
        assert.match(run(observed({ ...prod, appContext: "DEV" }), progress).configmap, /wait for its rollout/);
        assert.deepStrictEqual(Object.values(run(observed(prod), progress)), STEP_IDS.map(() => "done"));
    });

    it("never counts a destroy under the other policy, a recovery that is a new volume, or a counter that went back", () => {
        const deployed: Progress = { "deploy": { at: min(1), volume: "pvc-a", visits: 3 }, "delete-workloads": { at: min(3), volume: "pvc-a", visits: 5 } };
        const retainDestroy = [up(min(0), min(1)), destroy(min(4), min(4.5), "Retain"), up(min(5), min(5.5), "Retain")];
        assert.match(run(observed({ events: retainDestroy, workloads: workloads(min(5.2)) }), { ...deployed })["delete-everything"],
            /^next: `pulumi destroy` ran with reclaimPolicy Retain: this step wants reclaimPolicy Delete/);
        // Destroy done, no up yet.
        assert.match(run(observed({ events: [destroy(min(4), min(4.5), "Delete")], workloads: {}, volume: undefined }), { ...deployed })["delete-everything"], /now `pulumi up`/);

        const retained: Progress = { ...deployed, "delete-everything": { at: min(6), volume: "pvc-b", visits: 1 }, "retain": { at: min(7), volume: "pvc-b", visits: 4 } };
        const recovered = [destroy(min(8), min(8.5), "Retain"), up(min(9), min(9.5), "Retain")];
        // startEmpty, or the volume lost: a new one is not the recovery.
        assert.match(run(observed({ events: recovered, workloads: workloads(min(9.2)), volume: { name: "pvc-c", created: min(9.2), reclaimPolicy: "Retain" } }), { ...retained }).recover,
            /the retained volume pvc-b is not attached again \(now: pvc-c\)/);
        assert.match(run(observed({ events: recovered, workloads: workloads(min(9.2)), volume: { name: "pvc-b", created: min(6.2), reclaimPolicy: "Retain" }, visits: 2 }), { ...retained }).recover,
            /the counter \(2\) did not carry on from 4/);
        // Steps after the next one are todo, never judged ahead.
        const early = judge(observed({ reclaimPolicy: "Retain", context: "PROD", configMapContext: "PROD", appContext: "PROD" }), {}, "en");
        assert.deepStrictEqual(early.steps.map((s) => s.status), ["done", "next", "todo", "todo", "todo", "todo"]);
    });

    it("keeps progress in one stack tag per step, read back as written; a tag it cannot read counts as not done", () => {
        const record = { at: Date.parse("2026-12-04T16:38:00Z"), volume: "pvc-1234", visits: 7 };
        assert.strictEqual(encodeRecord(record), "2026-12-04T16:38:00Z volume=pvc-1234 visits=7");
        assert.deepStrictEqual(decodeRecord(encodeRecord(record)), record);
        assert.deepStrictEqual(progressFromTags({ [tagName("deploy")]: encodeRecord(record), [tagName("retain")]: "garbage", "pulumi:project": "monsterstack" }), { deploy: record });
        assert.strictEqual(tagName("delete-everything"), "monsterstack:lab:delete-everything");
    });

    it("reads pulumi stack history --json: kinds, results, times, and the settings each operation ran with", () => {
        const events = historyEvents(JSON.stringify([
            { kind: "destroy", result: "succeeded", startTime: "2026-12-04T16:38:00.000Z", endTime: "2026-12-04T16:38:05.000Z", config: { "monsterstack:reclaimPolicy": { value: "Retain", secret: false }, "monsterstack:kubeconfig": { secret: true } } },
            { kind: "update", result: "failed", startTime: "2026-12-04T16:37:48.000Z", endTime: "2026-12-04T16:37:50.000Z", config: { "monsterstack:context": { value: "PROD" } } },
        ]));
        assert.deepStrictEqual(events, [
            { kind: "update", result: "failed", start: Date.parse("2026-12-04T16:37:48Z"), end: Date.parse("2026-12-04T16:37:50Z"), reclaimPolicy: undefined, context: "PROD" },
            { kind: "destroy", result: "succeeded", start: Date.parse("2026-12-04T16:38:00Z"), end: Date.parse("2026-12-04T16:38:05Z"), reclaimPolicy: "Retain", context: undefined },
        ]);
    });

    it("judges with the stack's own settings: its project's keys, validated; another project's ignored", () => {
        const config = stackConfig({ "monsterstack:tenancy": { value: "only" }, "monsterstack:reclaimPolicy": { value: "Retain" }, "kubernetes:context": { value: "x" } }, "ann");
        assert.deepStrictEqual([config.namespace, config.tenancy, config.reclaimPolicy], ["monsterstack-ann", "only", "Retain"]);
        assert.throws(() => stackConfig({ "monsterstack:reclaimPolicy": { value: "Keep" } }, "ann"), /monsterstack:reclaimPolicy/);
    });

    it("shows the steps, and for the next one what to type in the trainee's namespace and why, in French by default", () => {
        const j = judge(observed({}), {}, "fr");
        const screen = renderLab(j, { stack: "dev", namespace: "monsterstack-dev" }, "fr");
        assert.match(screen, /^Lab « Persister les données de Redis » : pile dev \(namespace monsterstack-dev\), 1\/6 étapes faites$/m);
        assert.match(screen, /^ {2}✔ deploy +Installer l'application et la visiter \(3 visite\(s\), volume pvc-a\)$/m);
        assert.match(screen, /^ {2}▶ delete-workloads/m);
        assert.match(screen, /^ {2}kubectl delete -n monsterstack-dev statefulset\/redis deployment\/frontend deployment\/imagebackend$/m);
        assert.match(screen, /^Pourquoi : Le PVC n'a pas été touché/m);
        assert.match(screen, /^ {4} +manque : redis, frontend, imagebackend date\(nt\) d'avant l'étape précédente/m);
        assert.deepStrictEqual(labJson(judge(observed({}), {}, "en")).map((s) => [s.id, s.status]), [
            ["deploy", "done"], ["delete-workloads", "next"], ["delete-everything", "todo"], ["retain", "todo"], ["recover", "todo"], ["configmap", "todo"]]);
        assert.deepStrictEqual(parseLabArgs(["check", "--stack", "bob", "--lang", "en"]), { check: true, stack: "bob", lang: "en", json: false });
        assert.throws(() => parseLabArgs(["--lang", "de"]), /--lang de: expected one of fr, en/);
    });

    it("the class table's LAB column and --json: steps done of all and the next, `done` at the end, `?` when it could not be judged", () => {
        const summary = labSummary(judge(observed({}), {}, "en"));
        assert.deepStrictEqual(summary, { done: 1, total: 6, next: "delete-workloads", from: "stack" });
        assert.strictEqual(labCell(summary), "1/6 delete-workloads");
        assert.strictEqual(labCell({ done: 6, total: 6, next: null, from: "stack" }), "6/6 done");
        assert.strictEqual(labCell({ done: 2, total: 6, next: "retain", from: "report" }), "2/6 retain (reported)");
        assert.strictEqual(labCell({ error: "forbidden" }), "?");
        const outcome = { trainee: "ann", stack: "ann", namespace: "monsterstack-ann", status: "ok" as const, lab: summary };
        assert.match(table([outcome]), /^TRAINEE +NAMESPACE .* ISOLATION +LAB +STATUS\nann .* 1\/6 delete-workloads +ok\n$/);
        assert.doesNotMatch(table([{ ...outcome, lab: undefined }]), /LAB/, "only status judges the lab");
        assert.deepStrictEqual(jsonRecord(outcome, undefined).lab, summary);
    });

    describe("a trainee's own stack (namespaceOwner class): the report the trainer reads", () => {
        const done = { at: min(1), volume: "pvc-a", visits: 3 };

        it("holds the steps done by id, and reads back what it wrote", () => {
            const progress: Progress = { "deploy": done, "delete-workloads": { at: min(5), volume: "pvc-a", visits: 4 } };
            const data = reportData(progress);
            assert.deepStrictEqual(Object.keys(data), ["deploy", "delete-workloads"]);
            assert.strictEqual(data.deploy, "2026-12-04T10:01:00Z volume=pvc-a visits=3");
            assert.deepStrictEqual(progressFromReport(data), progress);
            assert.deepStrictEqual(reportSummary(progressFromReport(data)), { done: 2, total: 6, next: "delete-everything" });
        });

        it("counts, as the lab would, only steps done in order; a key that is no step, or a value that is no record, counts for nothing", () => {
            assert.deepStrictEqual(reportSummary(progressFromReport(undefined)), { done: 0, total: 6, next: "deploy" }, "no report yet: the trainee has not begun");
            // A curious trainee's hand-written report: a later step without the ones before, a made-up step, and junk.
            const forged = { "configmap": "2026-12-04T10:01:00Z", "extra-step": "2026-12-04T10:01:00Z", "deploy": "yesterday" };
            assert.deepStrictEqual(progressFromReport(forged), { configmap: { at: min(1) } });
            assert.deepStrictEqual(reportSummary(progressFromReport(forged)), { done: 0, total: 6, next: "deploy" });
            const all = Object.fromEntries(STEP_IDS.map((id) => [id, "2026-12-04T10:01:00Z"]));
            assert.deepStrictEqual(reportSummary(progressFromReport(all)), { done: 6, total: 6, next: null });
        });

        it("the trainer reads each namespace with the trainee's own kubeconfig wherever the stack made one", () => {
            const kubeconfig = "apiVersion: v1\nkind: Config\n";
            const own = trainerView(parseConfig({ tenancy: "only", kubeContext: "admin" }, "pia"), kubeconfig);
            assert.strictEqual(own.from, "report");
            assert.deepStrictEqual([own.settings.namespace, own.settings.kubeconfig, own.settings.kubeContext], ["monsterstack-pia", kubeconfig, undefined]);
            const onStack = trainerView(parseConfig({ tenancy: "on", kubeconfig: "/admin.kubeconfig" }, "ann"), kubeconfig);
            assert.deepStrictEqual([onStack.from, onStack.settings.kubeconfig], ["stack", kubeconfig]);
            const off = trainerView(parseConfig({ tenancy: "off", kubeconfig: "/admin.kubeconfig" }, "ann"), undefined);
            assert.deepStrictEqual([off.from, off.settings.kubeconfig], ["stack", "/admin.kubeconfig"], "no trainee kubeconfig: the stack's own");
            assert.throws(() => trainerView(parseConfig({ tenancy: "only" }, "pia"), undefined), /tenancy only but no traineeKubeconfig output/);
        });
    });
});
