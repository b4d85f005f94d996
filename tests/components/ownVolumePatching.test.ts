// The admission policy that lets a trainee running their own stack set the reclaim policy of
// their own volume, and nothing else cluster-wide. Its CEL is evaluated here, with a CEL
// implementation, on the requests the API server would hand it; e2e/class.e2e.ts checks that
// the real API server compiles it and refuses bob's volume to alice.
import * as assert from "assert";
import * as cel from "@marcbachmann/cel-js";
import { ownVolumePolicySpec, ownVolumeValidations } from "../../components/ownVolumePatching";

const ALICE = "system:serviceaccount:monsterstack-alice:trainee";
const spec = ownVolumePolicySpec("monsterstack-alice", "trainee");

/** A PersistentVolume as the provisioner makes it and the tests edit it. */
interface Pv {
    metadata: {
        name: string;
        labels: Record<string, string>;
        annotations: Record<string, string>;
        finalizers?: string[];
        ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string }>;
    };
    spec: {
        capacity: { storage: string };
        accessModes: string[];
        storageClassName: string;
        hostPath: { path: string };
        persistentVolumeReclaimPolicy: string;
        mountOptions?: string[];
        csi?: { driver: string; volumeHandle: string; nodeExpandSecretRef?: { name: string; namespace: string } };
        claimRef?: { kind: string; namespace: string; name: string; uid?: string; resourceVersion?: string };
    };
}

function volume(namespace: string | undefined, extra: Partial<Pv["spec"]> = {}): Pv {
    return {
        metadata: { name: `pvc-${namespace ?? "free"}`, labels: { "app.kubernetes.io/name": "redis" }, annotations: { "hostPathProvisionerIdentity": "minikube" }, finalizers: ["kubernetes.io/pv-protection"] },
        spec: {
            capacity: { storage: "2Gi" }, accessModes: ["ReadWriteOnce"], storageClassName: "standard",
            hostPath: { path: `/tmp/hostpath-provisioner/${namespace}/redis-data` },
            persistentVolumeReclaimPolicy: "Delete",
            ...(namespace ? { claimRef: { kind: "PersistentVolumeClaim", namespace, name: "redis-data", uid: "3f1c", resourceVersion: "42" } } : {}),
            ...extra,
        },
    };
}

const edit = (pv: Pv, f: (copy: Pv) => void): Pv => {
    const copy: Pv = JSON.parse(JSON.stringify(pv));
    f(copy);
    return copy;
};

/** What the API server does with a request: skip when no match condition holds, else the first failed validation's message. */
function admit(username: string, operation: string, oldObject: Pv | null, object: Pv | null): "not matched" | "admitted" | string {
    const request = { userInfo: { username }, operation };
    const context = { request, oldObject, object };
    if (!spec.matchConditions.every((c) => cel.evaluate(c.expression, context) === true)) return "not matched";
    for (const v of spec.validations) {
        if (cel.evaluate(v.expression, context) !== true) return String(cel.evaluate(v.messageExpression, context));
    }
    return "admitted";
}

describe("the trainee's own-volume admission policy", () => {
    const alices = volume("monsterstack-alice");
    const bobs = volume("monsterstack-bob");

    it("every expression compiles", () => {
        const expressions = [...spec.matchConditions.map((c) => c.expression), ...spec.validations.flatMap((v) => [v.expression, v.messageExpression])];
        assert.strictEqual(expressions.length, 1 + 2 * ownVolumeValidations("trainee").length);
        for (const e of expressions) assert.doesNotThrow(() => cel.parse(e), e);
    });

    it("matches this trainee's ServiceAccount only, on creates, updates and deletes of PersistentVolumes", () => {
        assert.deepStrictEqual(spec.matchConstraints, { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["persistentvolumes"] }] });
        assert.strictEqual(spec.failurePolicy, "Fail");
        const toRetain = edit(bobs, (pv) => { pv.spec.persistentVolumeReclaimPolicy = "Retain"; });
        assert.strictEqual(admit("system:serviceaccount:monsterstack-bob:trainee", "UPDATE", bobs, toRetain), "not matched");
        assert.strictEqual(admit("kubernetes-admin", "UPDATE", bobs, toRetain), "not matched");
        assert.strictEqual(admit("system:serviceaccount:monsterstack-alice:default", "UPDATE", alices, alices), "not matched");
    });

    it("admits what the program does: the reclaim policy and its labels on her own volume, and releasing it to her claim", () => {
        const patched = edit(alices, (pv) => {
            pv.spec.persistentVolumeReclaimPolicy = "Retain";
            pv.metadata.labels["monsterstack.io/stack"] = "alice";
            pv.metadata.labels["monsterstack.io/namespace"] = "monsterstack-alice";
            pv.metadata.labels["app.kubernetes.io/instance"] = "monsterstack-alice";
            pv.metadata.annotations["pulumi.com/patchForce"] = "true";
        });
        assert.strictEqual(admit(ALICE, "UPDATE", alices, patched), "admitted");
        const released = edit(alices, (pv) => { delete pv.spec.claimRef!.uid; delete pv.spec.claimRef!.resourceVersion; });
        assert.strictEqual(admit(ALICE, "UPDATE", alices, released), "admitted");
    });

    it("refuses bob's volume to alice, saying whose data it holds", () => {
        const toDelete = edit(bobs, (pv) => { pv.spec.persistentVolumeReclaimPolicy = "Delete"; });
        assert.strictEqual(admit(ALICE, "UPDATE", bobs, toDelete),
            "volume pvc-monsterstack-bob holds the data of namespace monsterstack-bob: system:serviceaccount:monsterstack-alice:trainee may only change volumes claimed from its own namespace");
        assert.match(admit(ALICE, "UPDATE", volume(undefined), volume(undefined)), /holds the data of namespace \(none\)/);
    });

    it("refuses creating or deleting a volume", () => {
        assert.match(admit(ALICE, "CREATE", null, alices), /may set the reclaim policy of an existing volume, never CREATE one/);
        assert.match(admit(ALICE, "DELETE", alices, null), /never DELETE one/);
    });

    it("refuses any other change to her own volume: size, class, source secrets, claim", () => {
        for (const [what, change] of [
            ["capacity", (pv: Pv) => { pv.spec.capacity.storage = "200Gi"; }],
            ["class", (pv: Pv) => { pv.spec.storageClassName = "fast"; }],
            ["mount options", (pv: Pv) => { pv.spec.mountOptions = ["debug"]; }],
            ["csi secret", (pv: Pv) => { pv.spec.csi = { driver: "d", volumeHandle: "h", nodeExpandSecretRef: { name: "s", namespace: "monsterstack-bob" } }; }],
            ["claim moved to bob", (pv: Pv) => { pv.spec.claimRef!.namespace = "monsterstack-bob"; }],
            ["claim renamed", (pv: Pv) => { pv.spec.claimRef!.name = "other"; }],
            ["claim dropped", (pv: Pv) => { delete pv.spec.claimRef; }],
            ["claim uid forged", (pv: Pv) => { pv.spec.claimRef!.uid = "bob-claim-uid"; }],
        ] as Array<[string, (pv: Pv) => void]>) {
            assert.match(admit(ALICE, "UPDATE", alices, edit(alices, change)), /may change its reclaim policy only/, what);
        }
    });

    it("refuses labels, annotations, finalizers and owners other than the program's, and another namespace's identity", () => {
        for (const [what, change] of [
            ["a label of another tool", (pv: Pv) => { pv.metadata.labels["team"] = "x"; }],
            ["bob's identity", (pv: Pv) => { pv.metadata.labels["monsterstack.io/namespace"] = "monsterstack-bob"; }],
            ["an annotation", (pv: Pv) => { pv.metadata.annotations["hostPathProvisionerIdentity"] = "someone"; }],
            ["no finalizer", (pv: Pv) => { delete pv.metadata.finalizers; }],
            ["an owner", (pv: Pv) => { pv.metadata.ownerReferences = [{ apiVersion: "v1", kind: "Pod", name: "p", uid: "u" }]; }],
        ] as Array<[string, (pv: Pv) => void]>) {
            assert.match(admit(ALICE, "UPDATE", alices, edit(alices, change)), /may only set the labels monsterstack\.io\/\* and app\.kubernetes\.io\/\*/, what);
        }
        const labelled = edit(alices, (pv) => { pv.metadata.labels["team"] = "storage"; });
        assert.match(admit(ALICE, "UPDATE", labelled, edit(labelled, (pv) => { delete pv.metadata.labels["team"]; })), /may only set the labels/, "a label of another tool removed");
    });
});
