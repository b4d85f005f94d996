// Whose namespace a stack takes: the program reads it before registering anything, and only
// ever creates, adopts or (at destroy) deletes its own.
import * as assert from "assert";
import { ConfigError, parseConfig } from "../config";
import { findObject, kubeObjects, MOCK_STACK_ID, RunOptions, runProgram } from "../testing/harness";

/** What a namespace made with `kubectl create namespace` carries: its name, put there by Kubernetes. */
const byKubectl = (name: string, extra: Record<string, string> = {}) => ({ "kubernetes.io/metadata.name": name, ...extra });

/** The labels the program gave the namespace it registered for `stack`, as the cluster then holds them. */
async function deployedNamespace(stack: string, config: Record<string, string> = {}): Promise<Record<string, string>> {
    const run = await runProgram(stack, config);
    const ns = kubeObjects(run).find((o) => o.kind === "Namespace")!;
    return byKubectl(ns.metadata.name, ns.metadata.labels);
}

/** The program is refused before it registers anything; the refusal's message is returned. */
async function refused(stack: string, config: Record<string, string>, options: RunOptions): Promise<string> {
    let message = "";
    await assert.rejects(runProgram(stack, config, options), (err: Error & { registeredBeforeError?: number }) => {
        assert.ok(err instanceof ConfigError, String(err));
        assert.strictEqual(err.registeredBeforeError, 0, "something was registered before the refusal");
        message = err.message;
        return true;
    });
    return message;
}

describe("the stack's namespace: only its own is ever taken", () => {
    it("the namespace the stack creates carries this project's and this stack's identity, the same its data volume carries", async () => {
        const run = await runProgram("alice", { reclaimPolicy: "Retain" });
        const labels = findObject(run, "Namespace", "monsterstack-alice").metadata.labels;
        assert.strictEqual(labels["monsterstack.io/project"], "monsterstack");
        assert.strictEqual(labels["monsterstack.io/stack"], "alice");
        const volumeLabels = kubeObjects(run).find((o) => o.kind === "PersistentVolumePatch")!.metadata.labels;
        for (const key of ["monsterstack.io/project", "monsterstack.io/stack"]) assert.strictEqual(labels[key], volumeLabels[key], key);
        // A stack name no label value can hold is folded the same way on both.
        const odd = await runProgram("_alice_", { reclaimPolicy: "Retain" });
        const [oddNamespace, oddVolume] = ["Namespace", "PersistentVolumePatch"].map((kind) => kubeObjects(odd).find((o) => o.kind === kind)!.metadata.labels["monsterstack.io/stack"]);
        assert.match(oddNamespace, /^alice-[0-9a-f]{10}$/);
        assert.strictEqual(oddNamespace, oddVolume);
    });

    it("a namespace that does not exist yet is created", async () => {
        const run = await runProgram("alice", { namespace: "alice-lab" }, { namespaceLabels: null });
        assert.ok(findObject(run, "Namespace", "alice-lab"));
    });

    it("a foreign namespace is refused by name, with its labels and the way out, before anything is registered", async () => {
        const message = await refused("gina", { namespace: "team-data" }, { namespaceLabels: byKubectl("team-data", { team: "data" }) });
        assert.match(message, /^monsterstack:namespace = "team-data": namespace team-data already exists and is not this stack's: it is not monsterstack's: its labels are team=data\. /);
        assert.match(message, /deletes it, with everything in it, at `pulumi destroy`/);
        assert.match(message, /one labelled monsterstack\.io\/project=monsterstack monsterstack\.io\/stack=gina\. Nothing was changed\./);
        assert.match(message, /Set monsterstack:namespace to a name of your own \(or unset it: monsterstack-gina\), or, in a namespace the trainer prepared for you, set monsterstack:namespaceOwner class\.$/);
        const bare = await refused("gina", { namespace: "team-data" }, { namespaceLabels: byKubectl("team-data") });
        assert.match(bare, /it is not monsterstack's: it carries no label but its name\./);
    });

    it("another stack's namespace of this project is refused, naming that stack", async () => {
        const bobs = await deployedNamespace("bob");
        const message = await refused("carol", { namespace: "monsterstack-bob" }, { namespaceLabels: bobs });
        assert.match(message, /namespace monsterstack-bob already exists and is not this stack's: it is stack bob's, of project monsterstack \(monsterstack\.io\/project=monsterstack, monsterstack\.io\/stack=bob\)\./);
        // Also when it is the namespace a class prepared for bob, and when bob chose its name himself.
        const prepared = await refused("carol", { namespace: "monsterstack-bob" }, { namespaceLabels: await deployedNamespace("bob", { tenancy: "only" }) });
        assert.match(prepared, /it is stack bob's, of project monsterstack, prepared by the trainer's class \(/);
        const chosen = await refused("carol", { namespace: "bob-lab" }, { namespaceLabels: await deployedNamespace("bob", { namespace: "bob-lab" }) });
        assert.match(chosen, /it is stack bob's/);
        // A stack of another project with the same stack name is not this one either.
        const otherProject = { ...await deployedNamespace("carol"), "monsterstack.io/project": "course-b" };
        assert.match(await refused("carol", {}, { namespaceLabels: otherProject }),
            /^monsterstack:namespace = "monsterstack-carol" \(the default for this stack\): .*it is stack carol's, of project course-b/);
    });

    it("the stack's own namespace is adopted as it is (state lost, or a run interrupted after creating it), with the very same labels", async () => {
        for (const config of [{}, { namespace: "alice-lab" }, { tenancy: "only" }] as Array<Record<string, string>>) {
            const own = await deployedNamespace("alice", config);
            const run = await runProgram("alice", config, { namespaceLabels: own });
            const ns = kubeObjects(run).find((o) => o.kind === "Namespace")!;
            assert.deepStrictEqual(byKubectl(ns.metadata.name, ns.metadata.labels), own, "the namespace would be relabelled");
        }
    });

    describe("two deployments of one project and stack name (two classes' alice, or a stack whose state was lost)", () => {
        it("the namespace and the volumes carry the id in the stack's state; it is an output", async () => {
            const run = await runProgram("alice", { reclaimPolicy: "Retain", backupSchedule: "@daily" });
            assert.strictEqual(findObject(run, "Namespace", "monsterstack-alice").metadata.labels["monsterstack.io/stack-id"], MOCK_STACK_ID);
            const patches = kubeObjects(run).filter((o) => o.kind === "PersistentVolumePatch");
            assert.ok(patches.length >= 1);
            for (const p of patches) assert.strictEqual(p.metadata.labels["monsterstack.io/stack-id"], MOCK_STACK_ID, p.metadata.name);
            assert.strictEqual(run.outputs.stackId, MOCK_STACK_ID);
            assert.ok(run.resources.some((r) => r.type === "random:index/randomId:RandomId"), "the id comes from @pulumi/random");
        });

        it("a namespace with this project's and name's labels but another id is refused, naming the id and how to claim it; no Kubernetes object is registered", async () => {
            const theirs = { ...await deployedNamespace("alice"), "monsterstack.io/stack-id": "0ther0ther0ther0" };
            for (const options of [{}, { stackId: null }, { stackId: null, preview: "newStack" as const }]) {
                await assert.rejects(runProgram("alice", {}, { namespaceLabels: theirs, ...options }), (err: Error & { registeredBeforeError?: number }) => {
                    assert.ok(err instanceof ConfigError, String(err));
                    assert.match(err.message, /^monsterstack:namespace = "monsterstack-alice" \(the default for this stack\): namespace monsterstack-alice already exists and is not this stack's: it is the namespace of a stack alice of project monsterstack, but of another deployment of it \(monsterstack\.io\/stack-id=0ther0ther0ther0; this stack's id is /);
                    assert.match(err.message, /another trainer's class on this cluster, with a backend of its own, or this stack before its state was lost\. .*Nothing was changed\./);
                    assert.match(err.message, /kubectl label namespace monsterstack-alice monsterstack\.io\/stack-id-$/);
                    assert.strictEqual(err.registeredBeforeError, 2, "only the stack's id (its component and its RandomId): no provider, no Kubernetes object");
                    return true;
                });
            }
        });

        it("its own id, or none (a namespace made by 2722259 or earlier), is this stack's: the id is added in place", async () => {
            const own = await deployedNamespace("alice");
            assert.ok(findObject(await runProgram("alice", {}, { namespaceLabels: own }), "Namespace", "monsterstack-alice"));
            const before = Object.fromEntries(Object.entries(own).filter(([k]) => k !== "monsterstack.io/stack-id"));
            const upgraded = findObject(await runProgram("alice", {}, { namespaceLabels: before }), "Namespace", "monsterstack-alice");
            assert.deepStrictEqual(byKubectl(upgraded.metadata.name, upgraded.metadata.labels), own, "the same labels, and the id");
            const registered = (await runProgram("alice", {}, { namespaceLabels: before })).resources.find((r) => r.type === "kubernetes:core/v1:Namespace")!;
            assert.deepStrictEqual([registered.replaceOnChanges, registered.deleteBeforeReplace], [[], false], "a label change is an update in place");
        });
    });

    it("every object is written by the stack's own field manager, not one drawn into the state: a stack created again after its state was lost owns its fields", async () => {
        for (const config of [{ redisAuth: "true", tenancy: "on", reclaimPolicy: "Retain" }, { tenancy: "only" }, { namespaceOwner: "class" }] as Array<Record<string, string>>) {
            const run = await runProgram("alice", config);
            const managers = new Set(kubeObjects(run).map((o) => o.metadata.annotations?.["pulumi.com/patchFieldManager"]));
            assert.deepStrictEqual([...managers], ["pulumi-monsterstack-alice"], JSON.stringify(config));
        }
        const bob = await runProgram("bob");
        assert.strictEqual(findObject(bob, "Namespace", "monsterstack-bob").metadata.annotations["pulumi.com/patchFieldManager"], "pulumi-monsterstack-bob");
        // A stack name no manager name should hold is folded as its identity label is.
        const odd = await runProgram("_alice_");
        assert.match(kubeObjects(odd)[0].metadata.annotations["pulumi.com/patchFieldManager"], /^pulumi-monsterstack-alice-[0-9a-f]{10}$/);
    });

    describe("a namespace made before namespaces carried their stack's identity", () => {
        // What the program wrote on a namespace until then: the recommended labels and Pod Security's.
        const earlier = (name: string) => byKubectl(name, {
            "app.kubernetes.io/name": "monsterstack", "app.kubernetes.io/instance": name, "app.kubernetes.io/component": "namespace",
            "app.kubernetes.io/part-of": "monsterstack", "app.kubernetes.io/managed-by": "pulumi",
            "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted",
        });

        it("is the stack's own when it has the stack's default name, which no other stack has: labelled on the next up", async () => {
            const run = await runProgram("alice", {}, { namespaceLabels: earlier("monsterstack-alice") });
            assert.strictEqual(findObject(run, "Namespace", "monsterstack-alice").metadata.labels["monsterstack.io/stack"], "alice");
        });

        it("under any other name, or another stack's default, is refused with the command that claims it", async () => {
            const message = await refused("alice", { namespace: "alice-lab" }, { namespaceLabels: earlier("alice-lab") });
            assert.match(message, /an earlier version of monsterstack made it, before namespaces carried their stack's name/);
            assert.match(message, /If it is this stack's own, say so first: kubectl label namespace alice-lab monsterstack\.io\/project=monsterstack monsterstack\.io\/stack=alice\.$/);
            assert.match(await refused("carol", { namespace: "monsterstack-bob" }, { namespaceLabels: earlier("monsterstack-bob") }),
                /kubectl label namespace monsterstack-bob monsterstack\.io\/project=monsterstack monsterstack\.io\/stack=carol/);
        });
    });

    it("each of Kubernetes' own namespaces is refused by the config, with its own message, before the cluster is read", async () => {
        for (const name of ["default", "kube-system", "kube-public", "kube-node-lease", "kube-flannel"]) {
            assert.throws(() => parseConfig({ namespace: name }, "alice"), (err: Error) => {
                assert.ok(err instanceof ConfigError);
                assert.strictEqual(err.message, `monsterstack:namespace = "${name}" is not valid: it is one of Kubernetes' own namespaces (default, kube-system, kube-public, kube-node-lease, kube-*): ` +
                    "a stack relabels its namespace and deletes it, with everything in it, at `pulumi destroy`; choose a name of your own, or unset the key for monsterstack-alice.");
                return true;
            });
            let reads = 0;
            await assert.rejects(runProgram("alice", { namespace: name, namespaceOwner: "class" }, { onNamespaceRead: () => reads++ }), /is one of Kubernetes' own namespaces/);
            assert.strictEqual(reads, 0);
        }
        // Names that merely contain "kube" are the trainee's to take.
        assert.strictEqual(parseConfig({ namespace: "my-kube-lab" }, "alice").namespace, "my-kube-lab");
        assert.strictEqual(parseConfig({ namespace: "defaults" }, "alice").namespace, "defaults");
    });

    it("rendering reads no cluster: the check is skipped and the manifests are written", async () => {
        let reads = 0;
        const run = await runProgram("gina", { namespace: "team-data", renderYamlTo: "rendered" },
            { namespaceLabels: byKubectl("team-data", { team: "data" }), onNamespaceRead: () => reads++ });
        assert.strictEqual(reads, 0);
        assert.ok(findObject(run, "Namespace", "team-data"));
    });
});
