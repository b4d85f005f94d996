// The local cluster's scripts find and stop their processes through e2e-procs (localcluster/lib/procs):
// a pid they recorded is signalled only while it still runs the program recorded with it, so
// that after a crash or a reboot `npm stop` never kills whatever now has that number.
import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const PROCS_SH = path.join(__dirname, "..", "..", "..", "localcluster", "lib", "procs.sh");

function procs(...args: string[]): { status: number; stdout: string; stderr: string } {
    const r = spawnSync("bash", ["-c", 'source "$0" && procs "$@"', PROCS_SH, ...args], { encoding: "utf8" });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const alive = (p: ChildProcess) => p.exitCode === null && p.signalCode === null;

describe("localcluster/lib/procs: the recorded processes of the local cluster", function () {
    this.timeout(120_000); // the first use builds the tool
    let dir: string;
    let pidfile: string;
    const children: ChildProcess[] = [];
    const start = (cmd: string, ...args: string[]) => {
        const child = spawn(cmd, args, { stdio: "ignore" });
        children.push(child);
        return child;
    };

    before(() => assert.strictEqual(procs("running", "/nonexistent").status, 1, "no file: nothing runs"));
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-procs-"));
        pidfile = path.join(dir, "pids");
    });
    afterEach(() => {
        for (const c of children) if (alive(c)) c.kill("SIGKILL");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("counts a pid as running only while it runs the program recorded with it", () => {
        const sleeper = start("sleep", "60");
        // kubelet's old pid, now another program's: a reboot or a crash made it so.
        fs.writeFileSync(pidfile, `kubelet ${sleeper.pid}\nsleep ${sleeper.pid}\n`);
        const both = procs("running", pidfile);
        assert.strictEqual(both.stdout, `sleep ${sleeper.pid}\n`);
        assert.strictEqual(both.status, 1, "not every recorded process runs");
        assert.strictEqual(procs("running", pidfile, "sleep").status, 0);
        assert.strictEqual(procs("running", pidfile, "kubelet").status, 1);
    });

    it("stops only the pids that still run their program, and says so", async () => {
        const sleeper = start("sleep", "60");
        const other = start("sleep", "60");
        fs.writeFileSync(pidfile, `kubelet ${other.pid}\nsleep ${sleeper.pid}\n`);
        const stop = procs("stop", "-log", "test", pidfile);
        assert.strictEqual(stop.status, 0, stop.stderr);
        await new Promise((r) => setTimeout(r, 200));
        assert.ok(!alive(sleeper), "the recorded sleep still runs");
        assert.ok(alive(other), "a pid recorded for kubelet, now running sleep, was signalled");
        assert.match(stop.stderr, new RegExp(`^\\[test \\d\\d:\\d\\d:\\d\\d\\] sleep \\(pid ${sleeper.pid}\\) stopped$`, "m"));
        assert.doesNotMatch(stop.stderr, /kubelet/);
    });

    it("a process that ignores SIGTERM gets SIGKILL after the grace period", async () => {
        const stubborn = start("bash", "-c", "trap '' TERM; while :; do sleep 0.1; done");
        fs.writeFileSync(pidfile, `bash ${stubborn.pid}\n`);
        await new Promise((r) => setTimeout(r, 300)); // the trap is set
        const stop = procs("stop", "-grace", "1s", "-log", "test", pidfile, "bash");
        assert.strictEqual(stop.status, 0, stop.stderr);
        assert.match(stop.stderr, new RegExp(`bash \\(pid ${stubborn.pid}\\) ignored SIGTERM for 1s; SIGKILL`));
        await new Promise((r) => setTimeout(r, 200));
        assert.strictEqual(stubborn.signalCode, "SIGKILL");
    });
});
