// What the program registers: the Kubernetes objects the course asks for, field by field.
import * as assert from "assert";
import { findObject, hasObject, KubeObject, kubeObjects, ProgramRun, runProgram } from "../testing/harness";

const RECOMMENDED = ["name", "instance", "component", "part-of", "managed-by"].map((l) => `app.kubernetes.io/${l}`);

/** The container `name` of a workload's pod template: its inputs, untyped like the object's. */
function container(workload: Pick<KubeObject, "spec">, name: string): KubeObject["spec"] {
    const found = workload.spec.template.spec.containers.find((c: { name: string }) => c.name === name);
    assert.ok(found, `no container ${name}`);
    return found;
}

describe("the program's Kubernetes objects", () => {
    let alice: ProgramRun;
    before(async () => { alice = await runProgram("alice"); });

    it("puts every namespaced object in the stack's namespace, created by the stack", () => {
        const ns = findObject(alice, "Namespace", "monsterstack-alice");
        assert.strictEqual(ns.metadata.labels["monsterstack.io/stack"], "alice", "the namespace says whose it is");
        for (const o of kubeObjects(alice)) {
            if (o.kind === "Namespace" || o.kind === "PersistentVolumePatch") continue;
            assert.strictEqual(o.metadata.namespace, "monsterstack-alice", `${o.kind}/${o.metadata.name}`);
        }
    });

    it("labels every object with the Kubernetes recommended labels, pods included", () => {
        for (const o of kubeObjects(alice)) {
            for (const label of RECOMMENDED) assert.ok(o.metadata.labels?.[label], `${o.kind}/${o.metadata.name} lacks ${label}`);
            assert.strictEqual(o.metadata.labels["app.kubernetes.io/part-of"], "monsterstack");
            assert.strictEqual(o.metadata.labels["app.kubernetes.io/instance"], "monsterstack-alice");
            if (o.spec.template) {
                for (const label of RECOMMENDED) assert.ok(o.spec.template.metadata.labels[label], `${o.kind} pods lack ${label}`);
            }
        }
    });

    describe("Redis and its data", () => {
        it("claims redis-data: 2Gi, ReadWriteOnce, StorageClass standard", () => {
            const pvc = findObject(alice, "PersistentVolumeClaim", "redis-data");
            assert.strictEqual(pvc.spec.resources.requests.storage, "2Gi");
            assert.deepStrictEqual(pvc.spec.accessModes, ["ReadWriteOnce"]);
            assert.strictEqual(pvc.spec.storageClassName, "standard");
        });

        it("takes size and class from config, and leaves the class unset on cloud (cluster default)", async () => {
            const sized = await runProgram("alice", { redisStorageSize: "500Mi", storageClass: "fast" });
            const pvc = findObject(sized, "PersistentVolumeClaim", "redis-data");
            assert.strictEqual(pvc.spec.resources.requests.storage, "500Mi");
            assert.strictEqual(pvc.spec.storageClassName, "fast");
            const cloud = await runProgram("alice", { target: "cloud" });
            assert.strictEqual(findObject(cloud, "PersistentVolumeClaim", "redis-data").spec.storageClassName, undefined);
        });

        for (const kind of ["StatefulSet", "Deployment"]) {
            it(`as a ${kind}: one replica, redis-data mounted at /data, append-only, probed with redis-cli`, async () => {
                const run = await runProgram("alice", { redisKind: kind });
                const redis = findObject(run, kind, "redis");
                assert.strictEqual(redis.spec.replicas, 1);
                const pod = redis.spec.template.spec;
                const dataVolume = pod.volumes.find((v: { persistentVolumeClaim?: object }) => v.persistentVolumeClaim);
                assert.strictEqual(dataVolume.persistentVolumeClaim.claimName, "redis-data");
                const c = container(redis, "redis");
                const mount = c.volumeMounts.find((m: { name: string }) => m.name === dataVolume.name);
                assert.strictEqual(mount.mountPath, "/data");
                assert.ok(c.args.join(" ").includes("--appendonly yes"), c.args.join(" "));
                assert.ok(c.args.join(" ").includes("--dir /data"));
                // Reached by other pods through the Service, whatever the image's entrypoint does.
                assert.ok(c.args.join(" ").includes("--protected-mode no"), c.args.join(" "));
                // A backup's snapshot starts at once, not after the 5 s wait for replicas.
                assert.ok(c.args.join(" ").includes("--repl-diskless-sync-delay 0"), c.args.join(" "));
                assert.match(c.readinessProbe.exec.command.join(" "), /redis-cli ping/);
                assert.match(c.livenessProbe.exec.command.join(" "), /redis-cli ping/);
                assert.ok(c.resources.requests.cpu && c.resources.limits.memory);
                // The other kind is not registered at the same time.
                assert.ok(!hasObject(run, kind === "StatefulSet" ? "Deployment" : "StatefulSet", "redis"));
            });
        }

        it("keeps the very same claim when redisKind switches, so the data survives", async () => {
            const sts = await runProgram("alice", { redisKind: "StatefulSet" });
            const dep = await runProgram("alice", { redisKind: "Deployment" });
            const claimOf = (run: ProgramRun) => run.resources.find((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim" && !r.read)!;
            assert.strictEqual(claimOf(sts).name, claimOf(dep).name);
            assert.deepStrictEqual(claimOf(sts).inputs, claimOf(dep).inputs);
            // No volumeClaimTemplates: a StatefulSet template would create its own claim (redis-data-redis-0).
            assert.strictEqual(findObject(sts, "StatefulSet", "redis").spec.volumeClaimTemplates, undefined);
        });

        it("switching redisKind replaces the one Redis workload, deleting the old kind first", async () => {
            const kinds = { StatefulSet: "kubernetes:apps/v1:StatefulSet", Deployment: "kubernetes:apps/v1:Deployment" };
            for (const [kind, type] of Object.entries(kinds)) {
                const run = await runProgram("alice", { redisKind: kind });
                const workload = run.resources.find((r) => r.type === type && r.inputs.metadata?.name === "redis")!;
                const other = Object.values(kinds).find((t) => t !== type)!;
                // Same Pulumi name under both kinds, tied by an alias: one resource changing type.
                assert.strictEqual(workload.name, "redis-workload");
                assert.ok(workload.aliasTypes.includes(other), workload.aliasTypes.join(", "));
                assert.deepStrictEqual(workload.replaceOnChanges, ["kind"]);
                assert.strictEqual(workload.deleteBeforeReplace, true, "two Redis would share the claim");
                assert.strictEqual(workload.inputs.metadata.annotations["pulumi.com/deletionPropagationPolicy"], "foreground");
            }
        });

        it("a StatefulSet gets its headless governing Service; both kinds get ClusterIP Service redis", async () => {
            const sts = findObject(alice, "StatefulSet", "redis");
            const headless = findObject(alice, "Service", sts.spec.serviceName);
            assert.strictEqual(headless.spec.clusterIP, "None");
            const dep = await runProgram("alice", { redisKind: "Deployment" });
            assert.ok(!hasObject(dep, "Service", "redis-headless"));
            assert.strictEqual(findObject(dep, "Deployment", "redis").spec.strategy.type, "Recreate");
            assert.strictEqual(headless.metadata.annotations["pulumi.com/skipAwait"], "true");
            for (const run of [alice, dep]) {
                const svc = findObject(run, "Service", "redis");
                assert.strictEqual(svc.spec.type, "ClusterIP");
                // The workload's wait already holds `up` until Redis is Ready: no 10 s more on its Endpoints.
                assert.strictEqual(svc.metadata.annotations["pulumi.com/skipAwait"], "true");
                assert.strictEqual(svc.spec.ports[0].port, 6379);
            }
        });
    });

    describe("image backend", () => {
        it("runs amouat/dnmonster:1.0 on 8080 behind ClusterIP Service imagebackend", () => {
            const dep = findObject(alice, "Deployment", "imagebackend");
            const c = container(dep, "dnmonster");
            assert.strictEqual(c.image, "amouat/dnmonster:1.0");
            assert.strictEqual(c.ports[0].containerPort, 8080);
            const svc = findObject(alice, "Service", "imagebackend");
            assert.strictEqual(svc.spec.type, "ClusterIP");
            assert.strictEqual(svc.spec.ports[0].port, 8080);
            assert.deepStrictEqual(svc.spec.selector, dep.spec.selector.matchLabels);
            assert.strictEqual(svc.metadata.annotations["pulumi.com/skipAwait"], "true");
        });
    });

    describe("frontend", () => {
        it("has ConfigMap frontend-config with CONTEXT, REDIS_DOMAIN and IMAGEBACKEND_DOMAIN naming the Services", () => {
            const cm = findObject(alice, "ConfigMap", "frontend-config");
            assert.deepStrictEqual(cm.inputs.data, { CONTEXT: "DEV", REDIS_DOMAIN: "redis", IMAGEBACKEND_DOMAIN: "imagebackend" });
            assert.ok(hasObject(alice, "Service", cm.inputs.data.REDIS_DOMAIN));
            assert.ok(hasObject(alice, "Service", cm.inputs.data.IMAGEBACKEND_DOMAIN));
        });

        it("reads each variable with valueFrom.configMapKeyRef, one key per variable", () => {
            const c = container(findObject(alice, "Deployment", "frontend"), "frontend");
            for (const key of ["CONTEXT", "REDIS_DOMAIN", "IMAGEBACKEND_DOMAIN"]) {
                const env = c.env.find((e: { name: string }) => e.name === key);
                assert.ok(env, `no env ${key}`);
                assert.strictEqual(env.value, undefined, `${key} must not be a literal`);
                assert.deepStrictEqual(env.valueFrom, { configMapKeyRef: { name: "frontend-config", key } });
            }
        });

        it("gets no service-link variables (REDIS_PORT=tcp://…) beside the ConfigMap's", () => {
            assert.strictEqual(findObject(alice, "Deployment", "frontend").spec.template.spec.enableServiceLinks, false);
        });

        it("rolls its pods when the ConfigMap changes", async () => {
            const prod = await runProgram("alice", { context: "PROD" });
            const digestOf = (run: ProgramRun) =>
                findObject(run, "Deployment", "frontend").spec.template.metadata.annotations["monsterstack.io/config-digest"];
            assert.strictEqual(findObject(prod, "ConfigMap", "frontend-config").inputs.data.CONTEXT, "PROD");
            assert.ok(digestOf(alice));
            assert.notStrictEqual(digestOf(prod), digestOf(alice));
        });

        it("rolls its pods only after the ConfigMap and the TLS Secret they read are updated, never beside them", () => {
            // Variables and subPath files are read once, at the container's start: a pod started before
            // the ConfigMap's update keeps the old CONTEXT (seen in CI run AL: context PROD, the page said DEV).
            const frontend = findObject(alice, "Deployment", "frontend");
            for (const source of ["frontend-config", "frontend-tls"]) {
                assert.ok(frontend.dependsOn.includes(source), `Deployment/frontend does not wait for ${source}: ${frontend.dependsOn.join(", ")}`);
            }
        });

        it("listens on 5000 and is probed over TCP by default, which never counts a visit", () => {
            const c = container(findObject(alice, "Deployment", "frontend"), "frontend");
            assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 5000 }]);
            assert.deepStrictEqual(c.readinessProbe.tcpSocket, { port: "http" });
            assert.deepStrictEqual(c.livenessProbe.tcpSocket, { port: "http" });
            assert.strictEqual(c.readinessProbe.httpGet, undefined);
            assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.cpu && c.resources.limits.memory);
        });

        it("follows frontendPort (container, Service, URL) and probes frontendProbePath over HTTP when set", async () => {
            const run = await runProgram("alice", { frontendPort: "9090", frontendProbePath: "/healthz", frontendServiceType: "ClusterIP" });
            const c = container(findObject(run, "Deployment", "frontend"), "frontend");
            assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 9090 }]);
            for (const probe of [c.readinessProbe, c.livenessProbe]) {
                assert.deepStrictEqual(probe.httpGet, { path: "/healthz", port: "http" });
                assert.strictEqual(probe.tcpSocket, undefined);
            }
            const svc = findObject(run, "Service", "frontend");
            assert.strictEqual(svc.spec.ports[0].port, 9090);
            assert.strictEqual(svc.spec.ports[0].targetPort, "http");
            assert.match(String(run.outputs.frontendUrl), /service\/frontend 9090:9090 .*localhost:9090/);
        });

        it("pulls each image with its own policy: IfNotPresent by default, Never or Always from config", async () => {
            const images = (run: ProgramRun) => ({
                frontend: container(findObject(run, "Deployment", "frontend"), "frontend").imagePullPolicy,
                imagebackend: container(findObject(run, "Deployment", "imagebackend"), "dnmonster").imagePullPolicy,
                redis: container(findObject(run, "StatefulSet", "redis"), "redis").imagePullPolicy,
            });
            assert.deepStrictEqual(images(alice), { frontend: "IfNotPresent", imagebackend: "IfNotPresent", redis: "IfNotPresent" });
            const run = await runProgram("alice", {
                frontendImage: "monster-icon:dev", frontendImagePullPolicy: "Never", redisImagePullPolicy: "Always",
            });
            assert.deepStrictEqual(images(run), { frontend: "Never", imagebackend: "IfNotPresent", redis: "Always" });
            assert.strictEqual(container(findObject(run, "Deployment", "frontend"), "frontend").image, "monster-icon:dev");
        });

        const serviceTypes: Array<[Record<string, string>, string]> = [
            [{}, "NodePort"],
            [{ target: "cloud" }, "LoadBalancer"],
            [{ frontendServiceType: "ClusterIP" }, "ClusterIP"],
            [{ target: "cloud", frontendServiceType: "NodePort" }, "NodePort"],
            [{ frontendServiceType: "LoadBalancer" }, "LoadBalancer"],
        ];
        for (const [config, type] of serviceTypes) {
            it(`Service frontend is ${type} with ${JSON.stringify(config)}`, async () => {
                const svc = findObject(await runProgram("alice", config), "Service", "frontend");
                assert.strictEqual(svc.spec.type, type);
                assert.strictEqual(svc.spec.ports[0].port, 5000);
                assert.strictEqual(svc.spec.ports[0].nodePort, undefined, "no fixed nodePort unless configured");
                // `up` waits for a load balancer's address (frontendUrl), not for a ClusterIP's or NodePort's Endpoints.
                assert.strictEqual(svc.metadata.annotations?.["pulumi.com/skipAwait"], type === "LoadBalancer" ? undefined : "true");
            });
        }

        it("uses a configured nodePort", async () => {
            const svc = findObject(await runProgram("alice", { frontendNodePort: "30080" }), "Service", "frontend");
            assert.strictEqual(svc.spec.ports[0].nodePort, 30080);
        });
    });

    describe("TLS certificate", () => {
        it("generates key and self-signed certificate with @pulumi/tls for the Service's in-cluster names plus tlsHosts", async () => {
            const run = await runProgram("alice", { tlsHosts: '["monster.example.com"]' });
            const key = run.resources.find((r) => r.type === "tls:index/privateKey:PrivateKey");
            const cert = run.resources.find((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert");
            assert.ok(key && cert);
            assert.deepStrictEqual(cert!.inputs.dnsNames, [
                "frontend", "frontend.monsterstack-alice", "frontend.monsterstack-alice.svc",
                "frontend.monsterstack-alice.svc.cluster.local", "monster.example.com",
            ]);
            assert.ok(cert!.inputs.allowedUses.includes("server_auth"));
        });

        it("stores certificate and key in Secret frontend-tls, sent to Pulumi state as a secret", () => {
            const secret = findObject(alice, "Secret", "frontend-tls");
            assert.match(secret.inputs.stringData["mycert.pem"], /BEGIN CERTIFICATE/);
            assert.match(secret.inputs.stringData["mykey.pem"], /PRIVATE KEY/);
            assert.deepStrictEqual(secret.secretInputs, ["stringData"]);
        });

        it("mounts the certificate as one read-only file at /etc/mycert.pem (subPath, not a directory), mode 0440", () => {
            const frontend = findObject(alice, "Deployment", "frontend");
            const c = container(frontend, "frontend");
            const mount = c.volumeMounts.find((m: { mountPath: string }) => m.mountPath === "/etc/mycert.pem");
            assert.ok(mount, "no mount at /etc/mycert.pem");
            assert.strictEqual(mount.subPath, "mycert.pem");
            assert.strictEqual(mount.readOnly, true);
            const keyMount = c.volumeMounts.find((m: { mountPath: string }) => m.mountPath === "/etc/mykey.pem");
            assert.strictEqual(keyMount.subPath, "mykey.pem");
            assert.strictEqual(keyMount.readOnly, true);
            const volume = frontend.spec.template.spec.volumes.find((v: { name: string }) => v.name === mount.name);
            assert.strictEqual(volume.secret.secretName, "frontend-tls");
            assert.strictEqual(volume.secret.defaultMode, 0o440);
            // Readable by the app's group, not by the world.
            assert.strictEqual(volume.secret.defaultMode & 0o007, 0);
            assert.ok(frontend.spec.template.spec.securityContext.fsGroup);
        });
    });

    describe("Redis password (redisAuth)", () => {
        it("is off by default: no password Secret, no password variable", () => {
            assert.ok(!hasObject(alice, "Secret", "redis-auth"));
            assert.ok(!alice.resources.some((r) => r.type === "random:index/randomPassword:RandomPassword"));
            const c = container(findObject(alice, "StatefulSet", "redis"), "redis");
            assert.ok(!c.args.includes("--requirepass"));
        });

        it("when on: a random password in Secret redis-auth, given to Redis and frontend by secretKeyRef", async () => {
            const run = await runProgram("alice", { redisAuth: "true" });
            assert.ok(run.resources.some((r) => r.type === "random:index/randomPassword:RandomPassword"));
            const secret = findObject(run, "Secret", "redis-auth");
            assert.deepStrictEqual(secret.secretInputs, ["stringData"]);
            const ref = { secretKeyRef: { name: "redis-auth", key: "password" } };
            const redis = container(findObject(run, "StatefulSet", "redis"), "redis");
            assert.deepStrictEqual(redis.env.find((e: { name: string }) => e.name === "REDIS_PASSWORD").valueFrom, ref);
            assert.deepStrictEqual(redis.env.find((e: { name: string }) => e.name === "REDISCLI_AUTH").valueFrom, ref);
            assert.strictEqual(redis.args[redis.args.indexOf("--requirepass") + 1], "$(REDIS_PASSWORD)");
            const frontend = container(findObject(run, "Deployment", "frontend"), "frontend");
            assert.deepStrictEqual(frontend.env.find((e: { name: string }) => e.name === "REDIS_PASSWORD").valueFrom, ref);
            assert.ok(run.secretOutputs.includes("redisPassword"));
            // The pods name the Secret through its output: they are created after it, never before.
            for (const [kind, name] of [["StatefulSet", "redis"], ["Deployment", "frontend"]]) {
                assert.ok(findObject(run, kind, name).dependsOn.includes("redis-password"), `${kind}/${name} does not wait for the Secret`);
            }
        });
    });

    describe("provider", () => {
        it("uses one explicit provider with the configured context, adopting retained objects", async () => {
            const run = await runProgram("alice", { kubeContext: "minikube" });
            const providers = run.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
            assert.strictEqual(providers.length, 1);
            assert.strictEqual(providers[0].inputs.context, "minikube");
            assert.strictEqual(providers[0].inputs.namespace, "monsterstack-alice");
            assert.strictEqual(String(providers[0].inputs.upsertExistingObjects), "true");
            assert.strictEqual(providers[0].inputs.renderYamlToDirectory, undefined);
        });

        it("leaves $KUBECONFIG to client-go: an unset kubeconfig key is sent as \"\", a set one as given", async () => {
            const previous = process.env.KUBECONFIG;
            process.env.KUBECONFIG = "/home/trainer/.kube/config";
            try {
                const provider = (run: ProgramRun) => run.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
                // The SDK would otherwise send $KUBECONFIG, which the provider copies to a temp file.
                assert.strictEqual(provider(await runProgram("alice")).inputs.kubeconfig, "");
                assert.strictEqual(provider(await runProgram("alice", { kubeconfig: "/etc/class.kubeconfig" })).inputs.kubeconfig, "/etc/class.kubeconfig");
            } finally {
                if (previous === undefined) delete process.env.KUBECONFIG; else process.env.KUBECONFIG = previous;
            }
        });

        it("renders YAML to a directory instead of applying when renderYamlTo is set", async () => {
            const previous = process.env.KUBECONFIG;
            process.env.KUBECONFIG = "/home/trainer/.kube/config";
            let run: ProgramRun;
            try {
                run = await runProgram("alice", { renderYamlTo: "rendered", kubeContext: "minikube" });
            } finally {
                if (previous === undefined) delete process.env.KUBECONFIG; else process.env.KUBECONFIG = previous;
            }
            const provider = run.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
            assert.strictEqual(provider.inputs.renderYamlToDirectory, "rendered");
            assert.strictEqual(String(provider.inputs.alwaysRender), "true");
            // The provider refuses a kubeconfig (even one taken from $KUBECONFIG) next to renderYamlToDirectory.
            assert.strictEqual(provider.inputs.kubeconfig, "");
            assert.strictEqual(provider.inputs.context, undefined);
            // No live volume to read in that mode.
            assert.ok(!run.resources.some((r) => r.read));
            assert.ok(hasObject(run, "PersistentVolumeClaim", "redis-data"));
        });
    });
});
