// The trainer's tool on the local cluster: a class of 5, 3 at a time, with tenancy: `up`,
// `status`, a second `up` that changes nothing, every trainee's kubeconfig tried, `down`.
// Typed as the README's "Running a class" section says.
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CLASS_LOCAL_IMAGES, visit } from "./lib/app";
import { killTree, npmClass, REPO, required, run, tempBackend, TempBackend } from "./lib/cli";
import { kubeJson, waitFor } from "./lib/cluster";
import type { JsonRecord } from "../class/report";
import { defaultNamespace } from "../config";

const CLASS = ["ann", "ben", "cid", "dot", "eve"];


describe("npm run class: a class of 5 with --parallel 3", function () {
    this.timeout(20 * 60 * 1000);
    let backend: TempBackend;
    let roster: string;
    let out: string;

    /** The provider copies a kubeconfig given by value to /tmp/kubeconfig* and never deletes it (docs/testing.md). */
    let tempFilesBefore: Set<string>;

    before(() => {
        tempFilesBefore = new Set(fs.readdirSync(os.tmpdir()));
        backend = tempBackend("class");
        roster = path.join(backend.root, "class.txt");
        out = path.join(backend.root, "kubeconfigs");
        fs.writeFileSync(roster, ["# the e2e class", ...CLASS.map((t, i) => (i === 1 ? `${t} reclaimPolicy=Retain` : t))].join("\n") + "\n");
    });

    it("refuses a bad roster, naming the line, before touching any stack", () => {
        const bad = path.join(backend.root, "bad.txt");
        fs.writeFileSync(bad, "ann\nann\nben colour=blue\n");
        const r = npmClass("up", "--roster", bad);
        assert.strictEqual(r.status, 2);
        assert.match(r.stderr, /nothing was touched/);
        assert.match(r.stderr, /bad\.txt:2: trainee ann is already on line 1/);
        assert.match(r.stderr, /bad\.txt:3: unknown config key monsterstack:colour/);
        assert.strictEqual(run("pulumi", ["stack", "ls", "--json"], { cwd: REPO }).stdout.trim(), "[]");
    });

    it("without a passphrase for the file backend, stops before touching any stack and names the variable", () => {
        const r = run("npm", ["run", "--silent", "class", "--", "up", "--roster", roster], { cwd: REPO, allowFail: true, env: { PULUMI_CONFIG_PASSPHRASE: undefined } });
        assert.strictEqual(r.status, 2, r.stderr);
        assert.match(r.stderr, /nothing was touched: the backend file:\/\/\S+ keeps each stack's secrets under a passphrase/);
        assert.match(r.stderr, /export PULUMI_CONFIG_PASSPHRASE \(or PULUMI_CONFIG_PASSPHRASE_FILE\)/);
        assert.strictEqual(run("pulumi", ["stack", "ls", "--json"], { cwd: REPO }).stdout.trim(), "[]");
    });

    it("`up --json`: one JSON array, every trainee ok, each kubeconfig a 0600 file that reaches its own namespace only", async () => {
        // The admin kubeconfig given by value, as `--config kubeconfig="$(cat admin.yaml)"` gives it.
        const admin = fs.readFileSync(required("KUBECONFIG"), "utf8");
        const r = npmClass("up", "--roster", roster, "--parallel", "3", "--config", "tenancy=on", "--config", `kubeconfig=${admin}`, ...CLASS_LOCAL_IMAGES, "--out", out, "--json");
        assert.strictEqual(r.status, 0, r.stderr);
        // The stacks' settings are in the class's own folder, the kubeconfig encrypted; the project's work tree is as it was.
        assert.strictEqual(run("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: REPO }).stdout, "", "the class changed the project's work tree");
        const adminKey = /client-key-data: (\S+)/.exec(admin)![1];
        for (const t of CLASS) {
            assert.ok(!fs.existsSync(path.join(REPO, `Pulumi.${t}.yaml`)), `Pulumi.${t}.yaml in the project`);
            const settings = fs.readFileSync(path.join(path.dirname(roster), "class-stacks", `Pulumi.${t}.yaml`), "utf8");
            assert.match(settings, /^ {2}monsterstack:kubeconfig:\n {4}secure: /m, t);
            assert.ok(!settings.includes(adminKey.slice(0, 40)), `the admin key is in plain text in ${t}'s settings`);
        }
        const records: JsonRecord[] = JSON.parse(r.stdout);
        assert.deepStrictEqual(records.map((x) => [x.trainee, x.status]), CLASS.map((t) => [t, "ok"]));
        assert.strictEqual(records[1].reclaimPolicy, "Retain");
        assert.ok(!r.stdout.includes("token:") && !r.stderr.includes("token:"), "a token was printed");
        // Not a terminal: a plain progress line per trainee and change of stage.
        for (const t of CLASS) {
            assert.match(r.stderr, new RegExp(`^${t}: updating, \\d+ resources? done, \\d+s$`, "m"));
            assert.match(r.stderr, new RegExp(`^${t}: done, \\d+ resources done, \\d+s$`, "m"));
        }
        for (const record of records) {
            assert.strictEqual(record.namespace, `monsterstack-${record.trainee}`);
            assert.match(String(record.dataVolume), /^pvc-/);
            assert.strictEqual(kubeJson("deployment", "frontend", "-n", record.namespace).status.readyReplicas, 2);
            const file = record.kubeconfig!;
            assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600, file);
            const other = records.find((x) => x !== record)!;
            const as = (...args: string[]) => run("kubectl", ["--kubeconfig", file, ...args], { allowFail: true });
            assert.strictEqual(as("auth", "can-i", "list", "pods").stdout.trim(), "yes");
            assert.strictEqual(as("auth", "can-i", "get", "secrets", "-n", other.namespace).stdout.trim(), "no");
            assert.match(as("get", "deployments", "-o", "name").stdout, /deployment.apps\/frontend/);
            assert.match(as("get", "pods", "-n", other.namespace).stderr, /forbidden/i);
        }
    });

    it("`status`: the table, each trainee's lab judged on the live cluster, and a second `up` plans and makes no change", async () => {
        // ann opens her page once: her lab's first step is done, the others' not yet.
        assert.strictEqual(await visit({ namespace: defaultNamespace("ann") }, "ann, before status"), 1);
        const status = npmClass("status", "--roster", roster);
        assert.strictEqual(status.status, 0, status.stderr);
        for (const t of CLASS) assert.match(status.stdout, new RegExp(`^${t} +monsterstack-${t} +minikube service frontend -n monsterstack-${t} --url +pvc-`, "m"));
        // Run without the up's --config tenancy=on, it writes the trainees' kubeconfigs into ./class-kubeconfigs, never the work tree.
        assert.strictEqual(run("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: REPO }).stdout, "", "class status wrote into the project's work tree");
        assert.match(status.stdout, /^TRAINEE .* ISOLATION +LAB +STATUS$/m);
        for (const t of CLASS) assert.match(status.stdout, new RegExp(`^${t} .* ${t === "ann" ? "1/6 delete-workloads" : "0/6 deploy"} +ok$`, "m"));
        // Judging read the counter without counting a visit.
        assert.strictEqual(await visit({ namespace: defaultNamespace("ann") }, "ann, after status"), 2);
        const again = npmClass("up", "--roster", roster, "--parallel", "3", "--config", "tenancy=on", ...CLASS_LOCAL_IMAGES, "--out", out);
        assert.strictEqual(again.status, 0, again.stderr);
        for (const t of CLASS) assert.match(again.stdout, new RegExp(`^${t} .* ok \\(\\d+ unchanged\\)$`, "m"));
    });

    it("a stack whose lock a crashed run left is reported as such at once, with the way out, and the others go on", async () => {
        // A `pulumi up` of ann killed while it held the stack's lock, as a crashed or interrupted run leaves it.
        // Run where the class keeps ann's settings: the folder beside the roster.
        const holder = spawn("pulumi", ["up", "--yes", "--non-interactive", "--stack", "ann"], { cwd: path.join(path.dirname(roster), "class-stacks"), detached: true, stdio: "ignore" });
        const locks = path.join(backend.state, ".pulumi", "locks");
        await waitFor("ann's lock", () => fs.existsSync(locks) && fs.readdirSync(locks, { recursive: true }).some((f) => /\/ann\/[^/]+\.json$/.test(String(f))), 60);
        killTree(holder.pid!);
        const pair = path.join(backend.root, "pair.txt");
        fs.writeFileSync(pair, "ann\nben reclaimPolicy=Retain\n");
        const options = ["--config", "tenancy=on", ...CLASS_LOCAL_IMAGES, "--out", out];
        const locked = npmClass("up", "--roster", pair, ...options);
        assert.strictEqual(locked.status, 1, locked.stderr);
        assert.match(locked.stdout, new RegExp(`^ann .* failed: locked by a run that is gone \\(pid ${holder.pid} of \\S+@\\S+, since [^)]+\\): \`npm run class -- unlock --roster ${pair}\` clears its lock$`, "m"));
        assert.match(locked.stdout, /^ben .* ok \(\d+ unchanged\)$/m);
        const status = npmClass("status", "--roster", pair);
        assert.match(status.stdout, /^ann .* failed: locked by a run that is gone .*unlock/m);
        const unlocked = npmClass("unlock", "--roster", pair);
        assert.strictEqual(unlocked.status, 0, unlocked.stderr);
        assert.match(unlocked.stdout, new RegExp(`^ann .* ok \\(unlocked: the lock of pid ${holder.pid} of .*, whose run is gone\\)$`, "m"));
        assert.match(unlocked.stdout, /^ben .* ok \(not locked\)$/m);
        const again = npmClass("up", "--roster", pair, ...options);
        assert.strictEqual(again.status, 0, again.stderr);
    });

    it("one trainee's failure never stops the others; the exit status and stderr name who failed", () => {
        // fay asks for the nodePort ann's frontend already has: the API server refuses fay's Service.
        const taken = kubeJson("service", "frontend", "-n", defaultNamespace("ann")).spec.ports[0].nodePort;
        // gus asks for ben's namespace (ben is not on this roster): the program refuses it.
        // hal asks for ann's, who is on it: refused before his stack is even made.
        const bensLabels = kubeJson("namespace", defaultNamespace("ben")).metadata.labels;
        const mixed = path.join(backend.root, "mixed.txt");
        fs.writeFileSync(mixed, `fay frontendNodePort=${taken}\nann\ngus namespace=monsterstack-ben\nhal namespace=monsterstack-ann\n`);
        const r = npmClass("up", "--roster", mixed, "--parallel", "2", "--config", "tenancy=on", ...CLASS_LOCAL_IMAGES, "--out", out);
        assert.strictEqual(r.status, 1, r.stderr);
        assert.match(r.stdout, /^fay +monsterstack-fay .* failed: .*(already allocated|port)/m);
        assert.match(r.stdout, /^ann .* ok \(\d+ unchanged\)$/m);
        assert.match(r.stdout, /^gus +monsterstack-ben .* failed: monsterstack:namespace = "monsterstack-ben": namespace monsterstack-ben already exists and is not this stack's: it is stack ben's, of project monsterstack/m);
        assert.match(r.stdout, /^hal +monsterstack-ann .* failed: monsterstack:namespace = "monsterstack-ann" is trainee ann's \(line 2\): two stacks never share a namespace/m);
        assert.match(r.stderr, /^failed: fay \(.*\); gus \(.*\); hal \(/m);
        assert.deepStrictEqual(kubeJson("namespace", defaultNamespace("ben")).metadata.labels, bensLabels, "ben's namespace was relabelled");
        assert.ok(!JSON.parse(run("pulumi", ["stack", "ls", "--json"], { cwd: REPO }).stdout).some((s: { name: string }) => s.name === "hal"), "hal's stack was made");
        const cleanup = path.join(backend.root, "cleanup.txt");
        fs.writeFileSync(cleanup, "fay\ngus\n");
        assert.strictEqual(npmClass("down", "--roster", cleanup).status, 0);
        assert.ok(kubeJson("namespace", defaultNamespace("ben")), "gus's down took ben's namespace");
    });

    it("`down`: every stack destroyed, and it says whose data is kept", async () => {
        const ben = kubeJson("pvc", "redis-data", "-n", defaultNamespace("ben")).spec.volumeName;
        const r = npmClass("down", "--roster", roster, "--parallel", "3");
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stderr, /data kept \(reclaimPolicy Retain\): ben; `down --purge` deletes it/);
        await waitFor("the class's namespaces to go", () => CLASS.every((t) => !kubeJson("namespace", defaultNamespace(t))));
        assert.strictEqual(kubeJson("pv", ben).status.phase, "Released");
        // Nobody to answer the confirmation (no terminal): nothing is purged.
        const unconfirmed = npmClass("down", "--roster", roster, "--purge");
        assert.strictEqual(unconfirmed.status, 1);
        assert.match(unconfirmed.stderr, new RegExp(`purge: not confirmed; the retained data of ben \\(${ben}\\) is kept`));
        assert.strictEqual(kubeJson("pv", ben).spec.persistentVolumeReclaimPolicy, "Retain");
        const purge = npmClass("down", "--roster", roster, "--purge", "--yes");
        assert.strictEqual(purge.status, 0, purge.stderr);
        assert.match(purge.stderr, new RegExp(`purge: ben: ${ben} set to Delete`));
        await waitFor("ben's retained volume to be deleted", () => !kubeJson("pv", ben));
    });

    after(() => {
        for (const f of fs.readdirSync(os.tmpdir()).filter((f) => /^kubeconfig/.test(f) && !tempFilesBefore.has(f))) fs.rmSync(path.join(os.tmpdir(), f), { force: true });
        backend?.remove();
    });
});
