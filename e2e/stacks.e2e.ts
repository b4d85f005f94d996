// Several trainees in one cluster, and the rendered-YAML path: real Pulumi CLI, real API
// server, pods on the real node.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { reachableFrom, traineeWithLocalImages } from "./lib/app";
import { run, tempBackend, TempBackend, TraineeCli } from "./lib/cli";
import { kubeJson, waitFor } from "./lib/cluster";

const ready = (t: TraineeCli, deployment: string, replicas: number) =>
    kubeJson("deployment", deployment, "-n", t.namespace)?.status?.readyReplicas === replicas;

describe("trainees side by side, and rendered YAML", function () {
    this.timeout(15 * 60 * 1000);
    let backend: TempBackend;

    before(() => {
        backend = tempBackend("stacks");
    });

    it("rita and carol deploy side by side with tenancy: each kubeconfig reaches its own namespace only; both destroy cleanly", async () => {
        const rita = traineeWithLocalImages("rita", backend.root);
        const carol = traineeWithLocalImages("carol", backend.root);
        for (const t of [rita, carol]) {
            t.set("tenancy", "on");
            t.up();
        }
        const volumes = [rita, carol].map((t) => kubeJson("pvc", "redis-data", "-n", t.namespace).spec.volumeName);
        assert.notStrictEqual(volumes[0], volumes[1]);
        for (const t of [rita, carol]) assert.ok(ready(t, "frontend", 2), `${t.stack}'s frontend is not ready`);

        // The kubeconfig a trainer hands rita: `pulumi stack output traineeKubeconfig --show-secrets`, in a 0600 file.
        const kubeconfig = path.join(backend.root, "rita.kubeconfig");
        fs.writeFileSync(kubeconfig, rita.pulumi("stack", "output", "traineeKubeconfig", "--show-secrets").stdout, { mode: 0o600 });
        const asRita = (...args: string[]) => run("kubectl", ["--kubeconfig", kubeconfig, ...args], { allowFail: true });
        const can = (...args: string[]) => asRita("auth", "can-i", ...args).stdout.trim();
        // Allowed: list, exec and read logs in her namespace; look at the storage side.
        assert.deepStrictEqual([can("list", "pods"), can("create", "pods/exec"), can("get", "pods/log"), can("list", "persistentvolumes")], ["yes", "yes", "yes", "yes"]);
        assert.match(asRita("get", "pods", "-o", "name").stdout, /pod\/frontend-/);
        assert.match(asRita("logs", "deployment/frontend").stdout + asRita("logs", "deployment/frontend").stderr, /Running on/);
        assert.match(asRita("exec", "deployment/frontend", "--", "id", "-u").stdout, /^10001$/m);
        assert.match(asRita("get", "pv").stdout, new RegExp(volumes[0]));
        // Forbidden: carol's pods and secrets, deleting namespaces, patching any volume.
        assert.deepStrictEqual([
            can("get", "pods", "-n", carol.namespace), can("get", "secrets", "-n", carol.namespace),
            can("delete", "namespaces"), can("patch", "persistentvolumes"),
        ], ["no", "no", "no", "no"]);
        for (const attempt of [
            asRita("get", "pods", "-n", carol.namespace),
            asRita("get", "secrets", "-n", carol.namespace),
            asRita("delete", "namespace", carol.namespace, "--dry-run=server"),
            asRita("patch", "pv", volumes[1], "-p", '{"spec":{"persistentVolumeReclaimPolicy":"Delete"}}'),
        ]) {
            assert.notStrictEqual(attempt.status, 0);
            assert.match(attempt.stderr, /Forbidden|forbidden/);
        }
        rita.destroy();
        carol.destroy();
        await waitFor("both namespaces and volumes to go", () =>
            !kubeJson("namespace", rita.namespace) && !kubeJson("namespace", carol.namespace) && volumes.every((v) => !kubeJson("pv", v)));
        // Destroyed with the stack, the token no longer opens anything.
        assert.notStrictEqual(asRita("get", "pv").status, 0);
    });

    it("renderYamlTo with tenancy: `pulumi stack output afterApply | sh` applies the files and finishes; dave's Redis is as closed as `pulumi up` makes it", async () => {
        const dave = traineeWithLocalImages("dave", backend.root);
        for (const [key, value] of [["renderYamlTo", "rendered"], ["tenancy", "on"], ["reclaimPolicy", "Retain"]]) dave.set(key, value);
        dave.up();
        assert.ok(!kubeJson("namespace", dave.namespace), "render mode must not touch the cluster");
        // As docs/storage.md tells a trainer, from the project directory.
        const finish = run("sh", ["-c", "pulumi stack output afterApply --non-interactive | sh"], { cwd: dave.dir });
        assert.match(finish.stdout, /the trainee's kubeconfig: rendered\/trainee-monsterstack-dave\.kubeconfig/);
        await waitFor("the rendered stack to be ready", () => ready(dave, "frontend", 2), 180);
        for (const [kind, name] of [["resourcequota", "trainee-quota"], ["limitrange", "trainee-limits"], ["networkpolicy", "default-deny-ingress"], ["role", "trainee"]]) {
            assert.ok(kubeJson(kind, name, "-n", dave.namespace), `${kind}/${name} was not applied`);
        }
        // What needed the cluster: the volume's policy and the stack's labels, and the trainee's kubeconfig.
        const volume = kubeJson("pv", kubeJson("pvc", "redis-data", "-n", dave.namespace).spec.volumeName);
        assert.strictEqual(volume.spec.persistentVolumeReclaimPolicy, "Retain");
        assert.strictEqual(volume.metadata.labels["monsterstack.io/stack-id"], kubeJson("namespace", dave.namespace).metadata.labels["monsterstack.io/stack-id"]);
        const kubeconfig = path.join(dave.dir, "rendered", "trainee-monsterstack-dave.kubeconfig");
        assert.strictEqual(fs.statSync(kubeconfig).mode & 0o777, 0o600);
        assert.ok(!finish.stdout.includes(kubeJson("secret", "trainee-token", "-n", dave.namespace).data.token), "the token was printed");
        const redisAndFrontend = [["redis", 6379], ["frontend", kubeJson("service", "frontend", "-n", dave.namespace).spec.ports[0].port]] as const;
        // A pod dave starts with that kubeconfig, and one of another namespace: neither opens his Redis; his frontend answers both.
        assert.deepStrictEqual(await reachableFrom(["--kubeconfig", kubeconfig, "-n", dave.namespace], "reach-own-redis", dave.namespace, redisAndFrontend), { redis: "closed", frontend: "open" });
        assert.deepStrictEqual(await reachableFrom(["-n", "default"], "reach-dave", dave.namespace, redisAndFrontend), { redis: "closed", frontend: "open" });
        run("kubectl", ["delete", "namespace", dave.namespace, "--wait=true"]);
        run("kubectl", ["delete", "pv", volume.metadata.name, "--wait=false"]);
    });

    after(() => {
        backend?.remove();
    });
});
