// Trainees cannot reach each other's data over the network, on the real node with its
// NetworkPolicy enforcement (localcluster/netpol): nina, with her own kubeconfig, starts a pod that
// tries omar's Redis, image backend and frontend; the class tool measures the same. Typed as
// docs/class.md tells a trainer. With the enforcement stopped the class tool says so: checked on
// npm start's cluster (e2e/local/npmStart.e2e.ts), as stopping it here would open every spec's namespaces.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { allRunning, CLASS_LOCAL_IMAGES, reachableFrom, visit } from "./lib/app";
import { npmClass, onlyOnLocalCluster, tempBackend, TempBackend } from "./lib/cli";
import { kubeJson } from "./lib/cluster";
import type { JsonRecord } from "../class/report";
import { defaultNamespace } from "../config";

const CLASS = ["nina", "omar"];
const at = (t: string) => ({ namespace: defaultNamespace(t) });

describe("network isolation: NetworkPolicies enforced, and measured by the class tool", function () {
    onlyOnLocalCluster(this, "its NetworkPolicy enforcement (localcluster/netpol), which not every CNI has");
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

    after(() => {
        if (!backend) return; // skipped: another cluster than ours
        npmClass("down", "--roster", roster);
        backend?.remove();
    });
});
