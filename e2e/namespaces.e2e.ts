// A stack never adopts, relabels or deletes a namespace that is not its own: someone else's,
// or another trainee's. Its own it takes back, after its state was lost or its first run was
// killed halfway. Plain `pulumi up` and `pulumi destroy`, on the real node.
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
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

    /** After someone else's refused up and their destroy: hank's namespace as it was, his counter one up. */
    async function hanksAppCarriesOn(when: string): Promise<void> {
        assert.deepStrictEqual(labelsOf(hank.namespace), hanksLabels, "hank's namespace was relabelled");
        await allRunning(hank);
        const now = await visit(hank, when);
        assert.strictEqual(now, visits + 1);
        visits = now;
    }

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
        await hanksAppCarriesOn("hank's app after ivy's refused up and her destroy");
    });

    it("hank of another backend (another trainer's class on this cluster) is refused by the stack id on hank's namespace, and his destroy takes nothing", async () => {
        const otherBackend = path.join(backend.root, "other-class-backend");
        fs.mkdirSync(otherBackend);
        const twin = TraineeCli.checkout("hank", backend.root, { PULUMI_BACKEND_URL: `file://${otherBackend}` }, "hank-of-another-class");
        useLocalImages(twin);
        const up = twin.attempt("up", "--yes");
        assert.notStrictEqual(up.status, 0, up.stdout);
        assert.match(up.stdout + up.stderr, new RegExp(`namespace ${hank.namespace} already exists and is not this stack's: it is the namespace of a stack hank of project monsterstack, ` +
            `but of another deployment of it \\(monsterstack\\.io/stack-id=${hanksLabels["monsterstack.io/stack-id"]}; this stack's id is drawn at its first \`pulumi up\`\\)`));
        // Refused by `pulumi up`'s own preview: nothing at all was created.
        assert.deepStrictEqual(twin.stateTypes().filter((t) => t !== "pulumi:pulumi:Stack"), [], "something was registered");
        twin.destroy();
        await hanksAppCarriesOn("hank's app after the other class's hank was refused");
    });

    it("hank's stack removed with `pulumi stack rm --force` and created again is refused too, until the namespace's stack id is removed; then it takes its namespace back, data and all", async () => {
        hank.pulumi("stack", "rm", "--force", "--yes");
        assert.ok(kubeJson("namespace", hank.namespace), "--force leaves the objects in the cluster");
        hank.initAgain();
        useLocalImages(hank);
        const refused = hank.attempt("up", "--yes");
        assert.notStrictEqual(refused.status, 0, refused.stdout);
        assert.match(refused.stdout + refused.stderr, new RegExp(`If it is this stack's own and its state was lost, say so first: kubectl label namespace ${hank.namespace} monsterstack\\.io/stack-id-`));
        assert.strictEqual(kubectl("label", "namespace", hank.namespace, "monsterstack.io/stack-id-").status, 0);
        hank.up();
        await allRunning(hank);
        const { ["monsterstack.io/stack-id"]: newId, ...labels } = labelsOf(hank.namespace);
        const { ["monsterstack.io/stack-id"]: oldId, ...before } = hanksLabels;
        assert.deepStrictEqual(labels, before);
        assert.match(newId, /^[0-9a-f]{16}$/);
        assert.notStrictEqual(newId, oldId, "a new stack draws a new id");
        hanksLabels = labelsOf(hank.namespace);
        const now = await visit(hank, "hank's app in a new stack of the same name");
        assert.strictEqual(now, visits + 1);
        visits = now;
        hank.preview("--expect-no-changes");
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
