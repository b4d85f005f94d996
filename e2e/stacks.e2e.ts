// Several trainees in one cluster, and the rendered-YAML path: real Pulumi CLI, real API
// server, pods on the real node.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { useLocalImages } from "./lib/app";
import { run, tempBackend, TempBackend, TraineeCli } from "./lib/cli";
import { kubeJson, waitFor } from "./lib/cluster";

function traineeWithLocalImages(stack: string, root: string): TraineeCli {
    const trainee = TraineeCli.checkout(stack, root);
    useLocalImages(trainee);
    return trainee;
}

const ready = (t: TraineeCli, deployment: string, replicas: number) =>
    kubeJson("deployment", deployment, "-n", t.namespace)?.status?.readyReplicas === replicas;

describe("trainees side by side, and rendered YAML", function () {
    this.timeout(15 * 60 * 1000);
    let backend: TempBackend;

    before(() => {
        backend = tempBackend("stacks");
    });

    it("bob and carol deploy side by side with tenancy: each kubeconfig reaches its own namespace only; both destroy cleanly", async () => {
        const bob = traineeWithLocalImages("bob", backend.root);
        const carol = traineeWithLocalImages("carol", backend.root);
        for (const t of [bob, carol]) {
            t.set("tenancy", "on");
            t.up();
        }
        const volumes = [bob, carol].map((t) => kubeJson("pvc", "redis-data", "-n", t.namespace).spec.volumeName);
        assert.notStrictEqual(volumes[0], volumes[1]);
        for (const t of [bob, carol]) assert.ok(ready(t, "frontend", 2), `${t.stack}'s frontend is not ready`);

        // The kubeconfig a trainer hands bob: `pulumi stack output traineeKubeconfig --show-secrets`, in a 0600 file.
        const kubeconfig = path.join(backend.root, "bob.kubeconfig");
        fs.writeFileSync(kubeconfig, bob.pulumi("stack", "output", "traineeKubeconfig", "--show-secrets").stdout, { mode: 0o600 });
        const asBob = (...args: string[]) => run("kubectl", ["--kubeconfig", kubeconfig, ...args], { allowFail: true });
        const can = (...args: string[]) => asBob("auth", "can-i", ...args).stdout.trim();
        // Allowed: list, exec and read logs in his namespace; look at the storage side.
        assert.deepStrictEqual([can("list", "pods"), can("create", "pods/exec"), can("get", "pods/log"), can("list", "persistentvolumes")], ["yes", "yes", "yes", "yes"]);
        assert.match(asBob("get", "pods", "-o", "name").stdout, /pod\/frontend-/);
        assert.match(asBob("logs", "deployment/frontend").stdout + asBob("logs", "deployment/frontend").stderr, /Running on/);
        assert.match(asBob("exec", "deployment/frontend", "--", "id", "-u").stdout, /^10001$/m);
        assert.match(asBob("get", "pv").stdout, new RegExp(volumes[0]));
        // Forbidden: carol's pods and secrets, deleting namespaces, patching any volume.
        assert.deepStrictEqual([
            can("get", "pods", "-n", carol.namespace), can("get", "secrets", "-n", carol.namespace),
            can("delete", "namespaces"), can("patch", "persistentvolumes"),
        ], ["no", "no", "no", "no"]);
        for (const attempt of [
            asBob("get", "pods", "-n", carol.namespace),
            asBob("get", "secrets", "-n", carol.namespace),
            asBob("delete", "namespace", carol.namespace, "--dry-run=server"),
            asBob("patch", "pv", volumes[1], "-p", '{"spec":{"persistentVolumeReclaimPolicy":"Delete"}}'),
        ]) {
            assert.notStrictEqual(attempt.status, 0);
            assert.match(attempt.stderr, /Forbidden|forbidden/);
        }
        bob.destroy();
        carol.destroy();
        await waitFor("both namespaces and volumes to go", () =>
            !kubeJson("namespace", bob.namespace) && !kubeJson("namespace", carol.namespace) && volumes.every((v) => !kubeJson("pv", v)));
        // Destroyed with the stack, the token no longer opens anything.
        assert.notStrictEqual(asBob("get", "pv").status, 0);
    });

    it("renderYamlTo writes manifests that kubectl applies as they are (with $KUBECONFIG set)", async () => {
        const dave = traineeWithLocalImages("dave", backend.root);
        dave.set("renderYamlTo", "rendered");
        dave.up();
        const manifests = path.join(dave.dir, "rendered", "1-manifest");
        assert.ok(!kubeJson("namespace", dave.namespace), "render mode must not touch the cluster");
        run("kubectl", ["apply", "-f", path.join(manifests, `v1-namespace-default-${dave.namespace}.yaml`)]);
        run("kubectl", ["apply", "-f", manifests]);
        await waitFor("the rendered stack to be ready", () =>
            kubeJson("pvc", "redis-data", "-n", dave.namespace)?.status?.phase === "Bound" && ready(dave, "frontend", 2), 180);
        run("kubectl", ["delete", "namespace", dave.namespace, "--wait=true"]);
    });

    after(() => {
        backend?.remove();
    });
});
