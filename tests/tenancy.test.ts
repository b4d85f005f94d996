// A trainee's own access to a shared cluster (tenancy): exactly their namespace, read-only
// storage, limits, NetworkPolicies, and a kubeconfig kept secret.
import * as assert from "assert";
import { parseConfig } from "../config";
import { findObject, hasObject, kubeObjects, ProgramRun, runProgram } from "./harness";

const KINDS = ["ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding", "ResourceQuota", "LimitRange", "NetworkPolicy"];

describe("tenancy", () => {
    let alice: ProgramRun;
    before(async () => { alice = await runProgram("alice", { tenancy: "on" }); });

    it("is off on minikube and on for cloud by default, and a bad value is refused by name", async () => {
        assert.strictEqual(parseConfig({}, "alice").tenancy, "off");
        assert.strictEqual(parseConfig({ target: "cloud" }, "alice").tenancy, "on");
        assert.throws(() => parseConfig({ tenancy: "yes" }, "alice"), /monsterstack:tenancy = "yes" is not valid: expected one of on \| off \| only/);
        const off = await runProgram("alice");
        assert.deepStrictEqual(kubeObjects(off).filter((o) => KINDS.includes(o.kind)), []);
        assert.strictEqual(off.outputs.traineeKubeconfig, "(none: tenancy is off)");
    });

    it("a ServiceAccount trainee with a long-lived token Secret, bound to a Role in the namespace only", () => {
        assert.ok(hasObject(alice, "ServiceAccount", "trainee"));
        const token = findObject(alice, "Secret", "trainee-token");
        assert.strictEqual(token.inputs.type, "kubernetes.io/service-account-token");
        assert.strictEqual(token.metadata.annotations["kubernetes.io/service-account.name"], "trainee");
        const binding = findObject(alice, "RoleBinding", "trainee");
        assert.deepStrictEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: "trainee", namespace: "monsterstack-alice" }]);
        assert.deepStrictEqual(binding.inputs.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "trainee" });
        for (const o of kubeObjects(alice).filter((x) => ["ServiceAccount", "Role", "RoleBinding", "ResourceQuota", "LimitRange", "NetworkPolicy"].includes(x.kind))) {
            assert.strictEqual(o.metadata.namespace, "monsterstack-alice", `${o.kind}/${o.metadata.name}`);
        }
    });

    it("the Role grants what the exercises need there, and nothing cluster-wide or wildcard", () => {
        const rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> = findObject(alice, "Role", "trainee").inputs.rules;
        const can = (group: string, resource: string, verb: string) =>
            rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
        for (const [group, resource, verb] of [
            ["", "pods", "list"], ["", "pods/exec", "create"], ["", "pods/log", "get"], ["apps", "deployments", "delete"],
            ["apps", "statefulsets", "patch"], ["", "services", "create"], ["", "configmaps", "update"], ["", "secrets", "get"],
            ["", "persistentvolumeclaims", "delete"], ["", "events", "list"],
        ]) assert.ok(can(group, resource, verb), `${group}/${resource} ${verb}`);
        for (const r of rules) {
            assert.ok(!r.verbs.includes("*") && !r.resources.includes("*") && !r.apiGroups.includes("*"), JSON.stringify(r));
            assert.ok(!r.resources.some((x) => ["namespaces", "persistentvolumes", "roles", "rolebindings", "resourcequotas", "networkpolicies"].includes(x)), JSON.stringify(r));
        }
    });

    it("the storage side is read-only: get, list, watch on persistentvolumes and storageclasses, in ClusterRoles named after the namespace", () => {
        const role = findObject(alice, "ClusterRole", "monsterstack:monsterstack-alice:storage-reader");
        assert.deepStrictEqual(role.inputs.rules, [
            { apiGroups: [""], resources: ["persistentvolumes"], verbs: ["get", "list", "watch"] },
            { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get", "list", "watch"] },
            { apiGroups: [""], resources: ["namespaces"], resourceNames: ["monsterstack-alice"], verbs: ["get"] },
        ]);
        assert.ok(!hasObject(alice, "ClusterRole", "monsterstack:monsterstack-alice:own-volume"), "with the app deployed for them, a trainee patches no volume");
        const binding = findObject(alice, "ClusterRoleBinding", "monsterstack:monsterstack-alice:storage-reader");
        assert.deepStrictEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: "trainee", namespace: "monsterstack-alice" }]);
    });

    it("a quota of twice what the stack's pods request and may use (npm run bench's figures), and defaults for the trainee's own pods", async () => {
        // One stack: 4 pods, 200m and 256Mi requested; 1000m and 640Mi of limits.
        assert.deepStrictEqual(findObject(alice, "ResourceQuota", "trainee-quota").spec.hard, {
            "pods": "8", "requests.cpu": "400m", "requests.memory": "512Mi", "limits.cpu": "2000m", "limits.memory": "1280Mi",
            "persistentvolumeclaims": "3", "requests.storage": "6Gi",
        });
        const bigger = findObject(await runProgram("alice", { tenancy: "on", frontendReplicas: "4", redisStorageSize: "500Mi" }), "ResourceQuota", "trainee-quota");
        assert.strictEqual(bigger.spec.hard["pods"], "12");
        assert.strictEqual(bigger.spec.hard["requests.storage"], "3Gi");
        const limits = findObject(alice, "LimitRange", "trainee-limits").spec.limits[0];
        assert.deepStrictEqual(limits.defaultRequest, { cpu: "50m", memory: "64Mi" });
        assert.deepStrictEqual(limits.default, { cpu: "250m", memory: "128Mi" });
    });

    it("NetworkPolicies, evaluated on the pods' own labels and ports: the app's paths are open, nothing else reaches a backend", async () => {
        const run = await runProgram("alice", { tenancy: "on", backupSchedule: "@hourly" });
        const policies = kubeObjects(run).filter((o) => o.kind === "NetworkPolicy");
        const template = (kind: string, name: string) => findObject(run, kind, name).spec.template;
        const pod = (kind: string, name: string) => ({ namespace: "monsterstack-alice", labels: template(kind, name).metadata.labels });
        const port = (kind: string, name: string) => template(kind, name).spec.containers[0].ports[0].containerPort;
        const [frontend, redis, imagebackend] = [pod("Deployment", "frontend"), pod("StatefulSet", "redis"), pod("Deployment", "imagebackend")];
        const backup = { namespace: "monsterstack-alice", labels: findObject(run, "CronJob", "redis-backup").spec.jobTemplate.spec.template.metadata.labels };
        const traineesOwn = { namespace: "monsterstack-alice", labels: { run: "debug" } };
        const otherTrainee = { namespace: "monsterstack-bob", labels: frontend.labels };
        const outside = { namespace: "", labels: {} };
        const [redisPort, imagebackendPort, frontendPort] = [port("StatefulSet", "redis"), port("Deployment", "imagebackend"), port("Deployment", "frontend")];
        const allowed = [[frontend, redis, redisPort], [frontend, imagebackend, imagebackendPort], [backup, redis, redisPort],
            [outside, frontend, frontendPort], [otherTrainee, frontend, frontendPort], [traineesOwn, frontend, frontendPort]] as const;
        for (const [from, to, p] of allowed) assert.ok(admits(policies, from, to, p), `${JSON.stringify(from.labels)} → ${JSON.stringify(to.labels)}:${p}`);
        const denied = [[traineesOwn, redis, redisPort], [traineesOwn, imagebackend, imagebackendPort], [otherTrainee, redis, redisPort],
            [otherTrainee, imagebackend, imagebackendPort], [outside, redis, redisPort], [imagebackend, redis, redisPort], [frontend, redis, 6380],
            [backup, imagebackend, imagebackendPort], [outside, frontend, 22]] as const;
        for (const [from, to, p] of denied) assert.ok(!admits(policies, from, to, p), `${JSON.stringify(from.labels)} → ${JSON.stringify(to.labels)}:${p} is admitted`);
        // The frontend's port follows frontendPort.
        const prod = await runProgram("alice", { tenancy: "on", frontendPort: "9090" });
        assert.deepStrictEqual(findObject(prod, "NetworkPolicy", "frontend-from-anywhere").spec.ingress, [{ ports: [{ protocol: "TCP", port: 9090 }] }]);
    });

    it("NetworkPolicies: only the stack's frontend reaches Redis (6379) and the image backend (8080)", () => {
        const frontend = findObject(alice, "Deployment", "frontend").spec.selector.matchLabels;
        for (const [backend, kind, port] of [["redis", "StatefulSet", 6379], ["imagebackend", "Deployment", 8080]] as const) {
            const policy = findObject(alice, "NetworkPolicy", `${backend}-from-frontend`);
            assert.deepStrictEqual(policy.spec.podSelector.matchLabels, findObject(alice, kind, backend).spec.selector.matchLabels);
            assert.deepStrictEqual(policy.spec.policyTypes, ["Ingress"]);
            assert.deepStrictEqual(policy.spec.ingress, [{ from: [{ podSelector: { matchLabels: frontend } }], ports: [{ protocol: "TCP", port }] }]);
        }
    });

    it("outputs the trainee's kubeconfig, for their namespace only, as a Pulumi secret", () => {
        assert.ok(alice.secretOutputs.includes("traineeKubeconfig"));
        const kubeconfig = String(alice.outputs.traineeKubeconfig);
        assert.match(kubeconfig, /server: https:\/\/training\.example\.com:6443/);
        assert.match(kubeconfig, /token: mock-token-monsterstack-alice/);
        assert.match(kubeconfig, /namespace: monsterstack-alice/);
        assert.match(kubeconfig, /current-context: monsterstack-alice/);
        assert.match(kubeconfig, /certificate-authority-data: bW9jay1jbHVzdGVyLWNh/);
    });

    it("render mode gives no access: there is no cluster, and the output says so", async () => {
        const run = await runProgram("alice", { tenancy: "on", renderYamlTo: "rendered" });
        assert.deepStrictEqual(kubeObjects(run).filter((o) => KINDS.includes(o.kind)), []);
        assert.match(String(run.outputs.traineeKubeconfig), /renderYamlTo mode/);
    });

    describe("a trainee running their own stack in a namespace the class prepared", () => {
        let prepared: ProgramRun;
        let own: ProgramRun;
        before(async () => {
            prepared = await runProgram("alice", { tenancy: "only" });
            own = await runProgram("alice", { namespaceOwner: "class" });
        });

        it("the keys: tenancy only and namespaceOwner class, each refused by name where they cannot hold", () => {
            assert.strictEqual(parseConfig({ tenancy: "only" }, "alice").tenancy, "only");
            const c = parseConfig({ target: "cloud", namespaceOwner: "class" }, "alice");
            assert.deepStrictEqual([c.namespaceOwner, c.tenancy], ["class", "off"], "cloud's tenancy default gives way to the class's");
            assert.strictEqual(parseConfig({}, "alice").namespaceOwner, "stack");
            assert.throws(() => parseConfig({ namespaceOwner: "trainer" }, "alice"), /monsterstack:namespaceOwner = "trainer" is not valid: expected one of stack \| class/);
            assert.throws(() => parseConfig({ namespaceOwner: "class", tenancy: "on" }, "alice"), /monsterstack:tenancy = "on" is not valid: with namespaceOwner class/);
            assert.throws(() => parseConfig({ tenancy: "only", renderYamlTo: "out" }, "alice"), /monsterstack:tenancy = "only" is not valid: .*renderYamlTo has no cluster/);
        });

        it("tenancy only: the namespace, marked as the class's, and the trainee's access; no app, no volume", () => {
            assert.strictEqual(findObject(prepared, "Namespace", "monsterstack-alice").metadata.labels["monsterstack.io/tenancy"], "only");
            for (const kind of ["Deployment", "StatefulSet", "PersistentVolumeClaim", "PersistentVolumePatch", "ConfigMap", "Service"]) {
                assert.deepStrictEqual(kubeObjects(prepared).filter((o) => o.kind === kind).map((o) => o.metadata.name), [], kind);
            }
            for (const kind of KINDS) assert.ok(kubeObjects(prepared).some((o) => o.kind === kind), kind);
            assert.match(String(prepared.outputs.traineeKubeconfig), /token: mock-token-monsterstack-alice/);
            assert.ok(prepared.secretOutputs.includes("traineeKubeconfig"));
            assert.match(String(prepared.outputs.frontendUrl), /tenancy only prepares the namespace/);
        });

        it("tenancy only: the trainee may patch volumes, guarded by a policy for their namespace, bound before the right exists", () => {
            const role = findObject(prepared, "ClusterRole", "monsterstack:monsterstack-alice:own-volume");
            assert.deepStrictEqual(role.inputs.rules, [{ apiGroups: [""], resources: ["persistentvolumes"], verbs: ["patch"] }]);
            const binding = findObject(prepared, "ClusterRoleBinding", "monsterstack:monsterstack-alice:own-volume");
            assert.deepStrictEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: "trainee", namespace: "monsterstack-alice" }]);
            for (const guard of ["trainee-own-volume-policy", "trainee-own-volume-policy-binding"]) assert.ok(binding.dependsOn.includes(guard), guard);
            const policy = findObject(prepared, "ValidatingAdmissionPolicy", "monsterstack-monsterstack-alice-own-volume");
            assert.deepStrictEqual(policy.spec.matchConditions, [{ name: "this-trainee", expression: "request.userInfo.username == 'system:serviceaccount:monsterstack-alice:trainee'" }]);
            const policyBinding = findObject(prepared, "ValidatingAdmissionPolicyBinding", "monsterstack-monsterstack-alice-own-volume");
            assert.deepStrictEqual(policyBinding.spec, { policyName: "monsterstack-monsterstack-alice-own-volume", validationActions: ["Deny"] });
        });

        it("namespaceOwner class: the app in the class's namespace, nothing cluster-scoped but the volume's patch", () => {
            assert.ok(!hasObject(own, "Namespace", "monsterstack-alice"), "the namespace is the class's");
            const namespaced = kubeObjects(own).filter((o) => o.kind !== "PersistentVolumePatch");
            assert.ok(namespaced.length > 8);
            for (const o of namespaced) assert.strictEqual(o.metadata.namespace, "monsterstack-alice", `${o.kind}/${o.metadata.name}`);
            assert.deepStrictEqual(kubeObjects(own).filter((o) => KINDS.includes(o.kind)), []);
            assert.strictEqual(findObject(own, "PersistentVolumePatch", "pvc-" + String(own.outputs.dataVolume).slice(4)).spec.persistentVolumeReclaimPolicy, "Delete");
            assert.match(String(own.outputs.traineeKubeconfig), /the class gave this trainee their kubeconfig/);
        });

        it("namespaceOwner class refuses, before registering anything, a namespace that is missing or not the class's", async () => {
            await assert.rejects(runProgram("alice", { namespaceOwner: "class" }, { namespaceLabels: null }), (err: Error & { registeredBeforeError?: number }) => {
                assert.match(err.message, /monsterstack:namespaceOwner = "class" but namespace monsterstack-alice does not exist: the trainer makes it with `npm run class -- up --config tenancy=only`/);
                assert.strictEqual(err.registeredBeforeError, 0);
                return true;
            });
            await assert.rejects(runProgram("alice", { namespaceOwner: "class" }, { namespaceLabels: { "kubernetes.io/metadata.name": "monsterstack-alice" } }),
                /namespace monsterstack-alice was not prepared by the class \(it lacks the label monsterstack\.io\/tenancy=only\)/);
        });
    });
});

interface PodAt { namespace: string; labels: Record<string, string> }
interface PolicyObject { metadata: { namespace: string }; spec: { podSelector: { matchLabels?: Record<string, string> }; policyTypes: string[];
    ingress?: Array<{ from?: Array<{ podSelector?: { matchLabels?: Record<string, string> } }>; ports?: Array<{ port: number }> }> } }

const selects = (selector: { matchLabels?: Record<string, string> } | undefined, labels: Record<string, string>) =>
    Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

/**
 * NetworkPolicy's ingress semantics, for the kinds of rule the program writes: a pod no policy
 * selects takes anything; a selected one only what a rule of a policy selecting it admits
 * (a `from` podSelector means pods of the policy's own namespace; no `from`, anyone).
 */
function admits(policies: PolicyObject[], from: PodAt, to: PodAt, port: number): boolean {
    const applying = policies.filter((p) => p.metadata.namespace === to.namespace && p.spec.policyTypes.includes("Ingress") && selects(p.spec.podSelector, to.labels));
    if (applying.length === 0) return true;
    return applying.some((p) => (p.spec.ingress ?? []).some((rule) =>
        (rule.ports === undefined || rule.ports.some((x) => x.port === port)) &&
        (rule.from === undefined || rule.from.some((peer) => from.namespace === p.metadata.namespace && selects(peer.podSelector, from.labels)))));
}
