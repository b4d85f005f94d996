// A stack never adopts, relabels or deletes a namespace that is not its own: someone else's,
// or another trainee's. Its own it takes back, after its state was lost or its first run was
// killed halfway. Plain `pulumi up` and `pulumi destroy`, on the real node.
import * as assert from "assert";
import { spawn } from "child_process";
import { allRunning, useLocalImages, visit } from "./lib/app";
import { killTree, tempBackend, TempBackend, TraineeCli } from "./lib/cli";
import { kubeJson, kubectl, waitFor } from "./lib/cluster";

const FOREIGN = "team-data";

const labelsOf = (namespace: string): Record<string, string> => kubeJson("namespace", namespace).metadata.labels;

/** What `pulumi up` printed when it was refused: it failed, and named the namespace and whose it is. */
function assertRefused(trainee: TraineeCli, namespace: string, whose: RegExp): void {
    const up = trainee.attempt("up", "--yes");
    assert.notStrictEqual(up.status, 0, up.stdout);
    const printed = up.stdout + up.stderr;
    assert.match(printed, new RegExp(`monsterstack:namespace = "${namespace}": namespace ${namespace} already exists and is not this stack's: `));
    assert.match(printed, whose);
    assert.match(printed, /Set monsterstack:namespace to a name of your own/);
    // Nothing was registered: the state holds the stack itself, no Kubernetes object, no provider.
    assert.deepStrictEqual(trainee.stateTypes().filter((t) => t !== "pulumi:pulumi:Stack"), []);
}

describe("a stack takes only its own namespace", function () {
    this.timeout(20 * 60 * 1000);
    let backend: TempBackend;
    let hank: TraineeCli;
    let hanksLabels: Record<string, string>;
    let visits: number;

    const trainee = (stack: string) => {
        const t = TraineeCli.checkout(stack, backend.root);
        useLocalImages(t);
        return t;
    };

    before(() => {
        backend = tempBackend("namespaces");
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

    it("a second trainee pointed at the first one's namespace is refused, and the first one's app keeps counting", async () => {
        hank = trainee("hank");
        hank.up();
        await allRunning(hank);
        hanksLabels = labelsOf(hank.namespace);
        assert.deepStrictEqual([hanksLabels["monsterstack.io/project"], hanksLabels["monsterstack.io/stack"]], ["monsterstack", "hank"]);
        visits = await visit(hank, "hank's first page");

        const ivy = trainee("ivy");
        ivy.set("namespace", hank.namespace);
        assertRefused(ivy, hank.namespace, /it is stack hank's, of project monsterstack \(monsterstack\.io\/project=monsterstack, monsterstack\.io\/stack=hank\)/);
        // The destroy that would have taken hank's namespace, and his data, with it.
        ivy.destroy();
        assert.deepStrictEqual(labelsOf(hank.namespace), hanksLabels, "hank's namespace was relabelled");
        await allRunning(hank);
        const now = await visit(hank, "hank's app after ivy's refused up and her destroy");
        assert.strictEqual(now, visits + 1);
        visits = now;
    });

    it("hank's stack removed with `pulumi stack rm --force` and created again takes its namespace back, data and all; run again, it plans no change", async () => {
        hank.pulumi("stack", "rm", "--force", "--yes");
        assert.ok(kubeJson("namespace", hank.namespace), "--force leaves the objects in the cluster");
        hank.initAgain();
        useLocalImages(hank);
        hank.up();
        await allRunning(hank);
        assert.deepStrictEqual(labelsOf(hank.namespace), hanksLabels);
        const now = await visit(hank, "hank's app in a new stack of the same name");
        assert.strictEqual(now, visits + 1);
        visits = now;
        hank.preview("--expect-no-changes");
    });

    it("hank moves to another namespace as the README says, and his counter carries on there", async () => {
        hank.set("reclaimPolicy", "Retain");
        hank.up();
        const volume = hank.outputs().dataVolume;
        const from = hank.namespace;
        hank.destroy();
        assert.ok(!kubeJson("namespace", from), "destroy left the old namespace");
        hank.moveTo("hank-lab");
        hank.set("attachVolume", volume);
        hank.up();
        await allRunning(hank);
        assert.strictEqual(kubeJson("pvc", "redis-data", "-n", "hank-lab").spec.volumeName, volume);
        assert.strictEqual(labelsOf("hank-lab")["monsterstack.io/stack"], "hank");
        assert.strictEqual(kubeJson("pv", volume).metadata.labels["monsterstack.io/namespace"], "hank-lab");
        assert.strictEqual(await visit(hank, "hank's app moved to hank-lab"), visits + 1);
        hank.destroy();
        assert.strictEqual(kubectl("delete", "pv", volume, "--wait=true").status, 0);
    });

    it("a first `pulumi up` killed once its namespace exists: the next `pulumi up` takes that namespace as its own", async () => {
        const jill = trainee("jill");
        const first = spawn("pulumi", ["up", "--yes", "--non-interactive"], { cwd: jill.dir, detached: true, stdio: "ignore" });
        await waitFor("jill's namespace", () => Boolean(kubeJson("namespace", jill.namespace)), 120);
        killTree(first.pid!);
        // The lock a killed run leaves; the CLI's own message names this command.
        jill.pulumi("cancel", "--yes");
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
