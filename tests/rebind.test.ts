// A retained volume comes back: what the program registers when the cluster holds one, and
// what it does when the cluster cannot be read.
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { ClusterReadError } from "../clusterReads/kubeconfig";
import { readClusterState } from "../clusterReads/volumes";
import { parseConfig } from "../config";
import type { ClusterState, VolumeState } from "../clusterReads/volumes";
import { findObject, kubeObjects, ProgramRun, runProgram } from "../testing/harness";

const identity = {
    "monsterstack.io/project": "monsterstack", "monsterstack.io/stack": "alice",
    "monsterstack.io/namespace": "monsterstack-alice", "monsterstack.io/claim": "redis-data",
};

function retained(name: string, over: Partial<VolumeState> = {}): VolumeState {
    return {
        name, phase: "Released", labels: identity, storageClass: "standard", capacity: "2Gi", accessModes: ["ReadWriteOnce"],
        reclaimPolicy: "Retain", claimRef: { namespace: "monsterstack-alice", name: "redis-data", uid: "deleted-claim" },
        created: new Date(Date.now() - 2 * 3600 * 1000), ...over,
    };
}

const patchOf = (run: ProgramRun) => kubeObjects(run).filter((o) => o.kind === "PersistentVolumePatch");

describe("a retained volume attached again", () => {
    const withRetained: ClusterState = { volumes: [retained("pvc-kept")] };

    it("`pulumi up`: the claim is created bound to the volume, with the volume's class; its claimRef is made to point at it", async () => {
        const run = await runProgram("alice", { reclaimPolicy: "Retain" }, { clusterState: withRetained });
        const claim = findObject(run, "PersistentVolumeClaim", "redis-data");
        assert.strictEqual(claim.spec.volumeName, "pvc-kept");
        assert.strictEqual(claim.spec.storageClassName, "standard");
        assert.strictEqual(claim.metadata.annotations["monsterstack.io/attached-volume"], "pvc-kept");
        assert.deepStrictEqual(run.released, ["pvc-kept"]);
        const [patch] = patchOf(run);
        assert.strictEqual(patch.metadata.name, "pvc-kept");
        assert.strictEqual(patch.spec.persistentVolumeReclaimPolicy, "Retain");
        assert.strictEqual(run.outputs.dataVolume, "pvc-kept");
        assert.strictEqual(run.outputs.dataVolumeOrigin, "re-attached: a retained volume");
        assert.ok(run.logs.some((l) => /^Data: the retained volume pvc-kept \(2Gi, class standard, created 2 hours ago\) is attached again to claim monsterstack-alice\/redis-data: its data comes back\.$/.test(l.message)),
            JSON.stringify(run.logs));
    });

    it("a volume of no class gives a claim of class \"\" (an omitted class would get the default one and never bind)", async () => {
        const run = await runProgram("alice", {}, { clusterState: { volumes: [retained("pvc-static", { storageClass: "" })] }, });
        // The stack asks for "standard": a volume of no class does not fit...
        assert.strictEqual(findObject(run, "PersistentVolumeClaim", "redis-data").spec.volumeName, undefined);
        // ...unless it is named on purpose and the stack asks for no class either.
        const named = await runProgram("alice", { attachVolume: "pvc-static", storageClass: "none" },
            { clusterState: { volumes: [retained("pvc-static", { storageClass: "none" })] } });
        assert.strictEqual(findObject(named, "PersistentVolumeClaim", "redis-data").spec.volumeName, "pvc-static");
    });

    it("its preview names the volume and shows the patch, and changes nothing in the cluster", async () => {
        const run = await runProgram("alice", { reclaimPolicy: "Retain" }, { clusterState: withRetained, preview: "deployedStack" });
        assert.deepStrictEqual(run.released, [], "a preview must not touch the volume");
        assert.strictEqual(patchOf(run)[0].metadata.name, "pvc-kept");
        assert.ok(run.logs.some((l) => l.message.includes("its data comes back")));
        assert.ok(!run.logs.some((l) => l.message.startsWith("Reclaim policy")), "the volume is known: no pending note");
    });

    it("the next run, with the claim bound, registers the very same claim and patch: no diff, never a replacement", async () => {
        const first = await runProgram("alice", { reclaimPolicy: "Retain" }, { clusterState: withRetained });
        const claim = findObject(first, "PersistentVolumeClaim", "redis-data");
        const next = await runProgram("alice", { reclaimPolicy: "Retain" }, {
            clusterState: { claim: { volumeName: "pvc-kept", phase: "Bound", storageClass: "standard", annotations: claim.metadata.annotations }, volumes: [] },
        });
        assert.deepStrictEqual(findObject(next, "PersistentVolumeClaim", "redis-data").inputs, claim.inputs);
        assert.deepStrictEqual(patchOf(next)[0].inputs, patchOf(first)[0].inputs);
        assert.deepStrictEqual(next.released, []);
        assert.strictEqual(next.outputs.dataVolumeOrigin, first.outputs.dataVolumeOrigin);
        assert.deepStrictEqual(next.logs, []);
    });

    it("bob's retained volume is never alice's: alice provisions and leaves it alone", async () => {
        const bobs = retained("pvc-bob", { labels: { ...identity, "monsterstack.io/stack": "bob", "monsterstack.io/namespace": "monsterstack-bob" } });
        const run = await runProgram("alice", {}, { clusterState: { volumes: [bobs] } });
        assert.strictEqual(findObject(run, "PersistentVolumeClaim", "redis-data").spec.volumeName, undefined);
        assert.deepStrictEqual(run.released, []);
        assert.strictEqual(run.outputs.dataVolumeOrigin, "newly provisioned");
    });

    it("startEmpty leaves the retained volume alone and says so", async () => {
        const run = await runProgram("alice", { startEmpty: "true" }, { clusterState: withRetained });
        assert.strictEqual(findObject(run, "PersistentVolumeClaim", "redis-data").spec.volumeName, undefined);
        assert.deepStrictEqual(run.released, []);
        assert.ok(run.logs.some((l) => /startEmpty is true: .*pvc-kept/.test(l.message)));
    });

    it("render mode reads no cluster and says so in its output", async () => {
        let read = false;
        const run = await runProgram("alice", { renderYamlTo: "rendered" }, { clusterState: withRetained, onRead: () => { read = true; } });
        assert.strictEqual(read, false);
        assert.match(String(run.outputs.dataVolumeOrigin), /^renderYamlTo mode: no cluster was read/);
        assert.strictEqual(findObject(run, "PersistentVolumeClaim", "redis-data").spec.volumeName, undefined);
    });

    it("a cluster that cannot be read stops the program before anything is registered, naming what was refused", async () => {
        await assert.rejects(runProgram("alice", {}, { clusterState: new ClusterReadError("the cluster at https://x refused to list persistentvolumes (HTTP 403, forbidden)") }),
            (err: Error & { registeredBeforeError?: number }) => {
                assert.match(err.message, /refused to list persistentvolumes \(HTTP 403, forbidden\)/);
                assert.strictEqual(err.registeredBeforeError, 0);
                return true;
            });
    });
});

describe("reading the cluster (dataVolume/clusterState.ts) against an API server on loopback", () => {
    let server: http.Server;
    let kubeconfig: string;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-read-"));

    before(async () => {
        // A tiny API server: no claim, PV listing forbidden, as an RBAC-limited trainee would see it.
        server = http.createServer((req, res) => {
            res.setHeader("Content-Type", "application/json");
            if (req.url?.startsWith("/api/v1/namespaces/monsterstack-alice/persistentvolumeclaims/redis-data")) {
                res.statusCode = 404;
                res.end(JSON.stringify({ kind: "Status", code: 404, message: "not found" }));
            } else {
                res.statusCode = 403;
                res.end(JSON.stringify({ kind: "Status", code: 403, message: 'persistentvolumes is forbidden: User "trainee" cannot list resource "persistentvolumes"' }));
            }
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
        const port = (server.address() as { port: number }).port;
        kubeconfig = path.join(dir, "kubeconfig");
        fs.writeFileSync(kubeconfig, [
            "apiVersion: v1", "kind: Config", "current-context: test",
            "clusters: [{name: test, cluster: {server: 'http://127.0.0.1:" + port + "', insecure-skip-tls-verify: true}}]",
            "users: [{name: test, user: {token: not-a-secret}}]",
            "contexts: [{name: test, context: {cluster: test, user: test}}]",
        ].join("\n"), { mode: 0o600 });
    });
    after(() => { server.close(); fs.rmSync(dir, { recursive: true, force: true }); });

    it("an RBAC 403 is an error that names the refused read and the reason, not a silent new volume", async () => {
        const config = parseConfig({ kubeconfig }, "alice");
        await assert.rejects(readClusterState(config, "redis-data", "monsterstack"), (err: Error) => {
            assert.ok(err instanceof ClusterReadError, String(err));
            assert.match(err.message, /refused to list persistentvolumes \(HTTP 403, forbidden\): persistentvolumes is forbidden: User "trainee" cannot list resource "persistentvolumes"\./);
            return true;
        });
    });

    it("an unreachable cluster is an error that names the server", async () => {
        const unreachable = path.join(dir, "unreachable");
        fs.writeFileSync(unreachable, fs.readFileSync(kubeconfig, "utf8").replace(/127\.0\.0\.1:\d+/, "127.0.0.1:9"), { mode: 0o600 });
        await assert.rejects(readClusterState(parseConfig({ kubeconfig: unreachable }, "alice"), "redis-data", "monsterstack"),
            /cannot get persistentvolumeclaim monsterstack-alice\/redis-data: the cluster at http:\/\/127\.0\.0\.1:9 is unreachable/);
    });

    it("a kubeContext the kubeconfig lacks is named", async () => {
        await assert.rejects(readClusterState(parseConfig({ kubeconfig, kubeContext: "minikube" }, "alice"), "redis-data", "monsterstack"),
            /minikube/);
    });
});
