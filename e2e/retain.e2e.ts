// Retain that survives anything: the stack's retained volume is attached again after its
// namespace or claim was deleted with kubectl, or its stack removed and created again, and a
// volume of another stack is never taken. Plain `pulumi up`, with its preview; the data is
// the visit counter, on the real node.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { allRunning, useLocalImages, visit } from "./lib/app";
import { tempBackend, TempBackend, TraineeCli } from "./lib/cli";
import { kubeJson, kubectl, pods, waitFor } from "./lib/cluster";

const ARTIFACTS = path.join(__dirname, "artifacts");

function boundVolume(t: TraineeCli): string {
    return kubeJson("pvc", "redis-data", "-n", t.namespace).spec.volumeName;
}

async function released(volume: string): Promise<void> {
    await waitFor(`volume ${volume} Released`, () => kubeJson("pv", volume)?.status?.phase === "Released");
}

describe("a retained volume comes back, whatever deleted its claim", function () {
    this.timeout(20 * 60 * 1000);
    let backend: TempBackend;
    let erin: TraineeCli;
    let volume: string;
    let visits: number;

    before(() => {
        backend = tempBackend("retain");
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        erin = TraineeCli.checkout("erin", backend.root);
        useLocalImages(erin);
        erin.set("reclaimPolicy", "Retain");
    });

    /** The same volume bound again, and the counter carries on. */
    async function dataIsBack(when: string): Promise<void> {
        await allRunning(erin);
        assert.strictEqual(boundVolume(erin), volume, "another volume was bound");
        const now = await visit(erin, when);
        assert.strictEqual(now, visits + 1, "the data did not come back");
        visits = now;
        const outputs = erin.outputs();
        assert.strictEqual(outputs.dataVolume, volume);
        assert.strictEqual(outputs.dataVolumeOrigin, "re-attached: a retained volume");
    }

    it("`pulumi up` with Retain: the volume carries the stack's identity", async () => {
        erin.up();
        await allRunning(erin);
        await visit(erin, "first page");
        visits = await visit(erin, "reload");
        volume = boundVolume(erin);
        const labels = kubeJson("pv", volume).metadata.labels;
        assert.deepStrictEqual([labels["monsterstack.io/project"], labels["monsterstack.io/stack"], labels["monsterstack.io/namespace"], labels["monsterstack.io/claim"]],
            ["monsterstack", "erin", erin.namespace, "redis-data"]);
        assert.strictEqual(erin.outputs().dataVolumeOrigin, "newly provisioned");
    });

    it("(a) `kubectl delete namespace`, then `pulumi up`: its preview names the volume, and the data comes back", async () => {
        assert.strictEqual(kubectl("delete", "namespace", erin.namespace, "--wait=true").status, 0);
        await released(volume);
        const preview = erin.preview().stdout;
        fs.writeFileSync(path.join(ARTIFACTS, "rebind-preview.txt"), preview);
        assert.match(preview, new RegExp(`Data: the retained volume ${volume} \\(2Gi, class standard, created [^)]*\\) is attached again to claim ${erin.namespace}/redis-data: its data comes back\\.`));
        erin.up();
        await dataIsBack("after kubectl delete namespace and pulumi up");
    });

    it("after a re-bind, a second `pulumi preview` plans no change", () => {
        erin.preview("--expect-no-changes");
    });

    it("(b) the workloads and `kubectl delete pvc redis-data` deleted, then `pulumi up`: the data comes back", async () => {
        assert.strictEqual(kubectl("delete", "-n", erin.namespace, "statefulset/redis", "deployment/frontend", "deployment/imagebackend", "--wait=true").status, 0);
        await waitFor("the pods to go", () => pods(erin.namespace).length === 0);
        assert.strictEqual(kubectl("delete", "pvc", "redis-data", "-n", erin.namespace, "--wait=true").status, 0);
        await released(volume);
        erin.up();
        await dataIsBack("after kubectl delete pvc and pulumi up");
    });

    it("(c) `pulumi destroy`, `pulumi stack rm`, a new stack of the same name, `pulumi up`: the data comes back", async () => {
        erin.destroy();
        await waitFor("the namespace to go", () => !kubeJson("namespace", erin.namespace));
        assert.strictEqual(kubeJson("pv", volume).status.phase, "Released", "with Retain the volume outlives the stack");
        erin.removeStack();
        erin.initAgain();
        useLocalImages(erin);
        erin.set("reclaimPolicy", "Retain");
        erin.up();
        await dataIsBack("in a new stack of the same name");
    });

    it("(d) startEmpty: a new volume, the retained one untouched; on minikube's class both name one directory", async () => {
        assert.strictEqual(kubectl("delete", "namespace", erin.namespace, "--wait=true").status, 0);
        await released(volume);
        const before = kubeJson("pv", volume);
        erin.set("startEmpty", "true");
        erin.up();
        await allRunning(erin);
        const fresh = boundVolume(erin);
        assert.notStrictEqual(fresh, volume);
        assert.strictEqual(erin.outputs().dataVolumeOrigin, "newly provisioned");
        const after = kubeJson("pv", volume);
        assert.strictEqual(after.status.phase, "Released");
        assert.deepStrictEqual(after.spec.claimRef, before.spec.claimRef, "the retained volume was touched");
        // The README's warning: minikube's provisioner names the directory after the claim.
        assert.strictEqual(kubeJson("pv", fresh).spec.hostPath.path, after.spec.hostPath.path);
        const now = await visit(erin, "startEmpty on minikube's class: the same directory, so the old data shows");
        assert.strictEqual(now, visits + 1);
        visits = now;
        erin.pulumi("config", "rm", "startEmpty");
        assert.strictEqual(kubectl("delete", "pv", volume, "--wait=true").status, 0);
        volume = fresh;
    });

    it("a retained volume of stack frank is never taken by erin", async () => {
        const frank = TraineeCli.checkout("frank", backend.root);
        useLocalImages(frank);
        frank.set("reclaimPolicy", "Retain");
        frank.up();
        const franks = boundVolume(frank);
        frank.destroy();
        await released(franks);
        // erin starts again without a volume of her own: she must not take frank's.
        erin.set("reclaimPolicy", "Delete");
        erin.up();
        erin.destroy();
        await waitFor("erin's volume to go", () => !kubeJson("pv", volume));
        erin.up();
        await allRunning(erin);
        assert.notStrictEqual(boundVolume(erin), franks);
        const kept = kubeJson("pv", franks);
        assert.strictEqual(kept.status.phase, "Released");
        assert.strictEqual(kept.spec.claimRef.namespace, frank.namespace, "frank's volume was touched");
        // With Delete nothing came back: erin's counter starts over.
        assert.strictEqual(await visit(erin, "erin after a destroy with Delete"), 1);
        assert.strictEqual(erin.outputs().dataVolumeOrigin, "newly provisioned");
        erin.destroy();
        assert.strictEqual(kubectl("delete", "pv", franks, "--wait=true").status, 0);
    });

    after(() => {
        backend?.remove();
    });
});
