// A namespace the stack's current run did not make: someone else's, which it never adopts,
// relabels or deletes; its own from an older version (2722259), which an upgrade keeps with its
// data; and one its own first run made before it was killed, which the next run takes. Plain
// `pulumi up` and `pulumi destroy`, on the real node. Other trainees' namespaces: namespaces.e2e.ts.
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { allRunning, traineeWithLocalImages, useLocalImages, visit } from "./lib/app";
import { killTree, run, tempBackend, TempBackend, TraineeCli } from "./lib/cli";
import { kubeJson, kubectl, waitFor } from "./lib/cluster";
import { assertRefused, labelsOf } from "./lib/namespaces";

const FOREIGN = "team-data";

describe("a namespace with a history: someone else's, an older version's, a killed first run's", function () {
    this.timeout(20 * 60 * 1000);
    let backend: TempBackend;

    const trainee = (stack: string) => traineeWithLocalImages(stack, backend.root);

    before(() => {
        backend = tempBackend("namespace-history");
    });

    it("pointed at someone else's namespace, `pulumi up` fails before registering anything; its labels and ConfigMap outlive the stack's destroy", () => {
        // Another team's namespace and data, made with kubectl.
        for (const args of [["create", "namespace", FOREIGN], ["label", "namespace", FOREIGN, "team=data"],
            ["create", "configmap", "precious", "-n", FOREIGN, "--from-literal=owner=team-data"]]) {
            assert.strictEqual(kubectl(...args).status, 0, args.join(" "));
        }
        const before = labelsOf(FOREIGN);
        const gina = trainee("gina");
        gina.set("namespace", FOREIGN);
        const preview = gina.attempt("preview");
        assert.notStrictEqual(preview.status, 0);
        assert.match(preview.stdout + preview.stderr, /namespace team-data already exists and is not this stack's: it is not monsterstack's: its labels are team=data\./);
        assertRefused(gina, FOREIGN, /its labels are team=data\./);
        assert.deepStrictEqual(labelsOf(FOREIGN), before, "the namespace was relabelled");
        gina.destroy();
        assert.deepStrictEqual(labelsOf(FOREIGN), before);
        assert.strictEqual(kubeJson("configmap", "precious", "-n", FOREIGN)?.data?.owner, "team-data", "the other team's data is gone");
        assert.strictEqual(kubectl("delete", "namespace", FOREIGN, "--wait=false").status, 0);
    });

    it("a stack deployed by 2722259 keeps its namespace, policies and data on upgrade: its stack id is added in place, and the counter carries on", async () => {
        const uma = TraineeCli.checkoutAt("2722259", "uma", backend.root, "uma-at-2722259");
        useLocalImages(uma);
        // With tenancy, whose NetworkPolicies are now the app's own (AppIngress): they must move, not be made again.
        uma.set("tenancy", "on");
        uma.up();
        await allRunning(uma);
        const before = await visit(uma, "uma's app, deployed by 2722259");
        const namespace = kubeJson("namespace", uma.namespace).metadata;
        assert.strictEqual(namespace.labels["monsterstack.io/stack-id"], undefined);
        uma.upgrade();
        const steps = uma.previewSteps();
        assert.deepStrictEqual(steps.filter((s) => s.type === "kubernetes:core/v1:Namespace").map((s) => s.op), ["update"]);
        const destructive = steps.filter((s) => ["replace", "create-replacement", "delete-replaced", "delete"].includes(s.op));
        assert.deepStrictEqual(destructive, [], "the upgrade would replace or delete");
        const policies = steps.filter((s) => s.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && s.op === "create").map((s) => s.urn.split("::").pop());
        assert.deepStrictEqual(policies, ["app-ingress-app-deny-ingress"], "only the new policy is created; the others are the same objects");
        uma.up();
        await allRunning(uma);
        const after = kubeJson("namespace", uma.namespace).metadata;
        assert.strictEqual(after.uid, namespace.uid, "the namespace was replaced");
        assert.match(after.labels["monsterstack.io/stack-id"], /^[0-9a-f]{16}$/);
        assert.strictEqual(await visit(uma, "uma's app, upgraded"), before + 1);
        uma.destroy();
    });

    it("a first `pulumi up` killed once its namespace exists: the next `pulumi up` takes that namespace as its own", async () => {
        const jill = trainee("jill");
        const first = spawn("pulumi", ["up", "--yes", "--non-interactive"], { cwd: jill.dir, detached: true, stdio: "ignore" });
        await waitFor("jill's namespace", () => Boolean(kubeJson("namespace", jill.namespace)), 120);
        killTree(first.pid!);
        // The lock a killed run leaves; the CLI's own message names this command. The kill may also
        // land while the file backend rewrites the state's sidecar, left empty then: the way out is
        // docs/program.md's ("After a killed `pulumi up`").
        let cancel = jill.attempt("cancel", "--yes");
        if (cancel.status !== 0) {
            assert.match(cancel.stderr, /^error: failed to load checkpoint: EOF$/m, cancel.stdout + cancel.stderr);
            const stacks = path.join(backend.state, ".pulumi", "stacks");
            const empty = fs.readdirSync(stacks, { recursive: true }).map(String).filter((f) => f.endsWith(".attrs") && fs.statSync(path.join(stacks, f)).size === 0);
            assert.ok(empty.some((f) => f.endsWith("jill.json.attrs")), `no empty sidecar of jill's state: ${empty.join(", ")}`);
            run("find", [stacks, "-name", "*.attrs", "-empty", "-delete"]);
            console.log(`      the kill left ${empty.join(", ")} empty: removed, as docs/program.md says`);
            cancel = jill.attempt("cancel", "--yes");
        }
        assert.strictEqual(cancel.status, 0, cancel.stdout + cancel.stderr);
        jill.up();
        await allRunning(jill);
        assert.strictEqual(labelsOf(jill.namespace)["monsterstack.io/stack"], "jill");
        assert.strictEqual(await visit(jill, "jill's app after her first up was killed"), 1);
        jill.destroy();
        await waitFor("jill's namespace to go", () => !kubeJson("namespace", jill.namespace));
    });

    after(() => {
        kubectl("delete", "namespace", FOREIGN, "--ignore-not-found", "--wait=false");
        backend?.remove();
    });
});
