// A shared cluster where trainees run `pulumi up` themselves: the trainer prepares each
// trainee's namespace and access (`npm run class -- up --config tenancy=only`), and pia,
// with nothing but her own kubeconfig and her own Pulumi backend, deploys, toggles
// Retain/Delete and destroys; the admission policy refuses her quinn's volume. Typed as the
// README's "Trainees running their own stack" section says.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { allRunning, useLocalImages, visit } from "./lib/app";
import { npmClass, run, tempBackend, TempBackend, TraineeCli } from "./lib/cli";
import { kubectl, kubeJson, waitFor } from "./lib/cluster";
import type { JsonRecord } from "../class/report";
import { cronProblem } from "../core/cron";
import { BACKUP_CRONJOB_NAME } from "../components/scheduledBackup";


describe("trainees running their own stack in namespaces the class prepared", function () {
    this.timeout(20 * 60 * 1000);
    let trainer: TempBackend;
    let roster: string;
    let records: JsonRecord[];
    let pia: TraineeCli;
    let quinn: TraineeCli;

    const kubeconfigOf = (trainee: string) => records.find((r) => r.trainee === trainee)!.kubeconfig!;
    /** A trainee's own checkout, shell and `pulumi login --local` backend; their kubeconfig is the one the trainer gave them. */
    const ownCheckout = (stack: string): TraineeCli => {
        const backend = path.join(trainer.root, `${stack}-backend`);
        fs.mkdirSync(backend);
        const trainee = TraineeCli.checkout(stack, trainer.root, { KUBECONFIG: kubeconfigOf(stack), PULUMI_BACKEND_URL: `file://${backend}` }, `${stack}-checkout`);
        trainee.set("namespaceOwner", "class");
        useLocalImages(trainee);
        return trainee;
    };
    const asTrainee = (trainee: string, ...args: string[]) => run("kubectl", ["--kubeconfig", kubeconfigOf(trainee), ...args], { allowFail: true });

    before(() => {
        // The trainer's backend; each trainee has their own.
        trainer = tempBackend("own", "trainer-backend");
        roster = path.join(trainer.root, "class.txt");
        fs.writeFileSync(roster, "pia\nquinn\n");
    });

    it("the trainer's `up --config tenancy=only`: each trainee gets a namespace and a kubeconfig, and no app", () => {
        const r = npmClass("up", "--roster", roster, "--config", "tenancy=only", "--out", path.join(trainer.root, "kubeconfigs"), "--json");
        assert.strictEqual(r.status, 0, r.stderr);
        records = JSON.parse(r.stdout);
        assert.deepStrictEqual(records.map((x) => [x.trainee, x.status, x.frontendUrl]), [["pia", "ok", null], ["quinn", "ok", null]]);
        for (const x of records) {
            assert.strictEqual(kubeJson("namespace", x.namespace).metadata.labels["monsterstack.io/tenancy"], "only");
            assert.deepStrictEqual(kubeJson("deployments", "-n", x.namespace).items, []);
            assert.strictEqual(fs.statSync(x.kubeconfig!).mode & 0o777, 0o600);
        }
    });

    it("the real API server compiles the admission policy's CEL without a warning", async () => {
        const name = "monsterstack-monsterstack-pia-own-volume";
        await waitFor("the policy's type check", () => kubeJson("validatingadmissionpolicy", name)?.status?.observedGeneration >= 1);
        const policy = kubeJson("validatingadmissionpolicy", name);
        assert.deepStrictEqual(policy.status.typeChecking?.expressionWarnings ?? [], []);
        // No condition the API server reports (it may report none) says the policy failed.
        assert.deepStrictEqual((policy.status.conditions ?? []).filter((c: { status: string }) => c.status !== "True"), [], JSON.stringify(policy.status));
    });

    it("pia, with her own kubeconfig: `pulumi preview` and `pulumi up` in the class's namespace; pods Running, the counter counts", async () => {
        pia = ownCheckout("pia");
        // A scheduled backup of her own (once a year: the test starts its jobs itself).
        pia.set("backupSchedule", "0 0 1 1 *");
        const preview = pia.preview().stdout;
        assert.doesNotMatch(preview, /kubernetes:core\/v1:Namespace/, "the namespace is the class's");
        pia.up();
        await allRunning(pia);
        assert.strictEqual(await visit(pia, "pia's own stack") + 1, await visit(pia, "reload"));
        const volume = kubeJson("pvc", "redis-data", "-n", pia.namespace).spec.volumeName;
        assert.strictEqual(pia.outputs().dataVolume, volume);
        assert.strictEqual(kubeJson("pv", volume).metadata.labels["monsterstack.io/namespace"], pia.namespace);
    });

    it("pia's `npm run lab -- check`, in French, judges her deploy and reports it in her namespace; the trainer's `status` reads it with each trainee's kubeconfig", () => {
        const check = pia.lab("check");
        console.log(`      npm run lab -- check: ${check.stdout.trim()}`);
        assert.strictEqual(check.status, 0, check.stdout + check.stderr);
        const volume = kubeJson("pvc", "redis-data", "-n", pia.namespace).spec.volumeName;
        assert.match(check.stdout.trim(), new RegExp(`^deploy: ✔ \\d+ visite\\(s\\), volume ${volume}$`));
        assert.match(kubeJson("configmap", "monsterstack-lab", "-n", pia.namespace).data.deploy, new RegExp(`^\\S+Z volume=${volume} visits=\\d+$`));
        // A curious quinn cannot write pia's progress.
        assert.match(asTrainee("quinn", "create", "configmap", "monsterstack-lab", "-n", pia.namespace, "--from-literal=configmap=2026-12-04T00:00:00Z").stderr, /forbidden/i);
        const status = npmClass("status", "--roster", roster, "--out", path.join(trainer.root, "kubeconfigs"), "--json");
        assert.strictEqual(status.status, 0, status.stderr);
        const labs = (JSON.parse(status.stdout) as JsonRecord[]).map((r) => [r.trainee, r.lab]);
        assert.deepStrictEqual(labs, [["pia", { done: 1, total: 6, next: "delete-workloads", from: "report" }], ["quinn", { done: 0, total: 6, next: "deploy", from: "report" }]]);
        const table = npmClass("status", "--roster", roster, "--out", path.join(trainer.root, "kubeconfigs"));
        assert.match(table.stdout, /^pia .* 1\/6 delete-workloads \(reported\) +ok$/m, table.stdout);
    });

    // Her jobs' new pods reach Redis only once the NetworkPolicy enforcement knows them: the job's
    // script waits for Redis (CI run K of 2026-12-04 lost mine-1 to its retries before it did).
    it("pia's own backups run under the class's NetworkPolicies: two jobs she starts together write a file each", async () => {
        const jobs = ["mine-1", "mine-2"];
        for (const job of jobs) {
            const created = asTrainee("pia", "create", "job", `--from=cronjob/${BACKUP_CRONJOB_NAME}`, job);
            assert.strictEqual(created.status, 0, created.stderr);
        }
        const written: string[] = [];
        for (const job of jobs) {
            await waitFor(`pia's job ${job} to complete`, () => kubeJson("job", job, "-n", pia.namespace)?.status?.succeeded === 1, 150).catch((err) => {
                console.log(kubectl("get", "jobs,pods,pvc,events", "-n", pia.namespace, "-o", "wide").stdout, kubectl("logs", "-n", pia.namespace, `job/${job}`).stdout + kubectl("logs", "-n", pia.namespace, `job/${job}`).stderr);
                throw err;
            });
            written.push(/backed up: (\S+\.rdb),/.exec(asTrainee("pia", "logs", `job/${job}`).stdout)?.[1] ?? "");
        }
        assert.deepStrictEqual(written.map((f) => f.replace(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ-/, "")), ["mine-1.rdb", "mine-2.rdb"], written.join(", "));
        // Her jobs are hers to delete, as she made them.
        const deleted = asTrainee("pia", "delete", "job", ...jobs);
        assert.strictEqual(deleted.status, 0, deleted.stderr);
    });

    it("the API server judges schedules as config.ts does (robfig/cron's standard parser)", () => {
        const schedules = ["0 0 * * 7", "0 0 * * 5-7", "0 0 * * 6", "? ? ? ? ?", "*/15 * * * *", "@every 1h", "@DAILY", "0 0 * * * *", "TZ=UTC 0 0 * * *", "0 0 31 2 *"];
        const verdicts = schedules.map((schedule) => {
            const cronJob = { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "judged", namespace: pia.namespace },
                spec: { schedule, jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "redis" }] } } } } } };
            const r = run("kubectl", ["create", "--dry-run=server", "-f", "-"], { input: JSON.stringify(cronJob), allowFail: true });
            return { schedule, apiServer: r.status === 0 ? "accepted" : r.stderr.trim(), ours: cronProblem(schedule) ?? "accepted" };
        });
        const disagreements = verdicts.filter((v) => (v.apiServer === "accepted") !== (v.ours === "accepted"));
        assert.deepStrictEqual(disagreements, [], JSON.stringify(verdicts, null, 2));
        assert.ok(verdicts.some((v) => v.apiServer === "accepted") && verdicts.some((v) => v.apiServer !== "accepted"), "both verdicts are exercised");
    });

    it("pia toggles Retain and back to Delete: her patch of her own volume is admitted", () => {
        const volume = kubeJson("pvc", "redis-data", "-n", pia.namespace).spec.volumeName;
        for (const policy of ["Retain", "Delete"]) {
            pia.set("reclaimPolicy", policy);
            pia.up();
            assert.strictEqual(kubeJson("pv", volume).spec.persistentVolumeReclaimPolicy, policy);
        }
    });

    it("her patch of quinn's volume, or of her own volume's size, is refused by the policy with its message", () => {
        quinn = ownCheckout("quinn");
        quinn.up();
        const quinns = kubeJson("pvc", "redis-data", "-n", quinn.namespace).spec.volumeName;
        const toDelete = asTrainee("pia", "patch", "pv", quinns, "-p", '{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}');
        assert.notStrictEqual(toDelete.status, 0);
        console.log(`      refused: ${toDelete.stderr.trim()}`);
        assert.match(toDelete.stderr, new RegExp(`ValidatingAdmissionPolicy 'monsterstack-monsterstack-pia-own-volume' .*denied request: volume ${quinns} holds the data of namespace monsterstack-quinn: system:serviceaccount:monsterstack-pia:trainee may only change volumes claimed from its own namespace`));
        assert.strictEqual(kubeJson("pv", quinns).spec.persistentVolumeReclaimPolicy, "Delete", "quinn's volume was changed");
        const own = kubeJson("pvc", "redis-data", "-n", pia.namespace).spec.volumeName;
        const bigger = asTrainee("pia", "patch", "pv", own, "-p", '{"spec":{"capacity":{"storage":"200Gi"}}}');
        assert.match(bigger.stderr, /may change its reclaim policy only/);
        // A server-side apply is a patch, which she may do; creating a volume (on the node's /) that way still
        // needs `create`, which RBAC refuses before the policy (which refuses it too) is asked.
        const hostRoot = JSON.stringify({ apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "pia-takes-the-node" },
            spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/" }, claimRef: { namespace: pia.namespace, name: "redis-data" } } });
        const created = run("kubectl", ["--kubeconfig", kubeconfigOf("pia"), "apply", "--server-side", "-f", "-"], { input: hostRoot, allowFail: true });
        assert.match(created.stderr, /cannot create resource "persistentvolumes"/);
        assert.strictEqual(kubeJson("pv", "pia-takes-the-node"), undefined);
        // What RBAC already refuses: another namespace, the namespaces themselves.
        assert.match(asTrainee("pia", "get", "pods", "-n", quinn.namespace).stderr, /forbidden/i);
        assert.match(asTrainee("pia", "delete", "namespace", quinn.namespace, "--dry-run=server").stderr, /forbidden/i);
    });

    it("pia destroys her stack: her app and volume go, the class's namespace stays", async () => {
        const volume = kubeJson("pvc", "redis-data", "-n", pia.namespace).spec.volumeName;
        pia.destroy();
        await waitFor("pia's volume to go (reclaim policy Delete)", () => !kubeJson("pv", volume));
        assert.deepStrictEqual(kubeJson("deployments,statefulsets,pvc", "-n", pia.namespace).items, []);
        assert.ok(kubeJson("namespace", pia.namespace), "the class's namespace was deleted by pia's stack");
    });

    after(() => {
        if (quinn) quinn.destroy();
        if (records) npmClass("down", "--roster", roster);
        trainer?.remove();
    });
});
