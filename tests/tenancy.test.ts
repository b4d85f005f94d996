// A trainee's own access to a shared cluster (tenancy): exactly their namespace, read-only
// storage, limits, NetworkPolicies, and a kubeconfig kept secret.
import * as assert from "assert";
import { parseConfig } from "../config";
import { findObject, hasObject, kubeObjects, ProgramRun, runProgram } from "../testing/harness";
import { admits, Cluster, ContainerPort, NetworkPolicy, Pod, Protocol, selectorMatches, Source, verdict } from "../testing/networkPolicyEvaluator";

const KINDS = ["ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding", "ResourceQuota", "LimitRange", "NetworkPolicy"];

describe("tenancy", () => {
    let alice: ProgramRun;
    before(async () => { alice = await runProgram("alice", { tenancy: "on" }); });

    it("is off on minikube and on for cloud by default, and a bad value is refused by name", async () => {
        assert.strictEqual(parseConfig({}, "alice").tenancy, "off");
        assert.strictEqual(parseConfig({ target: "cloud" }, "alice").tenancy, "on");
        assert.throws(() => parseConfig({ tenancy: "yes" }, "alice"), /monsterstack:tenancy = "yes" is not valid: expected one of on \| off \| only/);
        const off = await runProgram("alice");
        // The app's own NetworkPolicies are there with or without tenancy; the namespace's default deny is tenancy's.
        assert.deepStrictEqual(kubeObjects(off).filter((o) => KINDS.includes(o.kind)).map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
            "NetworkPolicy/app-deny-ingress", "NetworkPolicy/frontend-from-anywhere", "NetworkPolicy/imagebackend-from-frontend", "NetworkPolicy/redis-from-frontend",
        ]);
        assert.ok(hasObject(alice, "NetworkPolicy", "default-deny-ingress"));
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
        // redisMemory sizes Redis' container, and the quota with it: 2 × (512 − 256) Mi more.
        const roomier = await runProgram("alice", { tenancy: "on", redisMemory: "512Mi" });
        assert.strictEqual(findObject(roomier, "StatefulSet", "redis").spec.template.spec.containers[0].resources.limits.memory, "512Mi");
        assert.strictEqual(findObject(roomier, "ResourceQuota", "trainee-quota").spec.hard["limits.memory"], "1792Mi");
        const limits = findObject(alice, "LimitRange", "trainee-limits").spec.limits[0];
        assert.deepStrictEqual(limits.defaultRequest, { cpu: "50m", memory: "64Mi" });
        assert.deepStrictEqual(limits.default, { cpu: "250m", memory: "128Mi" });
    });

    // The app with its backup job: every kind of client a backend has.
    const withBackup = new Map<string, Promise<ProgramRun>>();
    const appWithBackup = (tenancy = "on") => withBackup.get(tenancy) ?? withBackup.set(tenancy, runProgram("alice", { tenancy, backupSchedule: "@hourly" })).get(tenancy)!;

    it("NetworkPolicies, evaluated on the pods' own labels and ports: the app's paths are open, nothing else reaches a backend, tenancy or not", async () => {
        for (const tenancy of ["on", "off"]) {
            const scene = networkScene(await appWithBackup(tenancy));
            for (const c of scene.allowed) {
                const got = verdict(scene.cluster, c.from, c.to, c.port, c.protocol);
                assert.ok(got.admitted, `tenancy ${tenancy}: ${c.name}: ${got.reason}`);
            }
            for (const c of scene.denied) {
                const got = verdict(scene.cluster, c.from, c.to, c.port, c.protocol);
                assert.ok(!got.admitted, `tenancy ${tenancy}: ${c.name} is admitted: ${got.reason}`);
            }
        }
        // The frontend's port follows frontendPort.
        const prod = await runProgram("alice", { tenancy: "on", frontendPort: "9090" });
        assert.deepStrictEqual(findObject(prod, "NetworkPolicy", "frontend-from-anywhere").spec.ingress, [{ ports: [{ protocol: "TCP", port: 9090 }] }]);
    });

    it("NetworkPolicies: the denied cases bite: any policy admitting clients to a backend, opened to every namespace, admits one of them", async () => {
      for (const tenancy of ["on", "off"]) {
        const scene = networkScene(await appWithBackup(tenancy));
        // Read from what the program registers, not from a list of names: a policy added later is held to this too.
        const backendPolicies = scene.cluster.policies.filter((policy) =>
            [scene.redis, scene.imagebackend].some((backend) => policy.metadata.namespace === backend.namespace && selectorMatches(policy.spec.podSelector ?? {}, backend.labels ?? {})) &&
            (policy.spec.ingress ?? []).some((rule) => (rule.from ?? []).length > 0));
        assert.ok(backendPolicies.length > 0, "no policy admits clients to a backend: nothing to check");
        for (const policy of backendPolicies) {
            const opened: Cluster = { ...scene.cluster, policies: scene.cluster.policies.map((p) => (p === policy ? openedToEveryNamespace(p) : p)) };
            const bitten = scene.denied.filter((c) => admits(opened, c.from, c.to, c.port, c.protocol)).map((c) => c.name);
            assert.ok(bitten.length > 0, `tenancy ${tenancy}: ${policy.metadata.name}, opened to every namespace, admits none of the denied cases: they would not catch that change`);
        }
      }
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

        it("tenancy only: the trainee's own stack may schedule backups and choose its frontend's port: the policies, Role and quota admit them", async () => {
            const scene = networkScene(await runProgram("alice", { tenancy: "on", backupSchedule: "@hourly" }));
            // The trainee's own stack, with a backup job and a frontend on 9090, under the class's policies only.
            const classPolicies: NetworkPolicy[] = kubeObjects(prepared).filter((o) => o.kind === "NetworkPolicy").map((o) => ({ metadata: o.metadata, spec: o.spec }));
            const cluster: Cluster = { ...scene.cluster, policies: classPolicies };
            const frontend9090 = { ...scene.frontend, ports: [{ containerPort: 9090 }] };
            const onAnotherPort: Connection = { name: "outside → frontend on 9090", from: scene.outside, to: frontend9090, port: 9090 };
            for (const c of [...scene.allowed, onAnotherPort]) {
                const got = verdict(cluster, c.from, c.to, c.port, c.protocol);
                assert.ok(got.admitted, `${c.name}: ${got.reason}`);
            }
            for (const c of scene.denied.filter((d) => d.to !== scene.frontend)) assert.ok(!admits(cluster, c.from, c.to, c.port, c.protocol), `${c.name} is admitted`);
            const rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> = findObject(prepared, "Role", "trainee").inputs.rules;
            assert.ok(rules.some((r) => r.apiGroups.includes("batch") && r.resources.includes("cronjobs") && r.resources.includes("jobs") && r.verbs.includes("create")), JSON.stringify(rules));
            const hard = findObject(prepared, "ResourceQuota", "trainee-quota").spec.hard;
            assert.deepStrictEqual([hard.pods, hard.persistentvolumeclaims], ["10", "4"], "sized for the backup job and its claim");
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

/** A connection the NetworkPolicy tests judge, named for the failure message. */
interface Connection { name: string; from: Source; to: Pod; port: number; protocol?: Protocol }

/**
 * The stack's pods as the cluster would run them (their templates' labels and declared ports),
 * the clients a backend must refuse, and the registered NetworkPolicies with the namespaces'
 * labels. The impostors live in another trainee's namespace, made by the same program, and
 * carry this stack's own pod labels: only the namespace tells them apart.
 */
function networkScene(run: ProgramRun) {
    const namespace = "monsterstack-alice";
    const elsewhere = "monsterstack-bob";
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a pod template out of the untyped registered inputs (KubeObject.spec)
    const podOf = (template: any, ip: string): Pod => ({
        namespace, ip, labels: template.metadata.labels,
        ports: template.spec.containers.flatMap((c: { ports?: ContainerPort[] }) => c.ports ?? []),
    });
    const frontend = podOf(findObject(run, "Deployment", "frontend").spec.template, "10.244.0.10");
    const imagebackend = podOf(findObject(run, "Deployment", "imagebackend").spec.template, "10.244.0.11");
    const redis = podOf(findObject(run, "StatefulSet", "redis").spec.template, "10.244.0.12");
    const backup = podOf(findObject(run, "CronJob", "redis-backup").spec.jobTemplate.spec.template, "10.244.0.13");
    const traineesOwn: Pod = { namespace, labels: { run: "debug" }, ip: "10.244.0.14" };
    const otherTrainee: Pod = { namespace: elsewhere, labels: { ...frontend.labels, "app.kubernetes.io/instance": elsewhere }, ip: "10.244.1.10" };
    const frontendImpostor: Pod = { namespace: elsewhere, labels: frontend.labels, ip: "10.244.1.11" };
    const backupImpostor: Pod = { namespace: elsewhere, labels: backup.labels, ip: "10.244.1.12" };
    const outside: Source = { kind: "external", ip: "203.0.113.50" };

    const ownLabels: Record<string, string> = findObject(run, "Namespace", namespace).metadata.labels;
    const theirLabels = Object.fromEntries(Object.entries(ownLabels).map(([k, v]) => [k, v.replace(/alice/g, "bob")]));
    const policies: NetworkPolicy[] = kubeObjects(run).filter((o) => o.kind === "NetworkPolicy").map((o) => ({ metadata: o.metadata, spec: o.spec }));
    const cluster: Cluster = { policies, namespaces: [{ name: namespace, labels: ownLabels }, { name: elsewhere, labels: theirLabels }] };

    const port = (pod: Pod) => (pod.ports ?? [])[0].containerPort;
    const connection = (name: string, from: Source, to: Pod, portNumber = port(to), protocol?: Protocol): Connection => ({ name, from, to, port: portNumber, protocol });
    const allowed = [
        connection("frontend → redis", frontend, redis), connection("frontend → imagebackend", frontend, imagebackend),
        connection("backup job → redis", backup, redis), connection("outside → frontend", outside, frontend),
        connection("another trainee's frontend → frontend", otherTrainee, frontend), connection("trainee's own pod → frontend", traineesOwn, frontend),
    ];
    const denied = [
        connection("trainee's own pod → redis", traineesOwn, redis), connection("trainee's own pod → imagebackend", traineesOwn, imagebackend),
        connection("frontend's labels in another namespace → redis", frontendImpostor, redis),
        connection("frontend's labels in another namespace → imagebackend", frontendImpostor, imagebackend),
        connection("backup job's labels in another namespace → redis", backupImpostor, redis),
        connection("another trainee's frontend → redis", otherTrainee, redis),
        connection("outside → redis", outside, redis), connection("outside → imagebackend", outside, imagebackend),
        connection("imagebackend → redis", imagebackend, redis), connection("backup job → imagebackend", backup, imagebackend),
        connection("frontend → redis on another port", frontend, redis, port(redis) + 1), connection("frontend → redis over UDP", frontend, redis, port(redis), "UDP"),
        connection("outside → frontend on port 22", outside, frontend, 22),
    ];
    return { cluster, redis, imagebackend, frontend, outside, allowed, denied };
}

/** The code change the denied cases must catch: each peer of `policy` taken from every namespace. */
function openedToEveryNamespace(policy: NetworkPolicy): NetworkPolicy {
    const ingress = (policy.spec.ingress ?? []).map((rule) => ({
        ...rule,
        // An ipBlock peer may carry no selector: it names addresses, not namespaces.
        from: rule.from?.map((peer) => (peer.ipBlock ? peer : { ...peer, namespaceSelector: {} })),
    }));
    return { ...policy, spec: { ...policy.spec, ingress } };
}
