// Several trainees in one cluster, and the rendered-YAML path: real Pulumi CLI, real API
// server, pods on the real node.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { useLocalImages } from "./lib/app";
import { run, Trainee } from "./lib/cli";
import { kubeJson, waitFor } from "./lib/cluster";

function traineeWithLocalImages(stack: string, root: string): Trainee {
    const trainee = Trainee.checkout(stack, root);
    useLocalImages(trainee);
    return trainee;
}

const ready = (t: Trainee, deployment: string, replicas: number) =>
    kubeJson("deployment", deployment, "-n", t.namespace)?.status?.readyReplicas === replicas;

describe("trainees side by side, and rendered YAML", function () {
    this.timeout(15 * 60 * 1000);
    let root: string;

    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-e2e-stacks-"));
        fs.mkdirSync(path.join(root, "state"));
        process.env.PULUMI_BACKEND_URL = `file://${path.join(root, "state")}`;
    });

    it("bob and carol deploy side by side with their own volumes, then both destroy cleanly", async () => {
        const bob = traineeWithLocalImages("bob", root);
        const carol = traineeWithLocalImages("carol", root);
        bob.up();
        carol.up();
        const volumes = [bob, carol].map((t) => kubeJson("pvc", "redis-data", "-n", t.namespace).spec.volumeName);
        assert.notStrictEqual(volumes[0], volumes[1]);
        for (const t of [bob, carol]) assert.ok(ready(t, "frontend", 2), `${t.stack}'s frontend is not ready`);
        bob.destroy();
        carol.destroy();
        await waitFor("both namespaces and volumes to go", () =>
            !kubeJson("namespace", bob.namespace) && !kubeJson("namespace", carol.namespace) && volumes.every((v) => !kubeJson("pv", v)));
    });

    it("renderYamlTo writes manifests that kubectl applies as they are (with $KUBECONFIG set)", async () => {
        const dave = traineeWithLocalImages("dave", root);
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
        if (root && !process.env.E2E_KEEP_STATE) fs.rmSync(root, { recursive: true, force: true });
    });
});
