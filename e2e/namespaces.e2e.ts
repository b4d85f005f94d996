// A stack never adopts, relabels or deletes another trainee's namespace, nor another class's
// stack of the same name; its own it takes back after its state was lost, and moves as the
// README says. Plain `pulumi up` and `pulumi destroy`, on the real node. Namespaces made by
// someone else, by an older version or by a killed first run: namespaceHistory.e2e.ts.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { allRunning, traineeWithLocalImages, useLocalImages, visit } from "./lib/app";
import { tempBackend, TempBackend, TraineeCli } from "./lib/cli";
import { kubeJson, kubectl } from "./lib/cluster";
import { assertRefused, labelsOf } from "./lib/namespaces";

describe("a stack takes only its own namespace", function () {
    this.timeout(20 * 60 * 1000);
    let backend: TempBackend;
    let hank: TraineeCli;
    let hanksLabels: Record<string, string>;
    let visits: number;

    const trainee = (stack: string) => traineeWithLocalImages(stack, backend.root);

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

    after(() => {
        backend?.remove();
    });
});
