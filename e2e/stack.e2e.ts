// End-to-end: the real Pulumi CLI and providers against a real Kubernetes API server
// (e2e/run.sh builds and starts both). What mocks cannot say: what `pulumi preview`
// plans and what the cluster does with it.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPO = path.join(__dirname, "..");
const KUBECONFIG = required("KUBECONFIG");
const ARTIFACTS = path.join(REPO, "e2e", "artifacts");
const PROJECT_FILES = ["Pulumi.yaml", "package.json", "tsconfig.json", "index.ts", "config.ts", "components"];

function required(name: string): string {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: run the e2e tests with npm run test:e2e`);
    return value;
}

interface Result { status: number; stdout: string; stderr: string }

function run(cmd: string, args: string[], opts: { cwd?: string; allowFail?: boolean } = {}): Result {
    const r = spawnSync(cmd, args, {
        cwd: opts.cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, KUBECONFIG },
    });
    const result = { status: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
    if (result.status !== 0 && !opts.allowFail) {
        throw new Error(`${cmd} ${args.join(" ")} exited ${result.status}\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);
    }
    return result;
}

function kubectl(...args: string[]): Result {
    return run("kubectl", args, { allowFail: true });
}

function kubeJson(...args: string[]): any | undefined {
    const r = kubectl("get", ...args, "-o", "json");
    return r.status === 0 ? JSON.parse(r.stdout) : undefined;
}

async function waitFor(what: string, check: () => boolean, seconds = 120): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
        if (check()) return;
        await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`timed out after ${seconds}s waiting for ${what}`);
}

/** One trainee stack in its own copy of the project, on a file backend. */
class Stack {
    readonly namespace: string;
    constructor(readonly name: string, readonly dir: string) {
        this.namespace = `monsterstack-${name}`;
    }

    pulumi(...args: string[]): Result {
        return run("pulumi", [...args, "--stack", this.name, "--non-interactive"], { cwd: this.dir });
    }

    setConfig(key: string, value: string): void {
        this.pulumi("config", "set", key, value);
    }

    up(): Result {
        return this.pulumi("up", "--yes", "--skip-preview", "--diff");
    }

    destroy(): Result {
        return this.pulumi("destroy", "--yes", "--skip-preview");
    }

    /** `pulumi preview --json`: the steps the engine plans. */
    previewSteps(): Array<{ op: string; urn: string; type: string; diffs?: string[] }> {
        const out = JSON.parse(this.pulumi("preview", "--diff", "--json").stdout);
        return (out.steps ?? []).map((s: any) => ({
            op: s.op, urn: s.urn, type: (s.newState ?? s.oldState)?.type ?? "", diffs: s.diffs,
        }));
    }

    outputs(): Record<string, any> {
        return JSON.parse(this.pulumi("stack", "output", "--json").stdout);
    }

    claim(): any {
        return kubeJson("pvc", "redis-data", "-n", this.namespace);
    }
}

function newStack(name: string, root: string): Stack {
    const dir = path.join(root, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const f of PROJECT_FILES) fs.cpSync(path.join(REPO, f), path.join(dir, f), { recursive: true });
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
    const stack = new Stack(name, dir);
    stack.pulumi("stack", "init", "--secrets-provider", "passphrase");
    stack.setConfig("kubeconfig", KUBECONFIG);
    return stack;
}

const DATA_HOLDERS = /PersistentVolumeClaim|PersistentVolume|StorageClass|Secret|StatefulSet|Deployment|Namespace/;
const DESTRUCTIVE = new Set(["replace", "create-replacement", "delete-replaced", "delete", "discard", "import-replacement"]);

describe("monsterstack with the real Pulumi CLI and a real API server", function () {
    this.timeout(15 * 60 * 1000);
    let root: string;
    let alice: Stack;

    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-e2e-"));
        process.env.PULUMI_BACKEND_URL = `file://${path.join(root, "state")}`;
        fs.mkdirSync(path.join(root, "state"));
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        alice = newStack("alice", root);
    });

    it("1. `pulumi up` of alice: namespace, workloads, Services, ConfigMap, TLS Secret, claim bound", async () => {
        alice.up();
        const ns = alice.namespace;
        assert.ok(kubeJson("namespace", ns), "namespace missing");
        for (const [kind, name] of [["statefulset", "redis"], ["deployment", "frontend"], ["deployment", "imagebackend"],
            ["service", "redis"], ["service", "redis-headless"], ["service", "imagebackend"], ["service", "frontend"],
            ["configmap", "frontend-config"], ["secret", "frontend-tls"]]) {
            assert.ok(kubeJson(kind, name, "-n", ns), `${kind}/${name} missing`);
        }
        const frontend = kubeJson("deployment", "frontend", "-n", ns);
        assert.strictEqual(frontend.status.readyReplicas, 2);
        assert.strictEqual(kubeJson("service", "frontend", "-n", ns).spec.type, "NodePort");
        const claim = alice.claim();
        assert.strictEqual(claim.status.phase, "Bound");
        const volume = kubeJson("pv", claim.spec.volumeName);
        assert.strictEqual(volume.spec.persistentVolumeReclaimPolicy, "Delete");
        assert.strictEqual(alice.outputs().dataVolume, claim.spec.volumeName);
    });

    it("7. a second `pulumi up` with no change plans no change (the program is deterministic)", () => {
        const changed = alice.previewSteps().filter((s) => s.op !== "same" && s.op !== "read");
        assert.deepStrictEqual(changed, []);
        alice.pulumi("preview", "--expect-no-changes");
    });

    it("2. toggling to Retain previews in-place updates of the policy-carrying objects only", () => {
        alice.setConfig("reclaimPolicy", "Retain");
        const steps = alice.previewSteps();
        const destructive = steps.filter((s) => DESTRUCTIVE.has(s.op) || (s.op === "create" && DATA_HOLDERS.test(s.type)));
        assert.deepStrictEqual(destructive, [], "a toggle must not replace, create or delete a data holder");
        const updated = steps.filter((s) => s.op === "update").map((s) => s.type).sort();
        assert.ok(updated.includes("kubernetes:core/v1:PersistentVolumePatch"), JSON.stringify(steps, null, 1));
        assert.ok(updated.every((t) => /PersistentVolumePatch|PersistentVolumeClaim|Namespace/.test(t)), updated.join(", "));
        const human = alice.pulumi("preview", "--diff").stdout;
        fs.writeFileSync(path.join(ARTIFACTS, "retain-toggle-preview.txt"), human);
        assert.match(human, /persistentVolumeReclaimPolicy: "Delete" => "Retain"/);
    });

    it("3. with Retain, `pulumi destroy` keeps the data and the next `pulumi up` re-attaches the same volume", async () => {
        alice.up();
        const before = alice.claim();
        const volumeName = before.spec.volumeName;
        const volume = kubeJson("pv", volumeName);
        assert.strictEqual(volume.spec.persistentVolumeReclaimPolicy, "Retain");
        // A marker written where the volume keeps its data (a hostPath on this machine).
        const hostPath = volume.spec.hostPath.path;
        fs.writeFileSync(path.join(hostPath, "visits.marker"), "42");

        alice.destroy();
        assert.ok(!kubeJson("statefulset", "redis", "-n", alice.namespace), "workload still there after destroy");
        const kept = alice.claim();
        assert.ok(kept, "the claim did not survive destroy");
        assert.strictEqual(kept.metadata.uid, before.metadata.uid);
        assert.strictEqual(kubeJson("pv", volumeName).status.phase, "Bound");

        alice.up();
        const after = alice.claim();
        assert.strictEqual(after.metadata.uid, before.metadata.uid, "the claim was replaced");
        assert.strictEqual(after.spec.volumeName, volumeName, "not the same volume");
        assert.strictEqual(after.status.phase, "Bound");
        assert.strictEqual(fs.readFileSync(path.join(hostPath, "visits.marker"), "utf8"), "42");
        assert.strictEqual(alice.outputs().reclaimPolicy, "Retain");
    });

    it("6. toggling frontendServiceType and redisKind never replaces the data claim", () => {
        const uid = alice.claim().metadata.uid;
        alice.setConfig("frontendServiceType", "ClusterIP");
        alice.setConfig("redisKind", "Deployment");
        const steps = alice.previewSteps();
        // `--json` lists the steps that do something: the managed claim must not be among them.
        const claimSteps = steps.filter((s) => s.type === "kubernetes:core/v1:PersistentVolumeClaim" && s.op !== "read");
        assert.deepStrictEqual(claimSteps.map((s) => `${s.op} ${s.urn}`), []);
        // One Redis workload changing kind: a replacement that deletes the StatefulSet first.
        const redis = steps.filter((s) => s.urn.endsWith("::redis-workload"));
        assert.deepStrictEqual(redis.map((s) => `${s.op} ${s.type}`), ["replace kubernetes:apps/v1:Deployment"], JSON.stringify(steps, null, 1));
        const up = alice.pulumi("up", "--yes", "--skip-preview").stdout;
        const order = ["deleted original", "created replacement"].map((event) => up.search(new RegExp(`redis-workload ${event}`)));
        assert.ok(order[0] >= 0 && order[0] < order[1], `the old Redis must go before the new one starts:\n${up}`);
        assert.strictEqual(alice.claim().metadata.uid, uid);
        assert.strictEqual(kubeJson("service", "frontend", "-n", alice.namespace).spec.type, "ClusterIP");
        assert.ok(kubeJson("deployment", "redis", "-n", alice.namespace));
        assert.ok(!kubeJson("statefulset", "redis", "-n", alice.namespace));
    });

    it("4. with Delete, `pulumi destroy` leaves nothing of the stack in the cluster", async () => {
        alice.setConfig("reclaimPolicy", "Delete");
        alice.up();
        const volumeName = alice.claim().spec.volumeName;
        assert.strictEqual(kubeJson("pv", volumeName).spec.persistentVolumeReclaimPolicy, "Delete");
        const hostPath = kubeJson("pv", volumeName).spec.hostPath.path;
        alice.destroy();
        await waitFor("namespace and volume to go", () => !kubeJson("namespace", alice.namespace) && !kubeJson("pv", volumeName));
        assert.ok(!fs.existsSync(hostPath), `the volume's data ${hostPath} is still on disk`);
        const leftovers = (kubeJson("pv")?.items ?? []).filter((pv: any) => pv.spec.claimRef?.namespace === alice.namespace);
        assert.deepStrictEqual(leftovers.map((pv: any) => pv.metadata.name), []);
    });

    it("renderYamlTo writes manifests that kubectl applies as they are (with $KUBECONFIG set)", async () => {
        const carol = newStack("carol", root);
        carol.setConfig("renderYamlTo", "rendered");
        carol.pulumi("config", "rm", "kubeconfig");
        carol.up();
        const manifests = path.join(carol.dir, "rendered", "1-manifest");
        assert.ok(!kubeJson("namespace", carol.namespace), "render mode must not touch the cluster");
        run("kubectl", ["apply", "-f", path.join(manifests, `v1-namespace-default-${carol.namespace}.yaml`)]);
        run("kubectl", ["apply", "-f", manifests]);
        await waitFor("the rendered stack to be ready", () =>
            carol.claim()?.status?.phase === "Bound" && kubeJson("deployment", "frontend", "-n", carol.namespace)?.status?.readyReplicas === 2);
        run("kubectl", ["delete", "namespace", carol.namespace, "--wait=true"]);
    });

    it("5. alice and bob share the cluster without conflict, then both destroy cleanly", async () => {
        const bob = newStack("bob", root);
        alice.up();
        bob.up();
        assert.notStrictEqual(alice.claim().spec.volumeName, bob.claim().spec.volumeName);
        for (const stack of [alice, bob]) assert.strictEqual(kubeJson("deployment", "frontend", "-n", stack.namespace).status.readyReplicas, 2);
        alice.destroy();
        bob.destroy();
        await waitFor("both namespaces to go", () => !kubeJson("namespace", alice.namespace) && !kubeJson("namespace", bob.namespace));
    });
});
