// Two trainees in one shared cluster: nothing they register may collide.
import * as assert from "assert";
import { kubeObjects, ProgramRun, runProgram } from "../testing/harness";

const CLUSTER_SCOPED = new Set(["Namespace", "PersistentVolume", "PersistentVolumePatch", "StorageClass",
    "ClusterRole", "ClusterRoleBinding", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"]);

function keys(run: ProgramRun): { namespaced: string[]; clusterScoped: string[] } {
    const objects = kubeObjects(run);
    return {
        namespaced: objects.filter((o) => !CLUSTER_SCOPED.has(o.kind)).map((o) => `${o.metadata.namespace}/${o.kind}/${o.metadata.name}`),
        clusterScoped: objects.filter((o) => CLUSTER_SCOPED.has(o.kind)).map((o) => `${o.kind}/${o.metadata.name}`),
    };
}

describe("trainee stacks in one cluster", () => {
    const configs: Array<Record<string, string>> = [{}, { reclaimPolicy: "Retain", redisAuth: "true" }, { target: "cloud", redisKind: "Deployment" }, { tenancy: "only" }];
    for (const config of configs) {
        it(`alice and bob register no two objects with the same identity (${JSON.stringify(config)})`, async () => {
            const alice = keys(await runProgram("alice", config));
            const bob = keys(await runProgram("bob", config));
            // Each stack on its own has no duplicate either.
            for (const k of [alice, bob]) {
                assert.strictEqual(new Set(k.namespaced).size, k.namespaced.length);
                assert.strictEqual(new Set(k.clusterScoped).size, k.clusterScoped.length);
            }
            assert.deepStrictEqual(alice.namespaced.filter((k) => bob.namespaced.includes(k)), []);
            assert.deepStrictEqual(alice.clusterScoped.filter((k) => bob.clusterScoped.includes(k)), []);
            assert.ok(alice.clusterScoped.includes("Namespace/monsterstack-alice"));
            // Namespaced objects all sit in the stack's namespace; none was counted here by mistake.
            assert.deepStrictEqual(alice.namespaced.filter((k) => !k.startsWith("monsterstack-alice/")), []);
            assert.ok(alice.namespaced.length >= (config.tenancy === "only" ? 5 : 9), alice.namespaced.join(" "));
        });
    }

    it("stacks whose names differ only by case or punctuation still get different namespaces", async () => {
        const namespaces: unknown[] = [];
        // One at a time: the Pulumi runtime under mocks is process-global.
        for (const stack of ["Alice", "alice", "alice_"]) namespaces.push((await runProgram(stack)).outputs.namespaceName);
        assert.strictEqual(namespaces[1], "monsterstack-alice");
        assert.strictEqual(new Set(namespaces).size, 3, namespaces.join(" "));
    });
});
