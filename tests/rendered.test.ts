// Rendered YAML (renderYamlTo) keeps every guard rail `pulumi up` would apply; what needs the
// live cluster is the script in the output afterApply, run after the files are applied.
import * as assert from "assert";
import { afterApplyScript } from "../render/afterApply";
import { kubeObjects, MOCK_STACK_ID, ProgramRun, runProgram } from "../testing/harness";

const CLOUD = { target: "cloud", storageClass: "standard", backupSchedule: "0 * * * *", reclaimPolicy: "Retain" };
/** What rendering cannot hold: the patch of a volume that does not exist yet. */
const NEEDS_THE_CLUSTER = ["PersistentVolumePatch"];
const objectsOf = (run: ProgramRun) => kubeObjects(run).map((o) => `${o.kind} ${o.metadata.namespace ?? "-"}/${o.metadata.name}`).sort();

describe("rendered YAML (renderYamlTo)", () => {
    let live: ProgramRun;
    let rendered: ProgramRun;
    before(async () => {
        live = await runProgram("alice", CLOUD);
        rendered = await runProgram("alice", { ...CLOUD, renderYamlTo: "rendered" });
    });

    it("holds every object `pulumi up` makes on a cloud stack with tenancy and backups, guard rails included, but the volume patches", () => {
        const expected = kubeObjects(live).filter((o) => !NEEDS_THE_CLUSTER.includes(o.kind));
        assert.deepStrictEqual(objectsOf(rendered), objectsOf({ ...live, resources: live.resources.filter((r) => !NEEDS_THE_CLUSTER.includes(r.type.split(":")[2])) }));
        for (const kind of ["NetworkPolicy", "ResourceQuota", "LimitRange", "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"]) {
            assert.ok(expected.some((o) => o.kind === kind), `the live stack has no ${kind}: the comparison proves nothing`);
        }
        const policies = kubeObjects(rendered).filter((o) => o.kind === "NetworkPolicy").map((o) => o.metadata.name).sort();
        assert.deepStrictEqual(policies, ["app-deny-ingress", "default-deny-ingress", "frontend-from-anywhere", "imagebackend-from-frontend", "redis-from-backup", "redis-from-frontend"]);
    });

    it("the token's Secret is rendered, and the kubeconfig output points at afterApply", () => {
        assert.ok(kubeObjects(rendered).some((o) => o.kind === "Secret" && o.metadata.name === "trainee-token" && o.inputs.type === "kubernetes.io/service-account-token"));
        assert.match(String(rendered.outputs.traineeKubeconfig), /renderYamlTo mode: made after kubectl apply, by the script in the output afterApply/);
        assert.strictEqual(live.outputs.afterApply, undefined, "a stack applied by pulumi up has nothing to finish");
    });

    it("afterApply: the namespace, the files, each volume's policy and labels once bound (the backups' too: Redis mounts it), the kubeconfig", () => {
        const lines = String(rendered.outputs.afterApply).trim().split("\n");
        const ns = "monsterstack-alice";
        assert.deepStrictEqual(lines.slice(0, 5), [
            "set -e",
            `kubectl apply -f 'rendered/1-manifest/v1-namespace-default-${ns}.yaml'`,
            `kubectl apply -f 'rendered/1-manifest/v1-serviceaccount-${ns}-trainee.yaml'`,
            "kubectl apply -f 'rendered/1-manifest'",
            `kubectl wait -n ${ns} pvc/redis-data --for=jsonpath='{.status.phase}'=Bound --timeout=300s`,
        ]);
        const patch = /^kubectl patch pv "\$\(kubectl get pvc -n monsterstack-alice redis-data -o jsonpath='\{\.spec\.volumeName\}'\)" --type merge -p '(.*)'$/.exec(lines[5]);
        assert.ok(patch, lines[5]);
        const fields = JSON.parse(patch[1]);
        assert.strictEqual(fields.spec.persistentVolumeReclaimPolicy, "Retain");
        // The labels `pulumi up` puts on the volume, so that `down --purge` and a rebind find it.
        assert.strictEqual(fields.metadata.labels["monsterstack.io/stack-id"], MOCK_STACK_ID);
        assert.strictEqual(fields.metadata.labels["monsterstack.io/stack"], "alice");
        assert.strictEqual(fields.metadata.labels["monsterstack.io/claim"], "redis-data");
        assert.strictEqual(lines[6], `kubectl wait -n ${ns} pvc/redis-backups --for=jsonpath='{.status.phase}'=Bound --timeout=300s`);
        const backupsPatch = /^kubectl patch pv "\$\(kubectl get pvc -n monsterstack-alice redis-backups -o jsonpath='\{\.spec\.volumeName\}'\)" --type merge -p '(.*)'$/.exec(lines[7]);
        assert.ok(backupsPatch, lines[7]);
        assert.strictEqual(JSON.parse(backupsPatch[1]).metadata.labels["monsterstack.io/claim"], "redis-backups");
        assert.match(lines[8], /^kubectl wait -n monsterstack-alice secret\/trainee-token --for=jsonpath='\{\.data\.token\}'/);
        assert.match(lines[9], /^\(umask 077 && kubectl get secret -n monsterstack-alice trainee-token -o go-template='apiVersion: v1$/);
        const script = lines.join("\n");
        assert.match(script, /token: \{\{\.data\.token \| base64decode\}\}/);
        assert.doesNotMatch(script, /--token/, "the token must never be on a command line");
        assert.match(script, /> 'rendered\/trainee-monsterstack-alice\.kubeconfig'\)$/m);
        assert.match(lines.at(-1)!, /^echo "the trainee's kubeconfig: /);
    });

    it("tenancy only renders the namespace, the access and the admission policy; namespaceOwner class renders no namespace and no access", async () => {
        const only = await runProgram("alice", { tenancy: "only", renderYamlTo: "rendered" });
        const kinds = new Set(kubeObjects(only).map((o) => o.kind));
        for (const kind of ["Namespace", "NetworkPolicy", "ResourceQuota", "Role", "ValidatingAdmissionPolicy"]) assert.ok(kinds.has(kind), kind);
        const script = String(only.outputs.afterApply);
        assert.match(script, /v1-namespace-default-monsterstack-alice\.yaml/);
        assert.doesNotMatch(script, /pvc\//);
        assert.match(script, /trainee-token/);
        const own = await runProgram("alice", { namespaceOwner: "class", renderYamlTo: "rendered" });
        assert.doesNotMatch(String(own.outputs.afterApply), /namespace-default|trainee-token/);
        assert.match(String(own.outputs.afterApply), /pvc\/redis-data/);
    });

    it("quotes what the shell would read otherwise", () => {
        const script = afterApplyScript({ renderDir: "it's here", namespace: "ns", ownsNamespace: true, volumes: [], kubeconfig: false });
        assert.match(script, /^kubectl apply -f 'it'\\''s here\/1-manifest'$/m);
    });
});
