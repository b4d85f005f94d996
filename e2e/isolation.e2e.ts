// Trainees cannot reach each other's data over the network, on the real node with its
// NetworkPolicy enforcement (localcluster/netpol): nina, with her own kubeconfig, starts a pod that
// tries omar's Redis, image backend and frontend; the class tool measures the same; and with
// the enforcement stopped, the class tool says so. Typed as docs/class.md tells a trainer.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { allRunning, CLASS_LOCAL_IMAGES, reachableFrom, visit } from "./lib/app";
import { npmClass, onlyOnLocalCluster, processesRunning, REPO, required, run, tempBackend, TempBackend } from "./lib/cli";
import { kubeJson } from "./lib/cluster";
import type { JsonRecord } from "../class/report";
import { defaultNamespace } from "../config";

const CLASS = ["nina", "omar"];
const at = (t: string) => ({ namespace: defaultNamespace(t) });

/** The node's network namespace as kube-router leaves it: its iptables filter rules and its ipsets. */
function nodeFirewall(): string {
    const inNode = (...cmd: string[]) => run("nsenter", [`--net=/run/netns/${required("E2E_NODE_NETNS")}`, ...cmd]).stdout;
    return inNode("iptables-save", "-t", "filter") + inNode("ipset", "list", "-n");
}
const KUBE_ROUTER_STATE = /kube-router netpol|KUBE-ROUTER-|KUBE-NWPLCY-|KUBE-POD-FW-|^KUBE-(SRC|DST)-/m;

describe("network isolation: NetworkPolicies enforced, and measured by the class tool", function () {
    onlyOnLocalCluster(this, "to stop and start its NetworkPolicy enforcement (localcluster/netpol) and read the node's firewall");
    this.timeout(10 * 60 * 1000);
    let backend: TempBackend;
    let roster: string;
    let out: string;
    let up: JsonRecord[];

    before(async () => {
        backend = tempBackend("isolation");
        roster = path.join(backend.root, "class.txt");
        out = path.join(backend.root, "kubeconfigs");
        fs.writeFileSync(roster, CLASS.join("\n") + "\n");
        const r = npmClass("up", "--roster", roster, "--config", "tenancy=on", ...CLASS_LOCAL_IMAGES, "--out", out, "--json");
        assert.strictEqual(r.status, 0, r.stderr);
        up = JSON.parse(r.stdout);
        for (const t of CLASS) await allRunning(at(t));
    });

    it("a pod nina starts with her own kubeconfig cannot open omar's Redis or image backend; omar's frontend answers; both keep counting", async () => {
        const before = { nina: await visit(at("nina"), "nina, before"), omar: await visit(at("omar"), "omar, before") };
        const omar = defaultNamespace("omar");
        const frontendPort = kubeJson("service", "frontend", "-n", omar).spec.ports[0].port;
        const targets = [["redis", 6379], ["imagebackend", 8080], ["frontend", frontendPort]] as const;
        const reached = await reachableFrom(["--kubeconfig", path.join(out, "nina.kubeconfig")], "reach-omar", omar, targets);
        assert.deepStrictEqual(reached, { redis: "closed", imagebackend: "closed", frontend: "open" });
        assert.strictEqual(await visit(at("nina"), "nina, after"), before.nina + 1);
        assert.strictEqual(await visit(at("omar"), "omar, after"), before.omar + 1);
    });

    it("`class up --json` measured it: networkIsolation \"enforced\" for every trainee, and its probe pod is gone", () => {
        assert.deepStrictEqual(up.map((x) => [x.trainee, x.networkIsolation]), CLASS.map((t) => [t, "enforced"]));
        for (const t of CLASS) assert.deepStrictEqual(kubeJson("pods", "-n", defaultNamespace(t), "-l", "app.kubernetes.io/name=isolation-probe").items, []);
    });

    it("with the enforcement stopped, no table or process is left, and `class status` reports \"not enforced\" with a warning", () => {
        const stop = run("bash", ["localcluster/netpol/stop.sh", required("E2E_CLUSTER_DIR")], { cwd: REPO });
        assert.strictEqual(stop.status, 0, stop.stderr);
        assert.doesNotMatch(nodeFirewall(), KUBE_ROUTER_STATE);
        assert.match(nodeFirewall(), /KUBE-SERVICES/, "kube-proxy's rules went too");
        assert.deepStrictEqual(processesRunning((exe) => exe.endsWith("/kube-router")), []);
        try {
            const status = npmClass("status", "--roster", roster, "--json");
            assert.strictEqual(status.status, 0, status.stderr);
            const records: JsonRecord[] = JSON.parse(status.stdout);
            assert.deepStrictEqual(records.map((x) => [x.trainee, x.networkIsolation]), CLASS.map((t) => [t, "not enforced"]));
            assert.match(status.stderr, /WARNING: trainees can reach each other's Redis over the network: a pod in nina's namespace, with nina's rights reached omar's Redis/);
            assert.match(status.stderr, /CNI that does .* or set redisAuth=true/);
        } finally {
            const start = run("bash", ["localcluster/netpol/start.sh", required("E2E_CLUSTER_DIR")], { cwd: REPO, allowFail: true });
            assert.strictEqual(start.status, 0, start.stderr);
        }
        assert.match(nodeFirewall(), KUBE_ROUTER_STATE);
    });

    after(() => {
        if (!backend) return; // skipped: another cluster than ours
        npmClass("down", "--roster", roster);
        backend?.remove();
    });
});
