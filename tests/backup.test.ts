// Backups: the settings of the scheduled one, the objects it registers, and the trainer's
// backup files on disk (what a restore trusts before it changes anything).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig } from "../config";
import { cronProblem } from "../components/cron";
import { backupScript } from "../components/scheduledBackup";
import { BackupFileError, newestBackup, readVerified, resolveAt, saveBackup } from "../class/backupFiles";
import { chooseBackup } from "../class/backup";
import { pickScheduledFile } from "../class/inClusterBackups";
import { dataTargets } from "../class/dataCommands";
import { parseRoster } from "../class/roster";
import { findObject, hasObject, kubeObjects, ProgramRun, runProgram } from "./harness";

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
            ["*/0 * * * *", /a step is \/N/], ["@every 1h", /expected one of @yearly/], ["0 5-2 * * *", /runs backwards/],
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
        const pod = cron.spec.jobTemplate.spec.template.spec;
        assert.deepStrictEqual(pod.securityContext, { fsGroup: 999, fsGroupChangePolicy: "OnRootMismatch", seccompProfile: { type: "RuntimeDefault" }, runAsNonRoot: true, runAsUser: 999, runAsGroup: 999 });
        const [container] = pod.containers;
        assert.deepStrictEqual(container.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
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

    it("the job's script keeps the newest backupKeep files and never leaves a truncated one under an .rdb name", () => {
        const script = backupScript(7);
        assert.match(script, /--rdb "\$name\.rdb\.part"/);
        assert.ok(script.indexOf("sha256sum") < script.indexOf("mv \"$name.rdb.part\" \"$name.rdb\""));
        assert.match(script, /sort -r \| tail -n \+8 \|/);
    });
});

describe("the trainer's backup files", () => {
    let dir: string;
    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "backups-")); });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const about = (takenAt: string) => ({ trainee: "alice", namespace: "monsterstack-alice", volume: "pvc-1", takenAt, keys: 1 });

    it("are 0600 files in 0700 directories, with a manifest giving bytes, sha256 and keys", () => {
        const { file, manifest } = saveBackup(path.join(dir, "alice"), Buffer.from("REDIS0010 data"), about("2026-12-02T06:30:12.345Z"));
        assert.strictEqual(path.basename(file), "2026-12-02T06-30-12.345Z.rdb");
        assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
        assert.strictEqual(fs.statSync(file.replace(/rdb$/, "json")).mode & 0o777, 0o600);
        assert.strictEqual(fs.statSync(path.join(dir, "alice")).mode & 0o777, 0o700);
        assert.deepStrictEqual([manifest.bytes, manifest.sha256.length, manifest.keys], [14, 64, 1]);
    });

    it("a restore takes the newest, never one saved before a restore unless --at names it", () => {
        const alice = path.join(dir, "alice");
        const older = saveBackup(alice, Buffer.from("one"), about("2026-12-02T06:00:00.000Z")).file;
        const newer = saveBackup(alice, Buffer.from("two"), about("2026-12-02T07:00:00.000Z")).file;
        const before = saveBackup(path.join(alice, "before-restore"), Buffer.from("three"), about("2026-12-02T08:00:00.000Z")).file;
        assert.strictEqual(newestBackup(alice), newer);
        assert.strictEqual(chooseBackup({ source: "alice", dir }), newer);
        assert.strictEqual(chooseBackup({ source: "alice", dir, at: path.basename(older) }), older);
        assert.strictEqual(resolveAt(path.basename(before), alice), before);
        assert.throws(() => chooseBackup({ source: "bob", dir }), /no backup of bob in .*bob/);
        assert.throws(() => chooseBackup({ source: "alice", dir, at: "nope.rdb" }), /--at nope\.rdb: no such backup/);
    });

    it("a truncated or corrupt file is refused by name, before anything is done with it", () => {
        const { file } = saveBackup(path.join(dir, "alice"), Buffer.from("REDIS0010 some data"), about("2026-12-02T06:00:00.000Z"));
        assert.deepStrictEqual(readVerified(file).data.toString(), "REDIS0010 some data");
        fs.writeFileSync(file, "REDIS0010 some");
        assert.throws(() => readVerified(file), (err: Error) => err instanceof BackupFileError && err.message.startsWith(`${file} is truncated or corrupt: 14 bytes`));
        fs.writeFileSync(file, "REDIS0010 some dat4");
        assert.throws(() => readVerified(file), /is truncated or corrupt: 19 bytes with sha256 \w+…, its manifest says 19 bytes/);
        fs.rmSync(file.replace(/rdb$/, "json"));
        assert.throws(() => readVerified(file), /its manifest .* is missing or unreadable/);
    });

    it("--in-cluster takes the job's newest file, or the one --at names, and says when the claim holds none", () => {
        const names = ["2026-12-02T06-00-00Z.rdb", "2026-12-02T06-00-00Z.sha256", "2026-12-02T08-00-00Z.rdb", "2026-12-02T08-00-00Z.sha256", "2026-12-02T09-00-00Z.rdb.part"];
        assert.strictEqual(pickScheduledFile(names, undefined, "ns/redis-backups"), "2026-12-02T08-00-00Z.rdb");
        assert.strictEqual(pickScheduledFile(names, "2026-12-02T06-00-00Z.rdb", "ns/redis-backups"), "2026-12-02T06-00-00Z.rdb");
        assert.throws(() => pickScheduledFile(names, "2026-12-02T09-00-00Z.rdb.part", "ns/redis-backups"), /--at 2026-12-02T09-00-00Z\.rdb\.part: no such backup in ns\/redis-backups/);
        assert.throws(() => pickScheduledFile([], undefined, "ns/redis-backups"), /ns\/redis-backups holds no backup yet/);
    });

    it("--trainee picks one trainee of the roster, and an unknown one is refused", () => {
        const roster = parseRoster("alice\nbob\n", "class.txt", {});
        assert.deepStrictEqual(dataTargets(roster, { trainee: "bob" }).map((t) => t.stack), ["bob"]);
        assert.deepStrictEqual(dataTargets(roster, {}).map((t) => t.stack), ["alice", "bob"]);
        assert.throws(() => dataTargets(roster, { trainee: "carl" }), /--trainee carl: not on the roster \(alice, bob\)/);
    });
});
