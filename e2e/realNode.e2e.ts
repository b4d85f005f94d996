// The real node refuses to start, and says exactly why, rather than letting the suite skip
// what needs it: a second node in its slot on this machine (the lock), or a user who is not root; and the
// whole cluster's up.sh, typed again, leaves the running cluster alone; npm stop waits its turn.
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { onlyOnLocalCluster, REPO, required, run } from "./lib/cli";
import { waitFor } from "./lib/cluster";

const START = path.join(REPO, "localcluster", "node", "start.sh");

describe("the real node's preflight", function () {
    onlyOnLocalCluster(this, "its real node's start script (localcluster/node)");
    this.timeout(60 * 1000);
    let other: string;

    before(() => {
        // A second cluster's directory, as localcluster/controlplane/start.sh leaves it, for the same API server.
        const cluster = required("E2E_CLUSTER_DIR");
        other = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-e2e-second-node-"));
        for (const f of ["kubeconfig", "env", "slot", path.join("pki", "apiserver-kubelet-client.crt")]) {
            fs.mkdirSync(path.dirname(path.join(other, f)), { recursive: true });
            fs.copyFileSync(path.join(cluster, f), path.join(other, f));
        }
        fs.chmodSync(other, 0o755);
    });

    it("a second real node in the suite's slot is refused: the lock names the node that holds it", () => {
        const r = run("bash", [START, other], { allowFail: true });
        assert.strictEqual(r.status, 1, r.stderr);
        assert.match(r.stderr, new RegExp(`another real node runs in slot 1 on this machine \\(lock /run/monsterstack-e2e-node1\\.lock held by pid\\(s\\) \\d+.*\\); stop it first: bash .*/stop\\.sh ${required("E2E_CLUSTER_DIR")}`));
        assert.ok(!fs.existsSync(path.join(other, "node", "pids")), "the second node started something");
    });

    it("`up.sh` again on the running cluster's directory is refused, naming it, and the cluster keeps running", () => {
        const cluster = required("E2E_CLUSTER_DIR");
        const r = run("bash", [path.join(REPO, "localcluster", "up.sh"), cluster], { allowFail: true });
        assert.strictEqual(r.status, 1, r.stderr);
        assert.match(r.stderr, new RegExp(`up\\.sh: ${cluster} already has a running cluster \\(\\S+ \\d+\\); nothing was changed`));
        assert.strictEqual(run("kubectl", ["get", "--raw", "/readyz"]).stdout, "ok");
        assert.strictEqual(run("kubectl", ["get", "node", required("E2E_REAL_NODE_NAME"), "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"]).stdout, "True");
    });

    it("npm stop while another npm start, stop or delete runs (another terminal) is refused, changing nothing", async () => {
        const local = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-e2e-local-lock-"));
        const env = { MONSTERSTACK_LOCAL_DIR: local };
        // The other terminal: its lock, held by a process group of its own.
        const holder = spawn("flock", [path.join(local, ".lock"), "sleep", "60"], { stdio: "ignore", detached: true });
        try {
            await waitFor("the other terminal's lock", () => run("flock", ["-n", path.join(local, ".lock"), "true"], { allowFail: true }).status !== 0, 10);
            const refused = run("npm", ["stop"], { cwd: REPO, env, allowFail: true });
            assert.strictEqual(refused.status, 75, refused.stderr);
            assert.match(refused.stderr, new RegExp(`^npm stop: another npm start, npm stop or npm run delete of ${local} is running \\(another terminal\\?\\); wait for it to end\\. Nothing was changed\\.$`, "m"));
        } finally {
            process.kill(-holder.pid!, "SIGKILL");
        }
        await waitFor("the lock released", () => run("flock", ["-n", path.join(local, ".lock"), "true"], { allowFail: true }).status === 0, 10);
        const stop = run("npm", ["stop"], { cwd: REPO, env, allowFail: true });
        assert.strictEqual(stop.status, 0, stop.stderr);
        assert.match(stop.stdout, new RegExp(`npm stop: no local cluster in ${local}/cluster; nothing to stop`));
        fs.rmSync(local, { recursive: true, force: true });
    });

    it("a user who is not root is told what is missing, and nothing starts", () => {
        // The user's own copy of the scripts: the checkout may sit in a directory only root can
        // enter (CI clones into `mktemp -d`, mode 0700).
        const clone = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-e2e-user-clone-"));
        for (const dir of ["node", "controlplane", "lib"]) fs.cpSync(path.join(REPO, "localcluster", dir), path.join(clone, "localcluster", dir), { recursive: true });
        fs.chmodSync(clone, 0o755);
        const start = path.join(clone, "localcluster", "node", "start.sh");
        const r = run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "bash", start, other], { allowFail: true });
        fs.rmSync(clone, { recursive: true, force: true });
        assert.strictEqual(r.status, 1, r.stderr);
        assert.match(r.stderr, /cannot start the real node; missing:\n( {2}- .*\n)* {2}- root: the node needs uid 0/);
    });

    // Nothing to remove when the spec was skipped (another cluster than ours).
    after(() => { if (other) fs.rmSync(other, { recursive: true, force: true }); });
});
