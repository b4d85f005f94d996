// Backups: the settings of the scheduled one, the objects it registers, and the trainer's
// backup files on disk (what a restore trusts before it changes anything).
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig } from "../config";
import { cronProblem } from "../core/cron";
import { backupScript } from "../components/scheduledBackup";
import { pickScheduledFile } from "../class/data/inClusterBackups";
import { restoreFit } from "../class/data/redisData";
import { quantityBytes } from "../core/quantities";
import { dataTargets } from "../class/data/commands";
import { parseRoster } from "../class/roster";
import { findObject, hasObject, kubeObjects, ProgramRun, runProgram } from "../testing/harness";

describe("backupSchedule and backupKeep", () => {
    it("accepts crontab schedules and the @ descriptors", () => {
        for (const good of ["0 * * * *", "*/5 * * * *", "30 2 * * 1-5", "0 0 1 JAN,JUL *", "0 12 * * SUN", "15,45 8-18/2 ? * MON-FRI", "@daily", "@hourly", "@weekly"]) {
            assert.strictEqual(cronProblem(good), undefined, good);
            assert.strictEqual(parseConfig({ backupSchedule: good }, "alice").backupSchedule, good);
        }
    });

    it("refuses a bad schedule by name, saying what is wrong, before anything is registered", async () => {
        for (const [bad, why] of [
            ["every hour", /expected 5 fields/], ["60 * * * *", /minute "60": expected 0-59/], ["0 25 * * *", /hour "25"/],
            ["0 0 32 * *", /day of month "32"/], ["0 0 * 13 *", /month "13": expected 1-12 or JAN-DEC/], ["0 0 * * FUNDAY", /day of week/],
            ["*/0 * * * *", /a step is \/N/], ["0 5-2 * * *", /runs backwards/],
            ["TZ=Europe/Paris 0 * * * *", /time zone/],
        ] as const) {
            assert.throws(() => parseConfig({ backupSchedule: bad }, "alice"),
                (err: Error) => err.message.startsWith(`monsterstack:backupSchedule = ${JSON.stringify(bad)} is not valid: `) && why.test(err.message), bad);
        }
        await assert.rejects(runProgram("alice", { backupSchedule: "0 0 * * 8" }), /monsterstack:backupSchedule/);
    });

    it("backupKeep is 7 by default, a whole number from 1 to 100", () => {
        assert.strictEqual(parseConfig({}, "alice").backupKeep, 7);
        assert.strictEqual(parseConfig({ backupKeep: "30" }, "alice").backupKeep, 30);
        for (const bad of ["0", "101", "-1", "seven", "2.5"]) {
            assert.throws(() => parseConfig({ backupKeep: bad }, "alice"), new RegExp(`monsterstack:backupKeep = "${bad}" is not valid: expected a whole number from 1 to 100`));
        }
    });
});

describe("a scheduled backup", () => {
    let run: ProgramRun;
    before(async () => { run = await runProgram("alice", { backupSchedule: "0 * * * *", backupKeep: "3", redisAuth: "true", reclaimPolicy: "Retain", tenancy: "on" }); });

    it("is not there without a schedule", async () => {
        const none = await runProgram("alice");
        assert.ok(!kubeObjects(none).some((o) => o.kind === "CronJob" || o.metadata?.name === "redis-backups"));
        assert.strictEqual(none.outputs.backupVolume, "(none: backupSchedule is unset)");
    });

    it("a CronJob on the schedule, one job at a time, whose pod passes Pod Security restricted", () => {
        const cron = findObject(run, "CronJob", "redis-backup");
        assert.strictEqual(cron.metadata.namespace, "monsterstack-alice");
        assert.strictEqual(cron.spec.schedule, "0 * * * *");
        assert.strictEqual(cron.spec.concurrencyPolicy, "Forbid");
        // Two jobs started by hand, and the scheduled one, keep their logs: a history of 1 deleted the first at once.
        assert.deepStrictEqual([cron.spec.successfulJobsHistoryLimit, cron.spec.failedJobsHistoryLimit], [3, 3]);
        const pod = cron.spec.jobTemplate.spec.template.spec;
        assert.deepStrictEqual(pod.securityContext, { fsGroup: 999, fsGroupChangePolicy: "OnRootMismatch", seccompProfile: { type: "RuntimeDefault" }, runAsNonRoot: true, runAsUser: 999, runAsGroup: 999 });
        const [container] = pod.containers;
        assert.deepStrictEqual(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        assert.ok(container.resources.limits.memory && container.resources.requests.cpu, "the quota needs its resources");
        assert.strictEqual(pod.automountServiceAccountToken, false);
        assert.strictEqual(container.image, findObject(run, "StatefulSet", "redis").spec.template.spec.containers[0].image, "Redis' own image: nothing new to pull");
    });

    it("reaches Redis through its Service, with the password by secretKeyRef, and writes into the claim redis-backups", () => {
        const pod = findObject(run, "CronJob", "redis-backup").spec.jobTemplate.spec.template.spec;
        const env = Object.fromEntries(pod.containers[0].env.map((e: { name: string }) => [e.name, e]));
        assert.strictEqual(env.REDIS_HOST.value, findObject(run, "Service", "redis").metadata.name);
        assert.deepStrictEqual(env.REDISCLI_AUTH.valueFrom, findObject(run, "StatefulSet", "redis").spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === "REDISCLI_AUTH").valueFrom);
        assert.ok(env.REDISCLI_AUTH.valueFrom.secretKeyRef.name);
        assert.ok(!JSON.stringify(pod).includes(String(run.outputs.redisPassword)), "the password is in the pod spec");
        assert.deepStrictEqual(pod.volumes, [{ name: "backups", persistentVolumeClaim: { claimName: "redis-backups" } }]);
        assert.match(pod.containers[0].command[2], /tail -n \+4 \|/, "keeps backupKeep (3) files");
    });

    it("the claim redis-backups follows reclaimPolicy like the data's: annotated, its volume patched and labelled as the stack's", () => {
        const claim = findObject(run, "PersistentVolumeClaim", "redis-backups");
        assert.strictEqual(claim.metadata.annotations["monsterstack.io/reclaim-policy"], "Retain");
        const patches = kubeObjects(run).filter((o) => o.kind === "PersistentVolumePatch");
        const backupPatch = patches.find((p) => p.metadata.labels["monsterstack.io/claim"] === "redis-backups");
        assert.ok(backupPatch, "no patch for the backups' volume");
        assert.strictEqual(backupPatch.spec.persistentVolumeReclaimPolicy, "Retain");
        assert.strictEqual(backupPatch.metadata.labels["monsterstack.io/stack"], "alice");
        assert.strictEqual(run.outputs.backupVolume, backupPatch.metadata.name);
    });

    it("Redis mounts the backups claim read-only, so that claim is bound, and its volume given the policy, before pulumi up returns", async () => {
        const redisPod = findObject(run, "StatefulSet", "redis").spec.template.spec;
        assert.deepStrictEqual(redisPod.volumes.find((v: { name: string }) => v.name === "backups"),
            { name: "backups", persistentVolumeClaim: { claimName: "redis-backups", readOnly: true } });
        assert.deepStrictEqual(redisPod.containers[0].volumeMounts.find((m: { name: string }) => m.name === "backups"),
            { name: "backups", mountPath: "/backups", readOnly: true });
        // Under WaitForFirstConsumer the claim binds when its first pod is scheduled: Redis, which up waits for.
        const boundRead = run.resources.find((r) => r.read && r.name === "redis-backup-policy-bound-claim");
        assert.ok(boundRead, "the backups claim is not read back");
        assert.ok(boundRead.dependsOn.includes("redis-workload"), `read back after ${boundRead.dependsOn.join(", ") || "nothing"}, not after Redis`);
        assert.ok(!run.logs.some((l) => /first scheduled backup|the `pulumi up` after it/.test(l.message)), "still says a later up sets the policy");
        // Stacks deployed before keep their patch: the policy was the ScheduledBackup's child.
        const policy = run.resources.find((r) => r.type === "monsterstack:storage:VolumeReclaimPolicy" && r.name === "redis-backup-policy");
        assert.deepStrictEqual(policy?.aliasParents, ["redis-backup"]);
        const plain = findObject(await runProgram("alice"), "StatefulSet", "redis").spec.template.spec;
        assert.deepStrictEqual(plain.volumes.map((v: { name: string }) => v.name), ["data"], "without a schedule, Redis mounts only its data");
    });

    it("the job's pod prefers Redis' node: a ReadWriteOnce disk that Redis holds attaches to that node only", () => {
        const pod = findObject(run, "CronJob", "redis-backup").spec.jobTemplate.spec.template.spec;
        const [term] = pod.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution;
        assert.deepStrictEqual(term.podAffinityTerm, {
            labelSelector: { matchLabels: findObject(run, "StatefulSet", "redis").spec.selector.matchLabels },
            topologyKey: "kubernetes.io/hostname",
        });
    });

    it("with tenancy: a NetworkPolicy lets the job's pods reach Redis, and the quota counts its pod and claim", async () => {
        const policy = findObject(run, "NetworkPolicy", "redis-from-backup");
        assert.deepStrictEqual(policy.spec.podSelector.matchLabels, findObject(run, "StatefulSet", "redis").spec.selector.matchLabels);
        const jobLabels = findObject(run, "CronJob", "redis-backup").spec.jobTemplate.spec.template.metadata.labels;
        for (const [k, v] of Object.entries(policy.spec.ingress[0].from[0].podSelector.matchLabels)) assert.strictEqual(jobLabels[k], v, k);
        assert.deepStrictEqual(policy.spec.ingress[0].ports, [{ protocol: "TCP", port: 6379 }]);
        assert.ok(!hasObject(await runProgram("alice", { tenancy: "on" }), "NetworkPolicy", "redis-from-backup"));
        // 5 pods and 2 claims: the stack's 4 pods and the job's, the data's claim and the backups'.
        const hard = findObject(run, "ResourceQuota", "trainee-quota").spec.hard;
        assert.deepStrictEqual([hard.pods, hard.persistentvolumeclaims, hard["requests.storage"], hard["requests.cpu"]], ["10", "4", "8Gi", "500m"]);
    });

    it("the job's script, run: a file per job even in one second, the newest backupKeep kept, another job's unfinished copy left alone", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "backup-script-"));
        const bin = path.join(dir, "bin");
        const claim = path.join(dir, "claim");
        fs.mkdirSync(bin);
        fs.mkdirSync(claim);
        // redis-cli writes a snapshot to the file after --rdb; date is one fixed second.
        // Its first two connections are refused, as a pod the NetworkPolicy enforcement does not know yet sees them.
        const calls = path.join(dir, "calls");
        fs.writeFileSync(path.join(bin, "redis-cli"), [
            "#!/bin/sh",
            `echo x >> ${calls}; [ "$(wc -l < ${calls})" -gt 2 ] || { echo "Connection refused" >&2; exit 1; }`,
            `case " $* " in *" ping "*) echo PONG; exit 0;; esac`,
            "while [ \"$1\" != --rdb ]; do shift; done",
            "printf 'REDIS0011 %s' \"$JOB_NAME\" > \"$2\"",
            "",
        ].join("\n"), { mode: 0o755 });
        fs.writeFileSync(path.join(bin, "date"), "#!/bin/sh\necho 2026-12-03T10-00-00Z\n", { mode: 0o755 });
        fs.writeFileSync(path.join(claim, "2026-12-03T09-59-59Z-redis-backup-other.rdb.part"), "being written");
        const stale = path.join(claim, "2026-12-03T07-00-00Z-redis-backup-killed.rdb.part");
        fs.writeFileSync(stale, "left by a killed job");
        fs.utimesSync(stale, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
        const job = (name: string) => execFileSync("sh", ["-c", backupScript(2, claim)], { env: { PATH: `${bin}:${process.env.PATH}`, REDIS_HOST: "redis", JOB_NAME: name }, encoding: "utf8" });
        assert.match(job("redis-backup-29420000"), /^backed up: 2026-12-03T10-00-00Z-redis-backup-29420000\.rdb, \d+ bytes; kept: 1$/m);
        assert.match(job("redis-backup-manual"), /kept: 2$/m);
        const files = fs.readdirSync(claim).sort();
        assert.deepStrictEqual(files, [
            "2026-12-03T09-59-59Z-redis-backup-other.rdb.part",
            "2026-12-03T10-00-00Z-redis-backup-29420000.rdb", "2026-12-03T10-00-00Z-redis-backup-29420000.sha256",
            "2026-12-03T10-00-00Z-redis-backup-manual.rdb", "2026-12-03T10-00-00Z-redis-backup-manual.sha256",
        ]);
        assert.strictEqual(fs.readFileSync(path.join(claim, "2026-12-03T10-00-00Z-redis-backup-manual.rdb"), "utf8"), "REDIS0011 redis-backup-manual");
        job("redis-backup-29420001");
        assert.strictEqual(fs.readdirSync(claim).filter((f) => f.endsWith(".rdb")).length, 2, "backupKeep 2");
        fs.rmSync(dir, { recursive: true });
    });

    it("the job's pod knows its job's name from the label Kubernetes gives it", async () => {
        const env = findObject(await runProgram("alice", { backupSchedule: "@hourly" }), "CronJob", "redis-backup").spec.jobTemplate.spec.template.spec.containers[0].env;
        assert.deepStrictEqual(env.find((e: { name: string }) => e.name === "JOB_NAME"), { name: "JOB_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } });
    });
});

describe("the trainer's backup files", () => {
    it("--in-cluster takes the job's newest file, or the one --at names, and says when the claim holds none", () => {
        const names = ["2026-12-02T06-00-00Z.rdb", "2026-12-02T06-00-00Z.sha256", "2026-12-02T08-00-00Z.rdb", "2026-12-02T08-00-00Z.sha256", "2026-12-02T09-00-00Z.rdb.part"];
        assert.strictEqual(pickScheduledFile(names, undefined, "ns/redis-backups"), "2026-12-02T08-00-00Z.rdb");
        assert.strictEqual(pickScheduledFile(names, "2026-12-02T06-00-00Z.rdb", "ns/redis-backups"), "2026-12-02T06-00-00Z.rdb");
        assert.throws(() => pickScheduledFile(names, "2026-12-02T09-00-00Z.rdb.part", "ns/redis-backups"), /--at 2026-12-02T09-00-00Z\.rdb\.part: no such backup in ns\/redis-backups/);
        assert.throws(() => pickScheduledFile([], undefined, "ns/redis-backups"), /ns\/redis-backups holds no backup yet/);
    });

    it("a restore that cannot fit Redis' memory limit is refused, naming the snapshot's size, the need, the limit and redisMemory", () => {
        const MiB = 2 ** 20;
        assert.strictEqual(restoreFit(1 * MiB, 2 * MiB, 256 * MiB), undefined, "the course's counters fit");
        const refusal = restoreFit(40 * MiB, 2 * MiB, 256 * MiB);
        assert.match(refusal ?? "", /^the snapshot is 40\.0 MiB; restoring it needs about 352\.0 MiB .* memory limit is 256\.0 MiB: .*Raise monsterstack:redisMemory \(to 384Mi or more/);
        // What Redis holds now counts too: the staging server's copy comes on top of it.
        assert.ok(restoreFit(20 * MiB, 200 * MiB, 256 * MiB) !== undefined);
        assert.strictEqual(restoreFit(40 * MiB, 2 * MiB, undefined), undefined, "no limit, nothing to refuse");
        assert.strictEqual(restoreFit(40 * MiB, 2 * MiB, quantityBytes(parseConfig({ redisMemory: "512Mi" }, "alice").redisMemory)), undefined, "raising redisMemory makes room");
    });

    it("--trainee picks one trainee of the roster, and an unknown one is refused", () => {
        const roster = parseRoster("alice\nbob\n", "class.txt", {});
        assert.deepStrictEqual(dataTargets(roster, { trainee: "bob" }).map((t) => t.stack), ["bob"]);
        assert.deepStrictEqual(dataTargets(roster, {}).map((t) => t.stack), ["alice", "bob"]);
        assert.throws(() => dataTargets(roster, { trainee: "carl" }), /--trainee carl: not on the roster \(alice, bob\)/);
    });
});
