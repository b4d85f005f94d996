// The figures of `npm run bench:backup` (started by bench/realNode.sh, with the whole local
// cluster in $KUBECONFIG), all from one run, each the median of REPEATS:
//   - the floor: `kubectl exec <redis pod> -- redis-cli --rdb - > file`, one trainee, by hand;
//   - `npm run class -- backup` of one trainee, and of the class (--parallel = its size);
//   - `npm run class -- restore` of one trainee, and of the class;
//   - each against the floor, as a ratio.
// Every Redis holds KEYS keys, so that the data is more than the visit counter.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { defaultNamespace } from "../config";
import { median } from "./previewTiming";

const REPO = path.join(__dirname, "..");
const CLASS = ["bk1", "bk2", "bk3", "bk4"];
const KEYS = 100_000;
const REPEATS = 3;

function run(cmd: string, args: string[], input?: string): string {
    const r = spawnSync(cmd, args, { cwd: REPO, encoding: "utf8", input, maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: exit ${r.status}\n${r.stderr}`);
    return r.stdout;
}

function timed(f: () => void): number {
    const start = performance.now();
    f();
    return (performance.now() - start) / 1000;
}

function repeat(f: () => void): number {
    return median(Array.from({ length: REPEATS }, () => timed(f)));
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-bench-backup-"));
process.env.PULUMI_BACKEND_URL = `file://${root}/state`;
fs.mkdirSync(`${root}/state`);
const roster = path.join(root, "class.txt");
const one = path.join(root, "one.txt");
fs.writeFileSync(roster, CLASS.join("\n") + "\n");
fs.writeFileSync(one, `${CLASS[0]}\n`);
const images = [["redisImage", "E2E_REDIS_IMAGE"], ["frontendImage", "E2E_FRONTEND_IMAGE"], ["imagebackendImage", "E2E_IMAGEBACKEND_IMAGE"]]
    .flatMap(([key, env]) => ["--config", `${key}=${process.env[env]}`, "--config", `${key}PullPolicy=Never`]);
const npmClass = (...args: string[]) => run("npm", ["run", "--silent", "class", "--", ...args]);

try {
    npmClass("up", "--roster", roster, "--parallel", String(CLASS.length), ...images);
    for (const t of CLASS) {
        run("kubectl", ["rollout", "status", "statefulset/redis", "-n", defaultNamespace(t), "--timeout=180s"]);
        run("kubectl", ["exec", "-i", "-n", defaultNamespace(t), "redis-0", "--", "sh", "-c",
            `seq 1 ${KEYS} | sed 's/.*/SET key:& value-&-padding-padding-padding/' | redis-cli --pipe >/dev/null`]);
    }
    const rdb = path.join(root, "floor.rdb");
    const floor = repeat(() => fs.writeFileSync(rdb, spawnSync("kubectl", ["exec", "-n", defaultNamespace(CLASS[0]), "redis-0", "--", "redis-cli", "--rdb", "-"], { maxBuffer: 1 << 28 }).stdout));
    const bytes = fs.statSync(rdb).size;
    const dir = path.join(root, "backups");
    const figures: Array<[string, number]> = [
        ["floor: kubectl exec redis-cli --rdb -, one trainee", floor],
        ["class backup, one trainee", repeat(() => npmClass("backup", "--roster", one, "--to", dir))],
        [`class backup, class of ${CLASS.length} (--parallel ${CLASS.length})`, repeat(() => npmClass("backup", "--roster", roster, "--to", dir, "--parallel", String(CLASS.length)))],
        ["class restore, one trainee", repeat(() => npmClass("restore", "--roster", one, "--from", dir))],
        [`class restore, class of ${CLASS.length} (--parallel ${CLASS.length})`, repeat(() => npmClass("restore", "--roster", roster, "--from", dir, "--parallel", String(CLASS.length)))],
    ];
    console.log(`backup and restore, ${KEYS} keys per trainee (an RDB of ${(bytes / 2 ** 20).toFixed(1)} MiB), median of ${REPEATS}, ${os.cpus().length} cores:`);
    for (const [what, seconds] of figures) {
        const perTrainee = what.includes("class of") ? `  (${(seconds / CLASS.length).toFixed(2)} s per trainee)` : "";
        console.log(`  ${what.padEnd(58)} ${seconds.toFixed(2).padStart(6)} s  ${(seconds / floor).toFixed(2).padStart(5)} x floor${perTrainee}`);
    }
} finally {
    spawnSync("npm", ["run", "--silent", "class", "--", "down", "--roster", roster, "--parallel", String(CLASS.length)], { cwd: REPO, stdio: "ignore" });
    fs.rmSync(root, { recursive: true, force: true });
}
