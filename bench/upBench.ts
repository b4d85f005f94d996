// The figures of `npm run bench:up` (started by bench/realNode.sh, with the whole local cluster
// in $KUBECONFIG), all from one run, each the median of REPEATS, the two variants taking turns:
//   - a first `pulumi up --yes` of a new stack (every object created) and its `pulumi destroy --yes`;
//   - how long after that `up` returned the frontend's page first answered 200 (kube-proxy
//     programming the new endpoints), polled every 100 ms;
// for the program as it is, and for a copy whose Services all keep pulumi-kubernetes' wait for
// their Endpoints (core/serviceAwait.ts returning no annotation: the program before 796c036).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { median } from "./previewTiming";

const REPO = path.join(__dirname, "..");
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const NOT_COPIED = new Set([".git", "node_modules", "e2e", "localcluster", "tests", "bench", "rendered"]);

function pulumi(dir: string, ...args: string[]): string {
    const r = spawnSync("pulumi", [...args, "--non-interactive"], { cwd: dir, encoding: "utf8", maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} in ${dir}: exit ${r.status}\n${r.stdout.slice(-3000)}\n${r.stderr}`);
    return r.stdout;
}

function timed(f: () => void): number {
    const start = performance.now();
    f();
    return (performance.now() - start) / 1000;
}

function status(url: string): Promise<number> {
    return new Promise((resolve) => {
        const req = http.get(url, { timeout: 2000, agent: false }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
        req.on("timeout", () => req.destroy());
        req.on("error", () => resolve(0));
    });
}

/** Seconds until `url` answers 200, polled every 100 ms, for at most 60 s, and what it answered before ("refused" for no answer). */
async function firstAnswer(url: string): Promise<{ seconds: number; before: string }> {
    const start = performance.now();
    const before = new Set<string>();
    while (performance.now() - start < 60_000) {
        const code = await status(url);
        if (code === 200) return { seconds: (performance.now() - start) / 1000, before: [...before].join("+") || "-" };
        before.add(code === 0 ? "refused" : String(code));
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${url}: no 200 in 60 s`);
}

/** The frontend through its NodePort on the real node, as the e2e suite reaches it. */
function frontendUrl(namespace: string): string {
    const r = spawnSync("kubectl", ["get", "service", "frontend", "-n", namespace, "-o", "jsonpath={.spec.ports[0].nodePort}"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
    return `http://${process.env.E2E_NODE_IP}:${r.stdout}/`;
}

interface Variant { name: string; dir: string; up: number[]; answer: Array<{ seconds: number; before: string }>; destroy: number[] }

/** A trainee's checkout (as e2e/lib/cli.ts makes it), a new stack set to the node's images. */
function checkout(root: string, stack: string, patch?: (dir: string) => void): string {
    const dir = path.join(root, stack);
    fs.mkdirSync(dir);
    for (const f of fs.readdirSync(REPO).filter((f) => !NOT_COPIED.has(f) && !/^Pulumi\..+\.yaml$/.test(f))) {
        fs.cpSync(path.join(REPO, f), path.join(dir, f), { recursive: true, preserveTimestamps: true });
    }
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
    patch?.(dir);
    pulumi(dir, "stack", "init", stack);
    for (const [key, variable] of [["redisImage", "E2E_REDIS_IMAGE"], ["frontendImage", "E2E_FRONTEND_IMAGE"], ["imagebackendImage", "E2E_IMAGEBACKEND_IMAGE"]]) {
        pulumi(dir, "config", "set", key, process.env[variable]!);
        pulumi(dir, "config", "set", `${key}PullPolicy`, "Never");
    }
    return dir;
}

/** The compiled program with every Service awaited: serviceAwaitAnnotations returns no annotation. */
function everyServiceAwaited(dir: string): void {
    const file = path.join(dir, "bin", "core", "serviceAwait.js");
    const js = fs.readFileSync(file, "utf8");
    const patched = js.replace(/return type === "LoadBalancer" \? \{\} : \{[^}]*\};/, "return {};");
    if (patched === js) throw new Error(`${file}: the function to patch was not found`);
    fs.writeFileSync(file, patched);
    const mtime = new Date(Date.now() + 60_000); // still newer than its source (startup/freshBuild.ts)
    fs.utimesSync(file, mtime, mtime);
}

async function main(): Promise<void> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-bench-up-"));
    fs.mkdirSync(path.join(root, "state"));
    process.env.PULUMI_BACKEND_URL = `file://${root}/state`;
    const variants: Variant[] = [
        { name: "as it is (ClusterIP and NodePort Services not awaited)", dir: checkout(root, "bench-up-now"), up: [], answer: [], destroy: [] },
        { name: "every Service awaited (before 796c036)", dir: checkout(root, "bench-up-before", everyServiceAwaited), up: [], answer: [], destroy: [] },
    ];
    try {
        for (let i = 0; i < REPEATS; i++) {
            for (const v of i % 2 === 0 ? variants : [...variants].reverse()) {
                v.up.push(timed(() => pulumi(v.dir, "up", "--yes")));
                v.answer.push(await firstAnswer(frontendUrl(JSON.parse(pulumi(v.dir, "stack", "output", "--json")).namespaceName)));
                v.destroy.push(timed(() => pulumi(v.dir, "destroy", "--yes")));
            }
        }
    } finally {
        for (const v of variants) spawnSync("pulumi", ["destroy", "--yes", "--non-interactive"], { cwd: v.dir });
        fs.rmSync(root, { recursive: true, force: true });
    }
    const [now, before] = variants;
    console.log(`first pulumi up of a new stack, its destroy (medians of ${REPEATS}, taking turns; ${os.cpus().length} cores):`);
    for (const v of variants) {
        console.log(`  ${v.name}:\n    up ${median(v.up).toFixed(1)} s [${v.up.map((t) => t.toFixed(1)).join(" ")}], ` +
            `page answers ${median(v.answer.map((a) => a.seconds)).toFixed(2)} s after up [${v.answer.map((a) => `${a.seconds.toFixed(2)} (${a.before})`).join(" ")}], ` +
            `destroy ${median(v.destroy).toFixed(1)} s`);
    }
    console.log(`  up: ${(median(now.up) / median(before.up)).toFixed(2)}x the time with every Service awaited`);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
