// checkov, a scanner nobody here wrote, on the manifests the program renders: both targets,
// with and without tenancy and backupSchedule, and tenancy only. Part of `npm run lint`.
//
// The manifests are the objects the program registers in renderYamlTo mode, run under the unit
// tests' mocks: lint runs before the e2e setup builds a Pulumi CLI, and renderYamlTo writes
// exactly those inputs. The PersistentVolumePatches are left out, as rendering leaves them
// (they patch a volume that does not exist yet).
//
// checkov comes from PyPI, pinned with its dependencies (scripts/checkov-requirements.txt), in a
// virtual environment made here once per lock file. Skips live in /.checkov.yaml, each with its reason.
// Usage: npx ts-node scripts/checkov.ts   (exit 1 on any failed check)
import { spawn, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { kubeObjects, runProgram } from "../testing/harness";

const ROOT = path.join(__dirname, "..");
const LOCK = path.join(ROOT, "scripts", "checkov-requirements.txt");
const CONFIG = path.join(ROOT, ".checkov.yaml");
/** What rendering cannot hold: the patch of a volume that does not exist yet. */
const NEEDS_THE_CLUSTER = new Set(["PersistentVolumePatch"]);

/** Every way the program renders: target × tenancy × backups, and the trainer's tenancy only. */
export const VARIANTS: Record<string, Record<string, string>> = {};
for (const target of ["minikube", "cloud"]) {
    for (const tenancy of ["off", "on"]) {
        for (const backups of [false, true]) {
            VARIANTS[`${target}-tenancy-${tenancy}${backups ? "-backups" : ""}`] = { target, tenancy, ...(backups ? { backupSchedule: "0 * * * *" } : {}) };
        }
    }
}
VARIANTS["tenancy-only"] = { tenancy: "only" };

function run(command: string, args: string[], options: { quiet?: boolean; cwd?: string } = {}): string {
    const r = spawnSync(command, args, { cwd: options.cwd ?? ROOT, encoding: "utf8", maxBuffer: 256 * 2 ** 20, stdio: ["ignore", "pipe", options.quiet ? "pipe" : "inherit"] });
    if ((r.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
        throw new Error(`${command} is missing${command === "python3" ? ": apt-get install python3 python3-venv (.ci/run does)" : ""}`);
    }
    if (r.error) throw r.error;
    // checkov exits 1 when a check fails: that is a result, read from its report.
    if (r.status !== 0 && !(command.endsWith("checkov") && r.status === 1)) {
        throw new Error(`${command} ${args.join(" ")} exited ${r.status}\n${r.stdout}${r.stderr ?? ""}`);
    }
    return r.stdout;
}

/** Whether process `pid` still runs. */
function alive(pid: number): boolean {
    try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === "EPERM"; }
}

/**
 * The virtual environment for this lock file, made on first use; one left half-made is made
 * again. Two lints at once: the second waits for the first one's, and takes over from one killed.
 */
function checkovBin(): string {
    const requirements = fs.readFileSync(LOCK);
    const cache = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache");
    const venv = path.join(cache, "monsterstack-lint", `checkov-${createHash("sha256").update(requirements).digest("hex").slice(0, 12)}`);
    const bin = path.join(venv, "bin", "checkov");
    const complete = path.join(venv, "installed");
    const maker = `${venv}.making`;
    fs.mkdirSync(path.dirname(venv), { recursive: true });
    for (let waited = 0; ; waited++) {
        if (fs.existsSync(complete)) return bin;
        try {
            fs.writeFileSync(maker, String(process.pid), { flag: "wx" });
            break;
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        }
        const holder = Number(fs.readFileSync(maker, "utf8"));
        if (!alive(holder)) { fs.rmSync(maker, { force: true }); continue; }
        if (waited % 30 === 0) console.log(`checkov: waiting for process ${holder}, which makes ${venv}`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
    try {
        console.log(`checkov: making ${venv} from ${path.relative(ROOT, LOCK)} (once)`);
        fs.rmSync(venv, { recursive: true, force: true });
        run("python3", ["-m", "venv", venv]);
        run(path.join(venv, "bin", "pip"), ["install", "--quiet", "--disable-pip-version-check", "-r", LOCK]);
        fs.writeFileSync(complete, "");
        return bin;
    } finally {
        fs.rmSync(maker, { force: true });
    }
}

/** Writes each variant's rendered objects, one JSON manifest per object, under `dir/<variant>/`. */
async function render(dir: string): Promise<void> {
    for (const [variant, config] of Object.entries(VARIANTS)) {
        const out = path.join(dir, variant);
        fs.mkdirSync(out, { mode: 0o700 });
        const rendered = await runProgram("alice", { ...config, renderYamlTo: "rendered" });
        for (const o of kubeObjects(rendered).filter((x) => !NEEDS_THE_CLUSTER.has(x.kind))) {
            const file = `${o.kind}-${o.metadata.name}.json`.replace(/[^\w.-]/g, "_");
            // The mock's Redis password and TLS key are in there: 0600, in a private temporary directory.
            fs.writeFileSync(path.join(out, file), JSON.stringify(o.inputs, null, 2), { mode: 0o600 });
        }
    }
}

interface CheckResult { check_id: string; check_name: string; file_path: string; resource: string }
interface Report { check_type?: string; results?: { passed_checks: CheckResult[]; failed_checks: CheckResult[] } }
interface Counts { passed: number; failed: CheckResult[] }

/** checkov's JSON report of one directory, with /.checkov.yaml's skips or with none. */
function checkovReport(bin: string, dir: string, withSkips: boolean): Promise<Counts> {
    // --skip-download: no network, the checks are in the package. Run from the directory
    // itself, so that checkov finds no settings file of its own accord.
    const args = ["-d", ".", "--framework", "kubernetes", "--skip-download", "-o", "json", "--compact", ...(withSkips ? ["--config-file", CONFIG] : [])];
    return new Promise((resolve, reject) => {
        const child = spawn(bin, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
        let out = "", err = "";
        child.stdout.on("data", (d) => { out += d; });
        child.stderr.on("data", (d) => { err += d; });
        child.on("error", reject);
        child.on("close", (code) => {
            // checkov exits 1 when a check fails: that is a result, read from its report.
            if (code !== 0 && code !== 1) return reject(new Error(`checkov in ${dir} exited ${code}: ${err}`));
            const parsed = JSON.parse(out) as Report | Report[];
            const results = (Array.isArray(parsed) ? parsed : [parsed]).flatMap((r) => (r.results ? [r.results] : []));
            resolve({ passed: results.flatMap((r) => r.passed_checks).length, failed: results.flatMap((r) => r.failed_checks) });
        });
    });
}

/**
 * Each variant scanned on its own: checkov's graph checks match a NetworkPolicy to pods across
 * all the files of a scan, whatever their namespace, so one variant's policies would pass another's pods.
 */
async function scanAll(bin: string, dir: string): Promise<Map<string, { gated: Counts; all: Counts }>> {
    const jobs = Object.keys(VARIANTS).flatMap((variant) => [true, false].map((withSkips) => ({ variant, withSkips })));
    const results = new Map<string, { gated: Counts; all: Counts }>();
    const worker = async () => {
        for (let job = jobs.shift(); job; job = jobs.shift()) {
            const counts = await checkovReport(bin, path.join(dir, job.variant), job.withSkips);
            const entry = results.get(job.variant) ?? { gated: counts, all: counts };
            results.set(job.variant, { ...entry, [job.withSkips ? "gated" : "all"]: counts });
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, os.cpus().length) }, worker));
    return results;
}

async function main(): Promise<void> {
    const bin = checkovBin();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-checkov-"));
    try {
        await render(dir);
        if (!fs.existsSync(CONFIG)) throw new Error(`${CONFIG} is missing`);
        const scanned = await scanAll(bin, dir);
        const gated = new Map([...scanned].map(([v, c]) => [v, c.gated]));
        const all = new Map([...scanned].map(([v, c]) => [v, c.all]));
        const version = run(bin, ["--version"], { quiet: true }).trim();
        console.log(`checkov ${version} on the rendered manifests, with the skips of ${path.relative(ROOT, CONFIG)} and without`);
        console.log(`${"variant".padEnd(30)} passed  failed | all checks: passed  failed`);
        for (const variant of Object.keys(VARIANTS)) {
            const g = gated.get(variant)!, a = all.get(variant)!;
            console.log(`${variant.padEnd(30)} ${String(g.passed).padStart(6)}  ${String(g.failed.length).padStart(6)} | ${String(a.passed).padStart(18)}  ${String(a.failed.length).padStart(6)}`);
        }
        const skipped = [...new Set([...all.values()].flatMap((c) => c.failed.map((f) => f.check_id)))].filter((id) => ![...gated.values()].some((c) => c.failed.some((f) => f.check_id === id))).sort();
        console.log(`failing only where skipped, each for its reason in .checkov.yaml: ${skipped.join(", ") || "none"}`);
        if ([...gated.values()].some((c) => c.passed === 0)) throw new Error("a variant passed no check at all: checkov scanned nothing there");
        const failed = [...gated.entries()].flatMap(([variant, c]) => c.failed.map((f) => `${variant}: ${f.check_id} ${path.basename(f.file_path)} (${f.check_name})`));
        if (failed.length > 0) {
            console.error(`checkov: ${failed.length} failed:\n  ${failed.join("\n  ")}`);
            process.exitCode = 1;
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main().catch((err: Error) => {
    console.error(`checkov.ts: ${err.message}`);
    process.exitCode = 1;
});
