// `pulumi preview` and the preview that `pulumi up` runs first: they must pass on a new stack,
// where the data volume does not exist yet, and say what will happen to its reclaim policy.
import * as assert from "assert";
import { kubeObjects, runProgram } from "../testing/harness";

const patches = (run: Awaited<ReturnType<typeof runProgram>>) => kubeObjects(run).filter((o) => o.kind === "PersistentVolumePatch");

describe("the reclaim policy in previews", () => {
    for (const policy of ["Retain", "Delete"]) {
        it(`a new stack's preview registers no nameless volume patch and says, in words, what ${policy} will do`, async () => {
            const run = await runProgram("alice", { reclaimPolicy: policy }, { preview: "newStack" });
            // The provider refuses a patch without metadata.name: registering one fails the preview.
            assert.deepStrictEqual(patches(run), []);
            assert.ok(kubeObjects(run).some((o) => o.kind === "PersistentVolumeClaim"), "the claim itself is planned");
            const notes = run.logs.filter((l) => l.message.startsWith("Reclaim policy"));
            assert.strictEqual(notes.length, 1, JSON.stringify(run.logs));
            assert.strictEqual(notes[0].severity, "info");
            assert.match(notes[0].message, new RegExp(`^Reclaim policy ${policy}: \`pulumi up\` will set it on the new volume of claim monsterstack-alice/redis-data as soon as the claim is bound`));
            assert.match(notes[0].message, policy === "Retain" ? /`pulumi destroy` will then keep the volume and its data/ : /`pulumi destroy` will then delete the volume and its data/);
        });
    }

    it("the update that follows registers the patch on the bound volume, and says nothing more", async () => {
        const run = await runProgram("alice", { reclaimPolicy: "Retain" });
        const [patch] = patches(run);
        assert.ok(patch, "no PersistentVolumePatch in the update");
        assert.match(patch.metadata.name, /^pvc-/);
        assert.strictEqual(patch.spec.persistentVolumeReclaimPolicy, "Retain");
        assert.strictEqual(run.outputs.dataVolume, patch.metadata.name);
        assert.deepStrictEqual(run.logs, []);
    });

    it("a deployed stack's preview (the volume is known) shows the patch itself, with no note", async () => {
        const run = await runProgram("alice", { reclaimPolicy: "Retain" }, { preview: "deployedStack" });
        assert.strictEqual(patches(run).length, 1);
        assert.strictEqual(patches(run)[0].spec.persistentVolumeReclaimPolicy, "Retain");
        assert.deepStrictEqual(run.logs, []);
    });

    it("render mode has no volume to patch and no note about one", async () => {
        const run = await runProgram("alice", { renderYamlTo: "rendered" }, { preview: "newStack" });
        assert.deepStrictEqual(patches(run), []);
        assert.deepStrictEqual(run.logs, []);
    });
});
