// Backups on the real node, counters read as a visitor reads them: a class of four with a
// scheduled backup and tenancy on (both redisKinds, both reclaim policies, Pod Security
// restricted), `class backup`, `down` and `up` again, `class restore`, a copy from one trainee
// to another, a corrupt file refused, and a scheduled job's backup brought back, including
// after a destroy with Retain. Typed as docs/backups.md tells a trainer.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { allRunning, CLASS_LOCAL_IMAGES, visit } from "./lib/app";
import { npmClass, run, tempBackend, TempBackend } from "./lib/cli";
import { DATA_LEASE_NAME } from "../class/data/lease";
import { kubectl, kubeJson, waitFor } from "./lib/cluster";
import { defaultNamespace } from "../config";
import { BEFORE_RESTORE_DIR, backupFileName, Manifest, manifestPath, saveBackup, sha256 } from "../class/data/backupFiles";
import { REDIS_AUTH_SECRET_NAME, REDIS_PASSWORD_KEY } from "../components/redisPassword";
import { BACKUP_CRONJOB_NAME } from "../components/scheduledBackup";

// sam: StatefulSet; bea: Deployment with a password; cal: StatefulSet; dee: Deployment, password, Retain.
const ROSTER = "sam\nbea redisKind=Deployment redisAuth=true\ncal\ndee redisKind=Deployment redisAuth=true reclaimPolicy=Retain\n";
const CLASS = ["sam", "bea", "cal", "dee"];
const at = (t: string) => ({ namespace: defaultNamespace(t) });

interface DataRecord { trainee: string; status: string; file: string | null; bytes: number | null; sha256: string | null; error?: string }

async function visits(t: string, n: number, when: string): Promise<number> {
    let last = 0;
    for (let i = 0; i < n; i++) last = await visit(at(t), `${t}, ${when}`);
    return last;
}

/**
 * Runs the CronJob's job now (`kubectl create job --from=cronjob/…`, as docs/backups.md says), rather
 * than waiting up to a minute for its schedule, and returns the name of the backup it wrote.
 */
async function scheduledBackup(t: string): Promise<string> {
    const job = `${BACKUP_CRONJOB_NAME}-e2e-${Date.now() % 1_000_000}`;
    const created = kubectl("create", "job", "-n", defaultNamespace(t), `--from=cronjob/${BACKUP_CRONJOB_NAME}`, job);
    assert.strictEqual(created.status, 0, created.stderr);
    let written = "";
    // Three tries (backoffLimit 2), each waiting up to 60 s for Redis, with the pods of four specs starting at once.
    await waitFor(`${t}'s backup job ${job} to complete`, () => {
        if (kubeJson("job", "-n", defaultNamespace(t), job)?.status?.succeeded !== 1) return false;
        written = /backed up: (\S+\.rdb),/.exec(kubectl("logs", "-n", defaultNamespace(t), `job/${job}`).stdout)?.[1] ?? "";
        return written !== "";
    }, 300).catch((err: Error) => {
        const ns = defaultNamespace(t);
        const seen = [["describe", "job", "-n", ns, job], ["logs", "-n", ns, "-l", `job-name=${job}`, "--prefix", "--all-containers", "--tail=20"],
            ["get", "events", "-n", ns, "--sort-by=.lastTimestamp"]].map((args) => `$ kubectl ${args.join(" ")}\n${kubectl(...args).stdout.slice(-3000)}`);
        throw new Error(`${err.message}\n${seen.join("\n")}`);
    });
    return written;
}

describe("backups: class backup and restore, and the scheduled backup", function () {
    this.timeout(20 * 60 * 1000);
    let backend: TempBackend;
    let roster: string;
    let dir: string;
    const backedUp: Record<string, number> = {};
    let deesScheduledFile = "";
    const upOptions = () => ["--config", "tenancy=on", "--config", "backupSchedule=0 0 1 1 *", "--config", "backupKeep=20", ...CLASS_LOCAL_IMAGES, "--out", path.join(backend.root, "kubeconfigs")];

    before(async () => {
        backend = tempBackend("backup");
        roster = path.join(backend.root, "class.txt");
        dir = path.join(backend.root, "class-backups");
        fs.writeFileSync(roster, ROSTER);
        const up = npmClass("up", "--roster", roster, "--parallel", "4", ...upOptions());
        assert.strictEqual(up.status, 0, up.stderr + up.stdout);
        for (const t of CLASS) await allRunning(at(t));
    });

    it("`class backup`: every trainee's data in DIR/<trainee>/, files 0600 in 0700 directories, with a manifest", async () => {
        Object.assign(backedUp, { sam: await visits("sam", 5, "before the backup"), bea: await visits("bea", 3, "before the backup"),
            cal: await visits("cal", 2, "before the backup"), dee: await visits("dee", 4, "before the backup") });
        const r = npmClass("backup", "--roster", roster, "--to", dir, "--json");
        assert.strictEqual(r.status, 0, r.stderr);
        const records: DataRecord[] = JSON.parse(r.stdout);
        assert.deepStrictEqual(records.map((x) => [x.trainee, x.status]), CLASS.map((t) => [t, "ok"]));
        for (const t of CLASS) assert.match(r.stderr, new RegExp(`^${t}: done, \\d+s$`, "m"));
        for (const record of records) {
            const file = record.file!;
            assert.strictEqual(path.dirname(file), path.join(dir, record.trainee));
            assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600, file);
            assert.strictEqual(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
            const manifest: Manifest = JSON.parse(fs.readFileSync(file.replace(/\.rdb$/, ".json"), "utf8"));
            assert.deepStrictEqual([manifest.trainee, manifest.namespace, manifest.bytes, manifest.sha256, manifest.keys],
                [record.trainee, defaultNamespace(record.trainee), fs.statSync(file).size, record.sha256, 1]);
            assert.strictEqual(manifest.volume, kubeJson("pvc", "redis-data", "-n", defaultNamespace(record.trainee)).spec.volumeName);
        }
        assert.strictEqual(fs.statSync(dir).mode & 0o777, 0o700);
        // bea's password stays in her Secret: not printed, not in any file of the backups.
        const secret = kubeJson("secret", REDIS_AUTH_SECRET_NAME, "-n", defaultNamespace("bea"));
        const password = Buffer.from(secret.data[REDIS_PASSWORD_KEY], "base64").toString();
        assert.ok(password.length >= 16);
        assert.ok(!r.stdout.includes(password) && !r.stderr.includes(password), "the password was printed");
        for (const f of fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => /\.(rdb|json)$/.test(f))) {
            assert.ok(!fs.readFileSync(path.join(dir, f)).includes(password), `the password is in ${f}`);
        }
    });

    it("a trainee whose stack is not up, or whose namespace is another line's, fails alone, reported as such", () => {
        const withGhost = path.join(backend.root, "ghost.txt");
        fs.writeFileSync(withGhost, "sam\nghost\nsam2 namespace=monsterstack-sam\n");
        const r = npmClass("backup", "--roster", withGhost, "--to", path.join(backend.root, "ghost-backups"));
        assert.strictEqual(r.status, 1);
        assert.match(r.stdout, /^sam .* ok$/m);
        assert.match(r.stdout, /^ghost .* failed: not up: no running, ready Redis pod in namespace monsterstack-ghost; `npm run class -- up` first$/m);
        // Two lines of one namespace would back up one Redis twice: refused as `up` refuses them.
        assert.match(r.stdout, /^sam2 .* failed: monsterstack:namespace = "monsterstack-sam" is trainee sam's \(line 1\): two stacks never share a namespace/m);
        assert.deepStrictEqual(fs.readdirSync(path.join(backend.root, "ghost-backups")), ["sam"]);
    });

    it("the CronJob's job, started at once (kubectl create job --from=cronjob), completes in the trainee's namespace and writes its backup into the claim redis-backups", async () => {
        deesScheduledFile = await scheduledBackup("dee");
        assert.match(deesScheduledFile, /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ-redis-backup-e2e-\d+\.rdb$/);
    });

    it("`down` with Delete, `up` again: the counters start at 1; `class restore`: each is back above its backed-up value, also after Redis' pod is deleted", async () => {
        const down = npmClass("down", "--roster", roster, "--parallel", "4");
        assert.strictEqual(down.status, 0, down.stderr);
        await waitFor("the class's namespaces to go", () => CLASS.every((t) => !kubeJson("namespace", defaultNamespace(t))));
        const up = npmClass("up", "--roster", roster, "--parallel", "4", ...upOptions());
        assert.strictEqual(up.status, 0, up.stderr);
        for (const t of CLASS) await allRunning(at(t));
        for (const t of ["sam", "bea", "cal"]) assert.strictEqual(await visit(at(t), `${t}, after down and up with Delete`), 1);
        assert.strictEqual(await visit(at("dee"), "dee, after down and up with Retain"), backedUp.dee + 1);

        const r = npmClass("restore", "--roster", roster, "--from", dir, "--json");
        assert.strictEqual(r.status, 0, r.stderr);
        const records: DataRecord[] = JSON.parse(r.stdout);
        assert.deepStrictEqual(records.map((x) => [x.trainee, x.status]), CLASS.map((t) => [t, "ok"]));
        for (const t of CLASS) assert.ok(await visit(at(t), `${t}, restored`) > backedUp[t], t);
        // Saved first, before being replaced, and never taken by a restore on its own.
        for (const t of CLASS) assert.strictEqual(fs.readdirSync(path.join(dir, t, "before-restore")).filter((f) => f.endsWith(".rdb")).length, 1, t);

        for (const t of CLASS) kubectl("delete", "pod", "-n", defaultNamespace(t), "-l", "app.kubernetes.io/name=redis", "--wait=false");
        for (const t of CLASS) {
            await allRunning(at(t));
            assert.ok(await visit(at(t), `${t}, after Redis' pod was deleted`) > backedUp[t] + 1, t);
        }
        const again = npmClass("up", "--roster", roster, "--parallel", "4", ...upOptions());
        assert.strictEqual(again.status, 0, again.stderr);
        for (const t of CLASS) assert.ok(await visit(at(t), `${t}, after another up`) > backedUp[t] + 2, t);
    });

    it("`restore --trainee bea --source sam`: bea's counter continues from sam's backup", async () => {
        const r = npmClass("restore", "--roster", roster, "--from", dir, "--trainee", "bea", "--source", "sam");
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`^bea +${dir}/sam/\\S+\\.rdb .* ok \\(the data it replaced: ${dir}/bea/before-restore/\\S+\\.rdb\\)$`, "m"));
        assert.strictEqual(await visit(at("bea"), "bea, with a copy of sam's data"), backedUp.sam + 1);
    });

    it("a corrupt backup is refused by name, and the trainee's counter is unchanged", async () => {
        const before = await visit(at("cal"), "cal, before the corrupt restore");
        const newest = fs.readdirSync(path.join(dir, "cal")).filter((f) => f.endsWith(".rdb")).sort().at(-1)!;
        const file = path.join(dir, "cal", newest);
        fs.truncateSync(file, 40);
        const truncated = npmClass("restore", "--roster", roster, "--from", dir, "--trainee", "cal");
        assert.strictEqual(truncated.status, 1);
        assert.match(truncated.stdout, new RegExp(`^cal .* failed: ${file} is truncated or corrupt: 40 bytes`, "m"));
        assert.strictEqual(await visit(at("cal"), "cal, after the refused restore"), before + 1);

        // A byte flipped in a copy of sam's backup, named and described as the tool would for
        // cal: Redis itself refuses it (its checksum), before cal's Redis is touched.
        const sams = path.join(dir, "sam", fs.readdirSync(path.join(dir, "sam")).filter((f) => f.endsWith(".rdb"))[0]);
        const takenAt = new Date();
        const garbage = path.join(dir, "cal", backupFileName(takenAt));
        const manifest: Manifest = JSON.parse(fs.readFileSync(sams.replace(/\.rdb$/, ".json"), "utf8"));
        const data = fs.readFileSync(sams);
        data[Math.floor(data.length / 2)] ^= 0xff;
        fs.writeFileSync(garbage, data, { mode: 0o600 });
        const described = { ...manifest, trainee: "cal", namespace: defaultNamespace("cal"), takenAt: takenAt.toISOString(), bytes: data.length, sha256: sha256(data) };
        fs.writeFileSync(manifestPath(garbage), JSON.stringify(described), { mode: 0o600 });
        const refused = npmClass("restore", "--roster", roster, "--from", dir, "--trainee", "cal", "--at", path.basename(garbage));
        assert.strictEqual(refused.status, 1);
        assert.match(refused.stdout, /^cal .* failed: Redis cannot load this snapshot: .*; nothing was changed$/m);
        // The same file said to be sam's: refused by its manifest, naming --source.
        fs.writeFileSync(manifestPath(garbage), JSON.stringify({ ...described, trainee: "sam" }), { mode: 0o600 });
        const notHers = npmClass("restore", "--roster", roster, "--from", dir, "--trainee", "cal");
        assert.strictEqual(notHers.status, 1);
        assert.match(notHers.stdout, /^cal .* failed: .* is sam's data by its manifest, but lies in cal's folder: .*--source sam$/m);
        fs.rmSync(garbage);
        fs.rmSync(manifestPath(garbage));
        assert.strictEqual(await visit(at("cal"), "cal, after Redis refused the garbage"), before + 2);
    });

    it("refused before anything runs: `--at` without `--trainee`, `--source` a path; and while another restore holds cal's Lease", async () => {
        const before = await visit(at("cal"), "cal, before the refused restores");
        const printed = path.join(dir, "sam", fs.readdirSync(path.join(dir, "sam")).filter((f) => f.endsWith(".rdb"))[0]);
        const noTrainee = npmClass("restore", "--roster", roster, "--from", dir, "--at", printed);
        assert.strictEqual(noTrainee.status, 2, noTrainee.stderr);
        assert.match(noTrainee.stderr, /nothing was touched: --at \S+ names one backup: say whose data it replaces with --trainee NAME/);
        const pathSource = npmClass("restore", "--roster", roster, "--from", dir, "--trainee", "cal", "--source", "../sam");
        assert.strictEqual(pathSource.status, 2, pathSource.stderr);
        assert.match(pathSource.stderr, /nothing was touched: --source \.\.\/sam: .* is not a name/);

        // Another trainer's restore, running: its Lease renewed just now.
        const renewed = new Date().toISOString().replace("Z", "000Z");
        const lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: DATA_LEASE_NAME, namespace: defaultNamespace("cal") },
            spec: { holderIdentity: "restore by trainer@elsewhere, pid 4242 (abc123)", leaseDurationSeconds: 60, acquireTime: renewed, renewTime: renewed } };
        const created = run("kubectl", ["create", "-f", "-"], { input: JSON.stringify(lease) });
        assert.strictEqual(created.status, 0, created.stderr);
        const busy = npmClass("restore", "--roster", roster, "--from", dir, "--trainee", "cal", "--source", "sam");
        kubectl("delete", "lease", DATA_LEASE_NAME, "-n", defaultNamespace("cal"));
        assert.strictEqual(busy.status, 1, busy.stderr);
        assert.match(busy.stdout, /^cal .* failed: busy: a restore by trainer@elsewhere, pid 4242 \(abc123\) is working on this trainee's data/m);
        assert.strictEqual(await visit(at("cal"), "cal, after the refusals"), before + 1);

        // The same restore, killed: its Lease was last renewed two minutes ago, so it has lapsed.
        // The next restore takes it over, says so, and lets the Lease go when it is done.
        const lapsed = new Date(Date.now() - 120_000).toISOString().replace("Z", "000Z");
        const killed = { ...lease, spec: { ...lease.spec, acquireTime: lapsed, renewTime: lapsed } };
        assert.strictEqual(run("kubectl", ["create", "-f", "-"], { input: JSON.stringify(killed) }).status, 0);
        const after = npmClass("restore", "--roster", roster, "--from", dir, "--trainee", "cal", "--source", "sam");
        assert.strictEqual(after.status, 0, after.stderr + after.stdout);
        assert.match(after.stdout, /^cal .* ok \(the data it replaced: \S+\) \(after an interrupted restore by trainer@elsewhere, pid 4242 \(abc123\)\)$/m);
        assert.match(kubectl("get", "lease", DATA_LEASE_NAME, "-n", defaultNamespace("cal")).stderr, /NotFound/);
        assert.strictEqual(await visit(at("cal"), "cal, restored after the interrupted restore"), backedUp.sam + 1);
    });

    it("a snapshot too big for cal's Redis container is refused before it starts, naming its size, the limit and redisMemory", async () => {
        const before = await visit(at("cal"), "cal, before the big restore");
        const savedBefore = () => fs.readdirSync(path.join(dir, "cal", BEFORE_RESTORE_DIR)).sort();
        const savedEarlier = savedBefore();
        // 40 MiB, named and described as the tool writes them: its size alone decides.
        const takenAt = new Date().toISOString();
        const big = saveBackup(dir, Buffer.alloc(40 * 1024 * 1024, 7), { trainee: "cal", namespace: defaultNamespace("cal"), volume: "pvc-big", takenAt, keys: 1 });
        const r = npmClass("restore", "--roster", roster, "--from", dir, "--trainee", "cal", "--at", path.basename(big.file));
        fs.rmSync(big.file);
        fs.rmSync(manifestPath(big.file));
        assert.strictEqual(r.status, 1, r.stderr + r.stdout);
        assert.match(r.stdout, /^cal .* failed: the snapshot is 40\.0 MiB; restoring it needs about \d+\.\d MiB .* the container's memory limit is 256\.0 MiB: .* Raise monsterstack:redisMemory \(to \d+Mi or more; .*; nothing was changed$/m);
        assert.deepStrictEqual(savedBefore(), savedEarlier, "refused before it started, yet cal's data was saved as if replaced");
        assert.strictEqual(await visit(at("cal"), "cal, after the refused big restore"), before + 1);
    });

    it("`restore --in-cluster` brings back what the scheduled job saved", async () => {
        const saved = await visit(at("sam"), "sam, before the next scheduled backup");
        await scheduledBackup("sam");
        await visits("sam", 3, "after the scheduled backup");
        const r = npmClass("restore", "--roster", roster, "--in-cluster", "--trainee", "sam", "--from", dir);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, /^sam +monsterstack-sam\/redis-backups:\S+\.rdb .* ok/m);
        assert.strictEqual(await visit(at("sam"), "sam, restored from the claim redis-backups"), saved + 1);
        assert.deepStrictEqual(kubeJson("pods", "-n", defaultNamespace("sam"), "-l", "app.kubernetes.io/component=backup-reader").items, [], "the reader pod was left behind");
    });

    it("with Retain, the claim redis-backups outlives `down` and comes back with its files on the next `up`", () => {
        // dee's backup written before `down`, still there after it and `up`.
        const r = npmClass("restore", "--roster", roster, "--in-cluster", "--trainee", "dee", "--at", deesScheduledFile, "--from", dir);
        assert.strictEqual(r.status, 0, r.stderr + r.stdout);
        assert.match(r.stdout, new RegExp(`^dee +monsterstack-dee/redis-backups:${deesScheduledFile.replace(/\./g, "\\.")} .* ok`, "m"));
    });

    after(() => {
        const down = npmClass("down", "--roster", roster, "--purge", "--yes");
        if (down.status !== 0) console.log(down.stderr);
        backend?.remove();
    });
});
