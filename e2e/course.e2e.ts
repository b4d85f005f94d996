// The course's exercise with real processes: a trainee's stack on the e2e cluster's real
// node (containerd, kubelet, kube-proxy, CoreDNS), with Redis, the frontend and the image
// backend built from Debian packages (localcluster/images). Every command is typed as the README
// tells a trainee; the visit counter, read through the frontend's NodePort, tells the story.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { allRunning, frontendBase, page, useLocalImages, visit } from "./lib/app";
import { Step, tempBackend, TempBackend, TraineeCli } from "./lib/cli";
import { execIn, httpGet, kubeJson, kubectl, pods, waitFor } from "./lib/cluster";

const ARTIFACTS = path.join(__dirname, "artifacts");
const DESTRUCTIVE = new Set(["replace", "create-replacement", "delete-replaced", "delete", "discard", "import-replacement"]);
const DATA_HOLDERS = /PersistentVolumeClaim|PersistentVolume|StorageClass|Secret|StatefulSet|Deployment|Namespace/;

/** `npm run lab -- check`, in English: the step it judges now, done (exit 0) or what it lacks (exit 1), in one line. */
function labCheck(trainee: TraineeCli, status: 0 | 1, line: RegExp): string {
    const r = trainee.lab("check", "--lang", "en");
    console.log(`      npm run lab -- check: ${r.stdout.trim()}`);
    assert.strictEqual(r.status, status, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout.trim(), line);
    return r.stdout.trim();
}

function redisPod(trainee: TraineeCli): string {
    return pods(trainee.namespace, "redis").find((p) => p.phase === "Running" && !p.deleting)!.name;
}

describe("the course's exercise on a real node, typed as the README says", function () {
    this.timeout(20 * 60 * 1000);
    let alice: TraineeCli;
    let backend: TempBackend;
    let tempFilesBefore: Set<string>;

    before(() => {
        tempFilesBefore = new Set(fs.readdirSync(os.tmpdir()));
        backend = tempBackend("course");
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        alice = TraineeCli.checkout("alice", backend.root);
        useLocalImages(alice);
    });

    it("0. `pulumi preview` of the new stack passes and says what happens to the volume's reclaim policy", () => {
        const out = alice.preview().stdout;
        fs.writeFileSync(path.join(ARTIFACTS, "new-stack-preview.txt"), out);
        assert.match(out, /\+ +kubernetes:core\/v1:PersistentVolumeClaim +redis-data +create/);
        assert.match(out, /Reclaim policy Delete: `pulumi up` will set it on the new volume of claim monsterstack-alice\/redis-data as soon as the claim is bound/);
        assert.match(out, /`pulumi destroy` will then delete the volume and its data/);
    });

    it("1. `pulumi up`: every pod Running and Ready on the real node; / answers through the NodePort and counts visits", async () => {
        const up = alice.up().stdout;
        assert.match(up, /Previewing update/, "`pulumi up` previews first");
        await allRunning(alice);
        const first = await visit(alice, "first page");
        const second = await visit(alice, "reload");
        assert.strictEqual(second, first + 1);
        // The volume that holds the data got the stack's policy once it was bound.
        const claim = kubeJson("pvc", "redis-data", "-n", alice.namespace);
        assert.strictEqual(claim.status.phase, "Bound");
        assert.strictEqual(kubeJson("pv", claim.spec.volumeName).spec.persistentVolumeReclaimPolicy, "Delete");
        assert.strictEqual(alice.outputs().dataVolume, claim.spec.volumeName);
        // Redis writes /data as its own non-root user.
        const owner = execIn(alice.namespace, "redis", ["sh", "-c", "id -u; stat -c %u /data/appendonlydir"]).stdout.trim().split("\n");
        assert.deepStrictEqual(owner, ["999", "999"]);
        // The lab judges the deploy done; reading the counter did not count a visit (the next one is second + 1).
        labCheck(alice, 0, new RegExp(`^deploy: ✔ ${second} visit\\(s\\), volume ${claim.spec.volumeName}$`));
        fs.writeFileSync(path.join(ARTIFACTS, "lab-after-deploy.txt"), alice.lab().stdout);
    });

    it("1b. a second `pulumi preview` plans no change", () => {
        alice.preview("--expect-no-changes");
    });

    it("2. the three workloads deleted with kubectl, then a plain `pulumi up` (it refreshes first): the counter carries on", async () => {
        // A plain `pulumi up`, nothing deleted, is not the step.
        alice.up();
        const before = await visit(alice, "before deleting the workloads");
        // Reading the counter counts no visit: the next page is before + 1.
        labCheck(alice, 1, /^delete-workloads: redis, frontend, imagebackend predate\(s\) the previous step: .*a plain `pulumi up` does not count/);
        const claimUid = kubeJson("pvc", "redis-data", "-n", alice.namespace).metadata.uid;
        const r = kubectl("delete", "-n", alice.namespace, "statefulset/redis", "deployment/frontend", "deployment/imagebackend", "--wait=true");
        assert.strictEqual(r.status, 0, r.stderr);
        await waitFor("the pods to go", () => pods(alice.namespace).length === 0);
        const up = alice.up().stdout;
        assert.match(up, /refreshing/, "Pulumi.yaml's refresh: always reads back what the state lists");
        await allRunning(alice);
        assert.strictEqual(await visit(alice, "after pulumi up"), before + 1);
        assert.strictEqual(kubeJson("pvc", "redis-data", "-n", alice.namespace).metadata.uid, claimUid);
        labCheck(alice, 0, /^delete-workloads: ✔ brought back at \S+, same volume, counter \d+ → \d+$/);
    });

    it("3. with Delete, `pulumi destroy` removes the volume and its data; the next `pulumi up` starts the counter over", async () => {
        // As the lab says: `pulumi config set reclaimPolicy Delete` (the default, now explicit), `pulumi destroy`, `pulumi up`.
        alice.set("reclaimPolicy", "Delete");
        const volume = kubeJson("pvc", "redis-data", "-n", alice.namespace).spec.volumeName;
        const hostPath = kubeJson("pv", volume).spec.hostPath.path;
        assert.strictEqual(kubeJson("pv", volume).spec.persistentVolumeReclaimPolicy, "Delete");
        assert.ok(await visit(alice, "before destroy with Delete") > 1);
        labCheck(alice, 1, /^delete-everything: no `pulumi destroy` \(with reclaimPolicy Delete\) since the previous step yet$/);
        alice.destroy();
        await waitFor("the namespace and the volume to go", () => !kubeJson("namespace", alice.namespace) && !kubeJson("pv", volume));
        assert.ok(!fs.existsSync(hostPath), `the volume's data ${hostPath} is still on disk`);
        alice.up();
        await allRunning(alice);
        assert.strictEqual(await visit(alice, "after destroy and up with Delete"), 1);
        labCheck(alice, 0, /^delete-everything: ✔ a new volume pvc-\S+, the counter started again \(1\)$/);
    });

    it("4a. toggling to Retain: `pulumi preview --diff` shows in-place updates of the policy-carrying objects only", () => {
        alice.set("reclaimPolicy", "Retain");
        const steps: Step[] = alice.previewSteps();
        const destructive = steps.filter((s) => DESTRUCTIVE.has(s.op) || (s.op === "create" && DATA_HOLDERS.test(s.type)));
        assert.deepStrictEqual(destructive, [], "a toggle must not replace, create or delete a data holder");
        const updated = steps.filter((s) => s.op === "update").map((s) => s.type).sort();
        assert.ok(updated.includes("kubernetes:core/v1:PersistentVolumePatch"), JSON.stringify(steps, null, 1));
        assert.ok(updated.every((t) => /PersistentVolumePatch|PersistentVolumeClaim|Namespace/.test(t)), updated.join(", "));
        const human = alice.preview("--diff").stdout;
        fs.writeFileSync(path.join(ARTIFACTS, "retain-toggle-preview.txt"), human);
        assert.match(human, /persistentVolumeReclaimPolicy: "Delete" => "Retain"/);
        // Nothing the cluster filled in since the last `up` (a claim's binding) shows as a refreshed resource.
        assert.doesNotMatch(human, /^ *~ kubernetes:\S+: \(refresh\)$/m, "the toggle's plan shows a refreshed resource");
        labCheck(alice, 1, /^retain: reclaimPolicy Retain is set but not applied: `pulumi preview --diff`, then `pulumi up`$/);
    });

    it("4b. with Retain, `pulumi destroy` then `pulumi preview` and `pulumi up`: the same volume, the counter carries on", async () => {
        alice.up();
        const volume = kubeJson("pvc", "redis-data", "-n", alice.namespace).spec.volumeName;
        assert.strictEqual(kubeJson("pv", volume).spec.persistentVolumeReclaimPolicy, "Retain");
        labCheck(alice, 0, new RegExp(`^retain: ✔ volume ${volume} carries Retain$`));
        const before = await visit(alice, "before destroy with Retain");
        alice.destroy();
        await waitFor("the workloads' pods to go after destroy", () => pods(alice.namespace).length === 0);
        // The first preview after a destroy has nothing of the stack in its state: it must pass all the same,
        // and say that the retained volume comes back.
        const preview = alice.preview().stdout;
        assert.match(preview, new RegExp(`Data: the retained volume ${volume} .* is attached again to claim monsterstack-alice/redis-data: its data comes back`));
        alice.up();
        await allRunning(alice);
        assert.strictEqual(kubeJson("pvc", "redis-data", "-n", alice.namespace).spec.volumeName, volume);
        assert.strictEqual(await visit(alice, "after destroy and up with Retain"), before + 1);
        labCheck(alice, 0, new RegExp(`^recover: ✔ the same volume ${volume} attached again, counter \\d+ → ${before + 1}$`));
    });

    it("5. the app reads CONTEXT, REDIS_DOMAIN and IMAGEBACKEND_DOMAIN from the ConfigMap; context PROD rolls the pods", async () => {
        let html = await page(alice);
        assert.match(html, /CONTEXT: DEV/);
        assert.match(html, /REDIS_DOMAIN: redis\b/);
        assert.match(html, /IMAGEBACKEND_DOMAIN: imagebackend\b/);
        // The image backend answers through its in-cluster name, resolved by the node's DNS.
        const monster = /src="(\/monster\/[^"]+)"/.exec(html);
        assert.ok(monster, html);
        const png = await httpGet(`${frontendBase(alice)}${monster[1]}`);
        assert.strictEqual(png.status, 200);
        assert.strictEqual(png.body.subarray(1, 4).toString(), "PNG");
        const before = await visit(alice, "before context PROD");
        const oldPods = pods(alice.namespace, "frontend").map((p) => p.name);

        alice.set("context", "PROD");
        alice.up();
        await allRunning(alice);
        const newPods = pods(alice.namespace, "frontend").map((p) => p.name);
        assert.deepStrictEqual(newPods.filter((p) => oldPods.includes(p)), [], "the frontend pods were not rolled");
        html = await page(alice);
        assert.match(html, /CONTEXT: PROD/);
        assert.ok(await visit(alice, "after context PROD") > before);
        labCheck(alice, 0, /^configmap: ✔ the page shows CONTEXT: PROD, read from the ConfigMap$/);
        // Every step done, progress kept through two destroys (the namespace deleted each time).
        const steps: Array<{ id: string; status: string }> = JSON.parse(alice.lab("--json").stdout);
        assert.deepStrictEqual(steps.map((x) => `${x.id} ${x.status}`), ["deploy", "delete-workloads", "delete-everything", "retain", "recover", "configmap"].map((id) => `${id} done`));
        fs.writeFileSync(path.join(ARTIFACTS, "lab-done.txt"), alice.lab().stdout);
        assert.match(alice.pulumi("stack", "tag", "ls").stdout, /monsterstack:lab:configmap/);
    });

    it("6. TLS: /etc/mycert.pem is a file equal to the output, readable not writable by the app; the key is the app's only", () => {
        const stat = (file: string) => execIn(alice.namespace, "frontend", ["stat", "-L", "-c", "%F %a %u %g", file]).stdout.trim();
        const [uid, gid] = execIn(alice.namespace, "frontend", ["sh", "-c", "id -u; id -g"]).stdout.trim().split("\n");
        assert.notStrictEqual(uid, "0", "the app runs as root");
        for (const file of ["/etc/mycert.pem", "/etc/mykey.pem"]) {
            // Owned by root, group = the app's group, r--r-----: nobody else reads it, nobody writes it.
            assert.strictEqual(stat(file), `regular file 440 0 ${gid}`, file);
            const access = execIn(alice.namespace, "frontend", ["sh", "-c", `test -r ${file} && echo readable; test -w ${file} || echo not-writable`]);
            assert.strictEqual(access.stdout.trim(), "readable\nnot-writable", file);
        }
        const cert = execIn(alice.namespace, "frontend", ["cat", "/etc/mycert.pem"]).stdout;
        assert.strictEqual(cert, alice.outputs().tlsCertificatePem);
        const key = execIn(alice.namespace, "frontend", ["head", "-1", "/etc/mykey.pem"]);
        assert.match(key.stdout, /-----BEGIN .*PRIVATE KEY-----/);
    });

    it("7. redisKind StatefulSet -> Deployment -> StatefulSet: the counter survives each switch, the claim is never touched", async () => {
        const claimUid = kubeJson("pvc", "redis-data", "-n", alice.namespace).metadata.uid;
        let last = await visit(alice, "as a StatefulSet");
        for (const kind of ["Deployment", "StatefulSet"]) {
            alice.set("redisKind", kind);
            const claimSteps = alice.previewSteps().filter((s) => s.type === "kubernetes:core/v1:PersistentVolumeClaim" && s.op !== "read");
            assert.deepStrictEqual(claimSteps.map((s) => `${s.op} ${s.urn}`), []);
            const up = alice.up().stdout;
            const order = ["deleted original", "created replacement"].map((event) => up.search(new RegExp(`redis-workload ${event}`)));
            assert.ok(order[0] >= 0 && order[0] < order[1], `the old Redis must go before the new one starts:\n${up}`);
            assert.ok(kubeJson(kind.toLowerCase(), "redis", "-n", alice.namespace), `no ${kind} redis`);
            await allRunning(alice);
            const now = await visit(alice, `as a ${kind}`);
            assert.strictEqual(now, last + 1);
            last = now;
        }
        assert.strictEqual(kubeJson("pvc", "redis-data", "-n", alice.namespace).metadata.uid, claimUid);
    });

    it("7b. frontendServiceType LoadBalancer: the app answers on the load balancer's address, the claim is never touched", async () => {
        const claimUid = kubeJson("pvc", "redis-data", "-n", alice.namespace).metadata.uid;
        const before = await visit(alice, "through the NodePort");
        alice.set("frontendServiceType", "LoadBalancer");
        alice.up();
        await allRunning(alice);
        assert.strictEqual(kubeJson("service", "frontend", "-n", alice.namespace).spec.type, "LoadBalancer");
        assert.match(frontendBase(alice), /^http:\/\/[0-9.]+:5000$/);
        assert.strictEqual(await visit(alice, `through the load balancer, ${frontendBase(alice)}`), before + 1);
        assert.strictEqual(kubeJson("pvc", "redis-data", "-n", alice.namespace).metadata.uid, claimUid);
    });

    it("8. redisAuth true: Redis refuses a client without the password, the probes still pass, the app still counts", async () => {
        const before = await visit(alice, "before redisAuth");
        alice.set("redisAuth", "true");
        alice.up();
        await allRunning(alice);
        const anonymous = kubectl("exec", "-n", alice.namespace, redisPod(alice), "--", "env", "-u", "REDISCLI_AUTH", "redis-cli", "ping");
        assert.match(anonymous.stdout + anonymous.stderr, /NOAUTH/);
        const authenticated = kubectl("exec", "-n", alice.namespace, redisPod(alice), "--", "redis-cli", "ping");
        assert.match(authenticated.stdout, /PONG/);
        assert.strictEqual(await visit(alice, "with redisAuth"), before + 1);
        const outputs = alice.pulumi("stack", "output", "--json").stdout;
        assert.match(outputs, /"redisPassword": "\[secret\]"/);
    });

    it("9. no copy of the kubeconfig (it holds the cluster admin's key) was left in the temp directory", () => {
        const left = fs.readdirSync(os.tmpdir()).filter((f) => /^kubeconfig/.test(f) && !tempFilesBefore.has(f));
        assert.deepStrictEqual(left, []);
    });

    after(() => {
        if (alice) alice.destroy();
        // The checkouts and the file backend (E2E_KEEP_STATE=1 keeps them to look into a failure).
        backend?.remove();
    });
});
