// The data-volume decision, as a pure function: the cluster's volumes, the stack's identity
// and its config in; keep / re-bind X / provision (with the reasons) out.
import * as assert from "assert";
import { ConfigError } from "../../config";
import { identityLabels, labelValue, VolumeIdentity } from "../../core/identity";
import type { ClusterState, VolumeState } from "../../clusterReads/volumes";
import { age, DataRequest, dataOrigin, planDataVolume, planMessages } from "../../dataVolume/plan";

const alice: VolumeIdentity = { project: "monsterstack", stack: "alice", namespace: "monsterstack-alice", claim: "redis-data" };
const aliceLabels = identityLabels(alice);
const bobLabels = identityLabels({ ...alice, stack: "bob", namespace: "monsterstack-bob" });
const request: DataRequest = { storageClass: "standard", size: "2Gi", startEmpty: false };
const now = new Date("2026-11-25T12:00:00Z");

function volume(name: string, over: Partial<VolumeState> = {}): VolumeState {
    return {
        name, phase: "Released", labels: aliceLabels, storageClass: "standard", capacity: "2Gi",
        accessModes: ["ReadWriteOnce"], reclaimPolicy: "Retain",
        claimRef: { namespace: "monsterstack-alice", name: "redis-data", uid: "old-uid" },
        created: new Date("2026-11-25T09:00:00Z"), ...over,
    };
}

function plan(cluster: ClusterState | "render", req: Partial<DataRequest> = {}) {
    return planDataVolume({ identity: alice, labels: aliceLabels, request: { ...request, ...req }, cluster });
}

describe("the data-volume plan", () => {
    it("no candidate: provision, with nothing to say", () => {
        const p = plan({ volumes: [] });
        assert.deepStrictEqual(p, { kind: "provision", refused: [], leftAlone: [] });
        assert.deepStrictEqual(planMessages(p, "monsterstack-alice/redis-data", now), []);
        assert.strictEqual(dataOrigin(p), "newly provisioned");
    });

    it("one candidate: re-bind it, its own class on the claim, and say which volume, its size and age, and that the data comes back", () => {
        const p = plan({ volumes: [volume("pvc-a")] });
        assert.strictEqual(p.kind, "rebind");
        if (p.kind !== "rebind") return;
        assert.strictEqual(p.volume.name, "pvc-a");
        assert.deepStrictEqual(p.attached, { volumeName: "pvc-a", storageClass: "standard" });
        const [note] = planMessages(p, "monsterstack-alice/redis-data", now);
        assert.deepStrictEqual(note, { severity: "info", text:
            "Data: the retained volume pvc-a (2Gi, class standard, created 3 hours ago) is attached again to claim monsterstack-alice/redis-data: its data comes back." });
        assert.strictEqual(dataOrigin(p), "re-attached: a retained volume");
    });

    it("an Available volume (claimRef already cleared) is a candidate too; a volume Bound to another claim is never touched", () => {
        assert.strictEqual(plan({ volumes: [volume("pvc-a", { phase: "Available" })] }).kind, "rebind");
        const boundElsewhere = volume("pvc-a", { phase: "Bound", claimRef: { namespace: "monsterstack-alice", name: "other", uid: "u" } });
        assert.deepStrictEqual(plan({ volumes: [boundElsewhere] }), { kind: "provision", refused: [], leftAlone: [] });
        // Still marked Bound to the stack's own claim, which the read found gone: the controller lags, the volume is free.
        assert.strictEqual(plan({ volumes: [volume("pvc-a", { phase: "Bound" })] }).kind, "rebind");
        assert.strictEqual(plan({ volumes: [volume("pvc-a", { phase: "Failed" })] }).kind, "provision");
    });

    it("never takes a volume of another stack, even in the same namespace, or of another project", () => {
        const bobs = volume("pvc-bob", { labels: bobLabels });
        const sameNamespaceOtherStack = volume("pvc-x", { labels: { ...aliceLabels, "monsterstack.io/stack": "mallory" } });
        const otherProject = volume("pvc-y", { labels: { ...aliceLabels, "monsterstack.io/project": "otherproject" } });
        const unlabelled = volume("pvc-z", { labels: {} });
        assert.deepStrictEqual(plan({ volumes: [bobs, sameNamespaceOtherStack, otherProject, unlabelled] }), { kind: "provision", refused: [], leftAlone: [] });
    });

    it("too small, wrong access mode or wrong class: provision, leave it untouched, and say why", () => {
        const cases: Array<[Partial<VolumeState>, RegExp]> = [
            [{ capacity: "1Gi" }, /its 1Gi is smaller than redisStorageSize 2Gi/],
            [{ accessModes: ["ReadOnlyMany"] }, /lack ReadWriteOnce/],
            [{ storageClass: "fast" }, /its StorageClass fast is not standard/],
        ];
        for (const [over, reason] of cases) {
            const p = plan({ volumes: [volume("pvc-a", over)] });
            assert.strictEqual(p.kind, "provision");
            if (p.kind !== "provision") return;
            assert.match(p.refused[0].reason, reason);
            const [warn] = planMessages(p, "monsterstack-alice/redis-data", now);
            assert.strictEqual(warn.severity, "warn");
            assert.match(warn.text, /^Data: the retained volume pvc-a .* does not fit: .*It is left untouched; a new volume is provisioned\.$/);
        }
        // 2048Mi is 2Gi; a bigger volume fits.
        assert.strictEqual(plan({ volumes: [volume("pvc-a", { capacity: "2048Mi" })] }).kind, "rebind");
        assert.strictEqual(plan({ volumes: [volume("pvc-a", { capacity: "5Gi" })] }).kind, "rebind");
    });

    it("with storageClass unset, the cluster's default class is the one that fits", () => {
        const fast = volume("pvc-a", { storageClass: "fast" });
        assert.strictEqual(plan({ volumes: [fast], defaultStorageClass: "fast" }, { storageClass: undefined }).kind, "rebind");
        assert.strictEqual(plan({ volumes: [fast], defaultStorageClass: "standard" }, { storageClass: undefined }).kind, "provision");
    });

    it("several candidates: the newest, and the others listed as left untouched", () => {
        const older = volume("pvc-old", { created: new Date("2026-11-20T12:00:00Z") });
        const newest = volume("pvc-new", { created: new Date("2026-11-25T11:00:00Z") });
        const tooSmall = volume("pvc-small", { capacity: "1Gi", created: new Date("2026-11-25T11:30:00Z") });
        const p = plan({ volumes: [older, tooSmall, newest] });
        assert.strictEqual(p.kind, "rebind");
        if (p.kind !== "rebind") return;
        assert.strictEqual(p.volume.name, "pvc-new");
        assert.deepStrictEqual(p.others.map((v) => v.name), ["pvc-old"]);
        assert.deepStrictEqual(p.refused.map((r) => r.volume.name), ["pvc-small"]);
        const texts = planMessages(p, "monsterstack-alice/redis-data", now).map((m) => m.text);
        assert.match(texts[1], /other retained volumes of this stack are left untouched: pvc-old \(2Gi, class standard, created 5 days ago\)/);
        assert.match(texts[2], /pvc-small .* does not fit: its 1Gi is smaller than redisStorageSize 2Gi\. It is left untouched\.$/);
    });

    it("the claim exists: keep it and its volume, and remember the volume it was created bound to", () => {
        assert.deepStrictEqual(plan({ claim: { volumeName: "pvc-a", phase: "Bound", annotations: {} }, volumes: [] }),
            { kind: "existing", volumeName: "pvc-a", attached: undefined });
        const attached = plan({ claim: { volumeName: "pvc-a", phase: "Bound", annotations: {
            "monsterstack.io/attached-volume": "pvc-a", "monsterstack.io/attached-volume-class": "" } }, volumes: [] });
        assert.deepStrictEqual(attached, { kind: "existing", volumeName: "pvc-a", attached: { volumeName: "pvc-a", storageClass: "" } });
        assert.strictEqual(dataOrigin(attached), "re-attached: a retained volume");
    });

    it("startEmpty: provision, and say which retained volumes are left alone", () => {
        const p = plan({ volumes: [volume("pvc-a")] }, { startEmpty: true });
        assert.deepStrictEqual(p.kind, "provision");
        const [note] = planMessages(p, "monsterstack-alice/redis-data", now);
        assert.match(note.text, /^Data: startEmpty is true: a new volume is provisioned, and the retained volumes pvc-a .* are left untouched\.$/);
    });

    it("attachVolume: takes the named volume, labelled or not (a volume from the kubectl exercise), when it is free and fits", () => {
        const fromKubectl = volume("pvc-kubectl", { labels: {}, claimRef: { namespace: "default", name: "redis-data", uid: "u" } });
        const p = plan({ volumes: [volume("pvc-mine"), fromKubectl] }, { attachVolume: "pvc-kubectl" });
        assert.strictEqual(p.kind === "rebind" && p.volume.name, "pvc-kubectl");
    });

    it("attachVolume: takes, by name, the stack's own volume from the namespace it had before (a stack moved to another namespace)", () => {
        const fromOldNamespace = volume("pvc-moved", { labels: identityLabels({ ...alice, namespace: "alice-old" }), claimRef: { namespace: "alice-old", name: "redis-data", uid: "u" } });
        assert.strictEqual(plan({ volumes: [fromOldNamespace] }).kind, "provision", "never taken without being named");
        const p = plan({ volumes: [fromOldNamespace] }, { attachVolume: "pvc-moved" });
        assert.strictEqual(p.kind === "rebind" && p.volume.name, "pvc-moved");
    });

    it("attachVolume: refuses, naming the key, a missing, Bound, foreign or misfit volume, before anything is registered", () => {
        const cases: Array<[VolumeState[], RegExp]> = [
            [[], /no PersistentVolume of that name/],
            [[volume("pvc-x", { phase: "Bound", claimRef: { namespace: "monsterstack-bob", name: "redis-data" } })], /it is Bound to monsterstack-bob\/redis-data; only a Released or Available volume/],
            [[volume("pvc-x", { labels: bobLabels })], /it holds the data of monsterstack\/bob, not of this stack/],
            [[volume("pvc-x", { capacity: "1Gi" })], /smaller than redisStorageSize 2Gi/],
        ];
        for (const [volumes, reason] of cases) {
            assert.throws(() => plan({ volumes }, { attachVolume: "pvc-x" }), (err: Error) => {
                assert.ok(err instanceof ConfigError);
                assert.match(err.message, /^monsterstack:attachVolume = "pvc-x" cannot be attached: /);
                assert.match(err.message, reason);
                return true;
            });
        }
        // The claim already exists, bound elsewhere: its volume cannot change.
        assert.throws(() => plan({ claim: { volumeName: "pvc-a", phase: "Bound", annotations: {} }, volumes: [] }, { attachVolume: "pvc-x" }),
            /already exists, bound to pvc-a, and a claim's volume cannot change/);
    });

    it("render mode: no cluster, no decision", () => {
        const p = plan("render");
        assert.deepStrictEqual(p, { kind: "render" });
        assert.match(dataOrigin(p), /^renderYamlTo mode: no cluster was read/);
    });

    it("identity labels are valid label values for any stack name", () => {
        for (const stack of ["alice", "Alice.2", "a".repeat(64), "_x_", "dev-"]) {
            const value = labelValue(stack);
            assert.match(value, /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, stack);
            assert.ok(value.length <= 63, value);
        }
        assert.strictEqual(labelValue("alice"), "alice");
        assert.notStrictEqual(labelValue("a".repeat(64)), labelValue("a".repeat(65)));
    });

    it("tells ages in plain words", () => {
        assert.strictEqual(age(new Date("2026-11-25T11:59:30Z"), now), "30 seconds ago");
        assert.strictEqual(age(new Date("2026-11-24T11:00:00Z"), now), "1 day ago");
    });
});
