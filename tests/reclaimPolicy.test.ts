// Retain vs Delete: the heart of the course. Toggling must change only the fields and
// options that carry the policy; every object that holds data keeps its type and name.
import * as assert from "assert";
import { kubeObjects, MOCK_STACK_ID, ProgramRun, Registered, runProgram } from "../testing/harness";

/** Paths (a.b.c) where two values differ. */
function differingPaths(a: unknown, b: unknown, prefix = ""): string[] {
    if (a === b) return [];
    if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return [prefix || "(root)"];
    const x = a as Record<string, unknown>, y = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
    return [...keys].flatMap((k) => differingPaths(x[k], y[k], prefix ? `${prefix}.${k}` : k));
}

const identity = (r: Registered) => `${r.read ? "read " : ""}${r.type}::${r.name}`;

describe("reclaim policy Retain vs Delete", () => {
    for (const redisKind of ["StatefulSet", "Deployment"]) {
        describe(`with redisKind ${redisKind}`, () => {
            let retain: ProgramRun;
            let del: ProgramRun;
            before(async () => {
                retain = await runProgram("alice", { reclaimPolicy: "Retain", redisKind });
                del = await runProgram("alice", { reclaimPolicy: "Delete", redisKind });
            });

            it("registers the same resources, same types and names: a toggle replaces or deletes nothing", () => {
                assert.deepStrictEqual(retain.resources.map(identity).sort(), del.resources.map(identity).sort());
                const names = (run: ProgramRun) => kubeObjects(run).map((o) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`).sort();
                assert.deepStrictEqual(names(retain), names(del));
            });

            it("differs only in the policy-carrying fields: the claim's annotation and the volume's reclaim policy", () => {
                const changed: string[] = [];
                for (const r of retain.resources) {
                    const d = del.resources.find((x) => identity(x) === identity(r))!;
                    for (const path of differingPaths(r.inputs, d.inputs)) changed.push(`${r.type}: ${path}`);
                }
                assert.deepStrictEqual(changed.sort(), [
                    "kubernetes:core/v1:PersistentVolumeClaim: metadata.annotations.monsterstack.io/reclaim-policy",
                    "kubernetes:core/v1:PersistentVolumePatch: spec.persistentVolumeReclaimPolicy",
                ]);
            });

            it("sets persistentVolumeReclaimPolicy on the very volume the claim is bound to", () => {
                for (const [run, policy] of [[retain, "Retain"], [del, "Delete"]] as const) {
                    const patch = kubeObjects(run).find((o) => o.kind === "PersistentVolumePatch")!;
                    assert.strictEqual(patch.spec.persistentVolumeReclaimPolicy, policy);
                    assert.strictEqual(patch.metadata.name, run.outputs.dataVolume);
                    assert.match(String(run.outputs.dataVolume), /^pvc-/);
                    assert.strictEqual(run.outputs.reclaimPolicy, policy);
                    const claim = kubeObjects(run).find((o) => o.kind === "PersistentVolumeClaim")!;
                    assert.strictEqual(claim.metadata.annotations["monsterstack.io/reclaim-policy"], policy);
                }
            });

            it("claims of a class that binds at once are awaited, so the state records them bound and the next preview shows no refresh of them", () => {
                for (const run of [retain, del]) {
                    for (const claim of kubeObjects(run).filter((o) => o.kind === "PersistentVolumeClaim")) {
                        assert.strictEqual(claim.metadata.annotations["pulumi.com/skipAwait"], undefined, claim.metadata.name);
                    }
                }
            });

            it("claims of a class that binds at first use are not: our provider waits on their update for a phase they never reach (a toggle hung 5 min)", async () => {
                const firstUse = await runProgram("alice", { reclaimPolicy: "Retain", backupSchedule: "@daily", target: "cloud" }, { bindsAtFirstUse: true });
                const claims = kubeObjects(firstUse).filter((o) => o.kind === "PersistentVolumeClaim");
                assert.deepStrictEqual(claims.map((c) => [c.metadata.name, c.metadata.annotations["pulumi.com/skipAwait"]]).sort(), [["redis-backups", "true"], ["redis-data", "true"]]);
            });

            it("`pulumi destroy` deletes claim and namespace whatever the policy: with Retain the volume alone keeps the data", () => {
                const kept = (run: ProgramRun) => kubeObjects(run).filter((o) => o.retainOnDelete).map((o) => o.kind).sort();
                // The patch is never un-applied: that would hand the field back to the API default.
                assert.deepStrictEqual(kept(retain), ["PersistentVolumePatch"]);
                assert.deepStrictEqual(kept(del), ["PersistentVolumePatch"]);
            });

            it("labels the volume with the stack's identity, so that a later run finds it without Pulumi state, and with the id of the deployment that wrote it", () => {
                for (const run of [retain, del]) {
                    const patch = kubeObjects(run).find((o) => o.kind === "PersistentVolumePatch")!;
                    assert.deepStrictEqual(Object.fromEntries(Object.entries(patch.metadata.labels).filter(([k]) => k.startsWith("monsterstack.io/"))), {
                        "monsterstack.io/project": "monsterstack", "monsterstack.io/stack": "alice",
                        "monsterstack.io/namespace": "monsterstack-alice", "monsterstack.io/claim": "redis-data",
                        "monsterstack.io/stack-id": MOCK_STACK_ID,
                    });
                }
            });

            it("creates no StorageClass and no PersistentVolume: nothing immutable carries the policy", () => {
                for (const run of [retain, del]) {
                    assert.ok(!kubeObjects(run).some((o) => o.kind === "StorageClass" || o.kind === "PersistentVolume"));
                }
            });
        });
    }

    it("keeps the claim's immutable spec (class, size) identical both ways, so the claim is never replaced", async () => {
        const spec = (run: ProgramRun) => kubeObjects(run).find((o) => o.kind === "PersistentVolumeClaim")!.spec;
        const retained = spec(await runProgram("alice", { reclaimPolicy: "Retain" }));
        const deleted = spec(await runProgram("alice", { reclaimPolicy: "Delete" }));
        assert.deepStrictEqual(retained, deleted);
        assert.strictEqual(retained.storageClassName, "standard");
    });
});
