// The figures of `npm run bench:cancel` (started by bench/class.sh, with a cluster of fake
// nodes in $KUBECONFIG and the Pulumi CLI on PATH): a class of 3 and a class of 30 brought up
// by `npm run class -- up`, interrupted with SIGINT to the tool's process group (what a
// terminal's Ctrl-C sends) while it runs, and timed from the signal to the tool's exit. Then
// what is left 5 s later (locks, toolchain processes), and the `up` that finishes the class;
// the baseline, in the same run, is an `up` of the same class with nothing to change.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";

const REPO = path.join(__dirname, "..");
const RUNS = [{ size: 3, afterS: 10 }, { size: 30, afterS: 10 }, { size: 30, afterS: 60 }];
const BOUND_S = 60;

interface Ended { status: number | null; seconds: number; stdout: string; stderr: string }

/** `npm run class -- <args>` as npm runs it (package.json's script), in a process group of its own, as a terminal's foreground job. */
function startClass(args: string[]): { pid: number; ended: Promise<Ended> } {
    const script: string = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).scripts.class;
    const [program, ...options] = script.split(/\s+/);
    if (program !== "ts-node") throw new Error(`package.json's class script is not ts-node: ${script}`);
    const start = performance.now();
    const child = spawn(process.execPath, [require.resolve("ts-node/dist/bin.js"), ...options, ...args], { cwd: REPO, detached: true });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => { stdout += d; });
    child.stderr.on("data", (d) => { stderr += d; });
    const ended = new Promise<Ended>((done) => child.on("close", (status) => done({ status, seconds: (performance.now() - start) / 1000, stdout, stderr })));
    return { pid: child.pid!, ended };
}

const lockFiles = (state: string) => {
    const dir = path.join(state, ".pulumi", "locks");
    return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith(".json")) : [];
};

function toolchainProcesses(): number {
    const toolchain = process.env.MONSTERSTACK_PULUMI_TOOLCHAIN!;
    return fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e)).filter((pid) => {
        try { return fs.readlinkSync(`/proc/${pid}/exe`).startsWith(`${toolchain}/`); } catch { return false; }
    }).length;
}

async function main(): Promise<void> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-bench-cancel-"));
    const state = path.join(root, "state");
    fs.mkdirSync(state);
    process.env.PULUMI_BACKEND_URL = `file://${state}`;
    const lines: string[] = [];
    let failed = false;
    try {
        for (const { size, afterS } of RUNS) {
            const names = Array.from({ length: size }, (_, i) => `cancel-${String(i + 1).padStart(2, "0")}`);
            const roster = path.join(root, `class-${size}.txt`);
            fs.writeFileSync(roster, names.join("\n") + "\n");
            const up = ["up", "--roster", roster, "--json"];

            const run = startClass(up);
            await new Promise((r) => setTimeout(r, afterS * 1000));
            const running = lockFiles(state).length;
            const signalled = performance.now();
            process.kill(-run.pid, "SIGINT");
            const ended = await run.ended;
            const toExit = (performance.now() - signalled) / 1000;
            const statuses = (JSON.parse(ended.stdout) as Array<{ status: string }>).reduce<Record<string, number>>((n, r) => ({ ...n, [r.status]: (n[r.status] ?? 0) + 1 }), {});
            await new Promise((r) => setTimeout(r, 5000));
            const locksLeft = lockFiles(state).length, processesLeft = toolchainProcesses();

            const finish = await startClass(up).ended;
            const again = await startClass(up).ended;
            const down = await startClass(["down", "--roster", roster]).ended;
            if (finish.status !== 0 || down.status !== 0) throw new Error(`class of ${size}: ${finish.stderr.slice(-2000)}${down.stderr.slice(-2000)}`);

            lines.push(`  class of ${String(size).padStart(2)}, SIGINT ${String(afterS).padStart(2)} s into up (${running} updating): exit ${ended.status} ${toExit.toFixed(1).padStart(5)} s after the signal; ` +
                `${Object.entries(statuses).map(([s, n]) => `${n} ${s}`).join(", ")}; 5 s later ${locksLeft} locks, ${processesLeft} toolchain processes; ` +
                `the up that finished it ${finish.seconds.toFixed(1)} s; against an up of the class with no change (${again.seconds.toFixed(1)} s) the exit took ${(toExit / again.seconds).toFixed(2)}x`);
            failed ||= ended.status !== 130 || toExit > BOUND_S || locksLeft > 0 || processesLeft > 0;
        }
    } finally {
        for (const f of fs.readdirSync(REPO).filter((f) => /^Pulumi\.cancel-\d+\.yaml$/.test(f))) fs.rmSync(path.join(REPO, f));
        fs.rmSync(root, { recursive: true, force: true });
    }
    console.log(`a class interrupted by SIGINT (Ctrl-C), --parallel 4, on the local cluster (3 kwok fake nodes), one run on this ${os.cpus().length}-core machine`);
    for (const line of lines) console.log(line);
    console.log(`target: exit 130 within ${BOUND_S} s, no lock and no toolchain process left 5 s later: ${failed ? "MISSED" : "met"}`);
    if (failed) process.exitCode = 1;
}

main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
