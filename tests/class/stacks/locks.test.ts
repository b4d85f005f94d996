// The class tool's side of an interrupted class: the `pulumi` processes it starts (detached
// from the terminal, killed with all they started), the locks a file backend keeps, and what
// the trainer is told about them.
import * as assert from "assert";
import { ConcurrentUpdateError } from "@pulumi/pulumi/automation";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "../../../class/main";
import { describeLock, fileBackendDir, holder, ProcessView, readLocks, StackLock } from "../../../class/stacks/locks";
import { killTree, processStart, processTree, runsPulumi } from "../../../class/processes";
import { detachedPulumi, requireWrittenFor, started, WRITTEN_FOR } from "../../../class/stacks/automationAdapter";
import { ProgressLines, table } from "../../../class/report";
import { parseRoster } from "../../../class/roster";
import { lockedMessage, runTrainee } from "../../../class/stacks/traineeStack";
import { standInPulumi } from "../../../testing/standInPulumi";

const lock: StackLock = { pid: 4242, username: "trainer", hostname: "laptop", timestamp: "2026-12-01T10:00:00Z" };
/** A machine where pid 4242 runs `pulumi` (or not) since `since`. */
const machine = (pulumi: boolean, since = "2026-12-01T09:59:00Z"): ProcessView => ({ runsPulumi: () => pulumi, startedAt: () => new Date(since) });
const UNLOCK = "npm run class -- unlock --roster class.txt";
/** Running, or stopped: not gone, and not a zombie waiting for its parent to read its status. */
function alive(pid: number): boolean {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
    } catch {
        return false;
    }
}

describe("an interrupted class: locks and processes", () => {
    it("says whose a lock is, and the way out: unlock for a run that is gone, never for a live one", () => {
        assert.strictEqual(holder(lock, "laptop", machine(true)), "live");
        assert.strictEqual(holder(lock, "laptop", machine(false)), "gone");
        assert.strictEqual(holder(lock, "laptop", machine(true, "2026-12-01T10:05:00Z")), "gone", "a pulumi started after the lock was taken reuses a dead holder's pid");
        assert.strictEqual(holder(lock, "server", machine(true)), "elsewhere", "a pid of another machine says nothing here");
        assert.strictEqual(lockedMessage("ann", [{ ...lock, holder: "gone" }], UNLOCK),
            "locked by a run that is gone (pid 4242 of trainer@laptop, since 2026-12-01T10:00:00Z): `npm run class -- unlock --roster class.txt` clears its lock");
        assert.strictEqual(lockedMessage("ann", [{ ...lock, holder: "live" }], UNLOCK),
            "locked: another update of this stack is running (pid 4242 of trainer@laptop, since 2026-12-01T10:00:00Z), not retried");
        assert.match(lockedMessage("ann", [{ ...lock, holder: "elsewhere" }], UNLOCK), /^locked by a run on another machine \(pid 4242 of trainer@laptop.*`pulumi cancel --stack ann`/);
        assert.match(lockedMessage("ann", undefined, UNLOCK), /cannot|if none is, `pulumi cancel --stack ann` clears the lock/);
        assert.strictEqual(describeLock(lock), "pid 4242 of trainer@laptop, since 2026-12-01T10:00:00Z");
        assert.strictEqual(describeLock({ ...lock, timestamp: "2026-12-02T01:46:00.732812426Z" }), "pid 4242 of trainer@laptop, since 2026-12-02T01:46:00Z");
    });

    it("reads a file backend's locks where Pulumi writes them, and no other backend's", () => {
        assert.strictEqual(fileBackendDir("file://~"), os.homedir());
        assert.strictEqual(fileBackendDir("file:///srv/class%20state"), "/srv/class state");
        assert.strictEqual(fileBackendDir("s3://bucket/class"), undefined);
        assert.strictEqual(fileBackendDir("https://api.pulumi.com"), undefined);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-locks-"));
        try {
            const stackDir = path.join(dir, ".pulumi", "locks", "organization", "monsterstack", "ann");
            fs.mkdirSync(stackDir, { recursive: true });
            fs.writeFileSync(path.join(stackDir, "8a1c.json"), JSON.stringify(lock));
            assert.deepStrictEqual(readLocks(dir, "monsterstack", "ann"), [{ ...lock, file: path.join(stackDir, "8a1c.json") }]);
            assert.deepStrictEqual(readLocks(dir, "monsterstack", "ben"), []);
            assert.deepStrictEqual(readLocks(path.join(dir, "nothing"), "monsterstack", "ann"), []);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("knows a pulumi process by what it runs and since when, not by its pid alone, even once its binary was replaced", async () => {
        assert.strictEqual(runsPulumi(process.pid), false, "node is not pulumi");
        assert.strictEqual(runsPulumi(2 ** 22 + 1), false, "no such pid");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-replaced-"));
        const binary = path.join(dir, "pulumi");
        fs.copyFileSync("/bin/sleep", binary);
        fs.chmodSync(binary, 0o755);
        const before = Date.now();
        const child = spawn(binary, ["30"], { stdio: "ignore" });
        try {
            await new Promise((r) => setTimeout(r, 200));
            fs.rmSync(binary); // an upgrade replaces the CLI under a run
            assert.match(fs.readlinkSync(`/proc/${child.pid}/exe`), / \(deleted\)$/);
            assert.strictEqual(runsPulumi(child.pid!), true);
            const started = processStart(child.pid!)!.getTime();
            assert.ok(Math.abs(started - before) < 1500, `started ${started - before} ms from the spawn`);
            const held = { pid: child.pid!, username: "t", hostname: os.hostname(), timestamp: new Date(before + 500).toISOString() };
            assert.strictEqual(holder(held), "live");
            assert.strictEqual(holder({ ...held, timestamp: new Date(before - 60_000).toISOString() }), "gone", "the lock is older than the process");
        } finally {
            child.kill("SIGKILL");
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("`unlock` removes the lock files of runs that are gone, by name, and keeps a live run's and another machine's", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-unlock-"));
        const binary = path.join(dir, "pulumi");
        fs.copyFileSync("/bin/sleep", binary);
        fs.chmodSync(binary, 0o755);
        const live = spawn(binary, ["30"], { stdio: "ignore" });
        try {
            await new Promise((r) => setTimeout(r, 200));
            const stackDir = path.join(dir, ".pulumi", "locks", "organization", "monsterstack", "ann");
            fs.mkdirSync(stackDir, { recursive: true });
            const write = (name: string, l: StackLock) => fs.writeFileSync(path.join(stackDir, name), JSON.stringify(l));
            const now = new Date().toISOString();
            write("dead.json", { pid: 2 ** 22 + 1, username: "t", hostname: os.hostname(), timestamp: now });
            write("live.json", { pid: live.pid!, username: "t", hostname: os.hostname(), timestamp: now });
            write("elsewhere.json", { pid: 2 ** 22 + 1, username: "t", hostname: "another-machine", timestamp: now });
            const [ann] = parseRoster("ann\n", "class.txt", {});
            const outcome = await runTrainee(ann, "unlock", { signal: new AbortController().signal, backendUrl: `file://${dir}`, unlockCommand: UNLOCK, classFolder: dir }, () => undefined);
            assert.deepStrictEqual(fs.readdirSync(stackDir).sort(), ["elsewhere.json", "live.json"]);
            assert.strictEqual(outcome.status, "failed");
            assert.match(outcome.error!, /^unlocked: the lock of pid 4194305 .*, whose run is gone; not unlocked: locked: another update of this stack is running \(pid \d+ of t@/);
            fs.rmSync(path.join(stackDir, "live.json"));
            const again = await runTrainee(ann, "unlock", { signal: new AbortController().signal, backendUrl: `file://${dir}`, unlockCommand: UNLOCK, classFolder: dir }, () => undefined);
            assert.match(again.error!, /^not unlocked: locked by a run on another machine/);
            assert.deepStrictEqual(fs.readdirSync(stackDir), ["elsewhere.json"]);
        } finally {
            live.kill("SIGKILL");
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("kills a command with every process it started, those in other process groups too", async () => {
        // A parent whose child sits in a process group of its own, as Pulumi's plugins do.
        const parent = spawn("sh", ["-c", "setsid sleep 300 & sleep 300 & wait"], { detached: true, stdio: "ignore" });
        await new Promise((r) => setTimeout(r, 300));
        const tree = processTree(parent.pid!);
        assert.strictEqual(tree.length, 3, JSON.stringify(tree));
        killTree(parent.pid!);
        await new Promise((r) => setTimeout(r, 300));
        assert.deepStrictEqual(tree.filter(alive), []);
    });

    describe("the pulumi commands it starts", () => {
        let dir: string;
        // A stand-in for the CLI: its version, then what the test asks of it.
        const standIn = standInPulumi("monsterstack-fake-pulumi-", () => [
            'case "$1" in',
            '  version) echo v3.248.0 ;;',
            '  session) ps -o sid= -p $$ | tr -d " "; echo "pid $$" ;;',
            '  locked) echo "error: the stack is currently locked by 1 lock(s)" >&2; exit 255 ;;',
            '  wait) trap \'echo got INT; exit 7\' INT; echo ready; while :; do sleep 0.1; done ;;',
            // An update that ignores the graceful SIGINT, with a plugin in a process group of its own, and
            // its lock file in a file backend beside another machine's.
            '  up) trap "" INT; setsid sleep 300 & locks="$PWD/backend/.pulumi/locks/organization/monsterstack/ann"; mkdir -p "$locks";',
            '      printf \'{"pid":%s,"username":"t","hostname":"%s","timestamp":"%s"}\' $$ "$(hostname)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$locks/ours.json";',
            '      echo \'{"pid":1,"username":"t","hostname":"another-machine","timestamp":"2026-12-01T10:00:00Z"}\' > "$locks/theirs.json";',
            '      echo "$$ $!" > "$PWD/up.pids"; wait ;;',
            '  cancel) touch "$PWD/cancelled" ;;',
            "  *) ;;",
            "esac",
        ]);
        before(() => { dir = standIn(); });
        const runOf = async () => (await detachedPulumi()) as unknown as {
            run(args: string[], cwd: string, env: Record<string, string>, onOutput?: (s: string) => void, onError?: (s: string) => void, signal?: AbortSignal): Promise<{ stdout: string }>;
        };

        it("each runs in a session of its own, so that the terminal's Ctrl-C and hang-up reach the tool alone", async () => {
            const out = (await (await runOf()).run(["session"], dir, {})).stdout.trim().split("\n");
            assert.strictEqual(out[0], out[1].slice("pid ".length), `session ${out[0]} is not the command's own`);
            assert.notStrictEqual(out[0], String(fs.readFileSync("/proc/self/stat", "utf8").split(" ")[5]));
        });

        it("a second signal kills every process tree the tool started, clears the locks this run held, names the stacks, and exits 130", async () => {
            const fixture = path.join(__dirname, "..", "..", "fixtures", "interruptedClass.ts");
            const child = spawn(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", fixture, dir], { cwd: dir, detached: true });
            let stderr = "";
            child.stderr.on("data", (d) => { stderr += d; });
            const exit = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
            const pidsFile = path.join(dir, "up.pids");
            for (let i = 0; i < 100 && !fs.existsSync(pidsFile); i++) await new Promise((r) => setTimeout(r, 100));
            const pids = fs.readFileSync(pidsFile, "utf8").trim().split(" ").map(Number);
            process.kill(child.pid!, "SIGINT");
            await new Promise((r) => setTimeout(r, 1500));
            assert.match(stderr, /^class: SIGINT: no new stack starts; cancelling ann gracefully, waiting for each to end\. Ctrl-C again to stop at once\.$/m);
            assert.deepStrictEqual(pids.filter(alive), pids, "the update ignores the graceful cancel: it must still run");
            process.kill(child.pid!, "SIGINT");
            assert.strictEqual(await exit, 130, stderr);
            assert.match(stderr, /class: SIGINT again: stopped at once; every process the tool started is killed, and this run's locks are cleared\. Maybe half-updated: ann; the next `up` completes them/);
            assert.deepStrictEqual(pids.filter(alive), [], "a process of the update outlived the tool");
            assert.deepStrictEqual(fs.readdirSync(path.join(dir, "backend", ".pulumi", "locks", "organization", "monsterstack", "ann")), ["theirs.json"],
                "this run's lock file goes, by name, and no other");
            assert.ok(!fs.existsSync(path.join(dir, "cancelled")), "`pulumi cancel` would remove every lock of the stack");
        });

        it("the adapter that runs them takes only the @pulumi/pulumi it was written for, and says what to check on another", () => {
            const installed = JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")).version;
            assert.strictEqual(installed, WRITTEN_FOR, "package.json's @pulumi/pulumi moved: check the adapter first");
            assert.doesNotThrow(() => requireWrittenFor(WRITTEN_FOR));
            assert.throws(() => requireWrittenFor("3.277.0"), new RegExp(`written for @pulumi/pulumi ${WRITTEN_FOR.replace(/\./g, "\\.")}, and 3\\.277\\.0 is installed: .*CommandResult.*createCommandError`));
        });

        it("a lock refusal is the Automation API's ConcurrentUpdateError, as the rest of the tool expects", async () => {
            await assert.rejects((await runOf()).run(["locked"], dir, {}), (err: Error) => err instanceof ConcurrentUpdateError);
        });

        it("the first signal sends each running command one SIGINT, the CLI's graceful cancel; it is known by pid until it ends", async () => {
            const controller = new AbortController();
            let pid = 0;
            const running = (await runOf()).run(["wait"], dir, {}, (s) => {
                if (s.includes("ready")) { pid = [...started].pop()!; controller.abort("SIGINT"); }
            }, undefined, controller.signal);
            await assert.rejects(running, (err: Error & { commandResult?: { stdout: string; code: number } }) => {
                assert.match(String(err.message), /got INT/);
                return true;
            });
            assert.ok(pid > 0 && !started.has(pid), "the ended command is still listed as running");
        });
    });

    it("takes `unlock`, and shows a cancelled trainee as such", () => {
        assert.strictEqual(parseArgs(["unlock", "--roster", "class.txt", "--json"]).command, "unlock");
        const row = table([{ trainee: "ann", stack: "ann", namespace: "monsterstack-ann", status: "cancelled", error: "by SIGINT" }]);
        assert.match(row, /^ann +monsterstack-ann .* cancelled: by SIGINT$/m);
    });
});

/** What a terminal shows after `writes`: its lines, with the cursor moves and erasures ProgressLines uses. */
function screen(writes: string): string[] {
    const lines: string[] = [""];
    let row = 0, col = 0;
    // eslint-disable-next-line no-control-regex -- ESC (\x1b) starts the terminal's escape sequences parsed here
    for (const part of writes.split(/(\x1b\[\d*[AKJ]|\n|\r)/).filter((p) => p !== "")) {
        // eslint-disable-next-line no-control-regex -- ESC (\x1b) starts the terminal's escape sequences parsed here
        const esc = /^\x1b\[(\d*)([AKJ])$/.exec(part);
        if (part === "\n") { row++; col = 0; lines[row] ??= ""; }
        else if (part === "\r") col = 0;
        else if (esc?.[2] === "A") row -= Number(esc[1] || 1);
        else if (esc?.[2] === "K") lines[row] = "";
        else if (esc?.[2] === "J") { lines[row] = lines[row].slice(0, col); lines.length = row + 1; }
        else {
            const line = lines[row].padEnd(col);
            lines[row] = line.slice(0, col) + part + line.slice(col + part.length);
            col += part.length;
        }
    }
    return lines.filter((l) => l !== "");
}

describe("the class's live progress in a terminal", () => {
    it("a line for the trainer (the interruption's) stays above the live block, which is drawn again below it", () => {
        let out = "";
        const progress = new ProgressLines(["ann", "ben"], true, (s) => { out += s; });
        progress.update("ann", { stage: "updating", resources: 3 });
        out += "^C"; // the terminal echoes the Ctrl-C where the cursor is
        progress.note("class: SIGINT: no new stack starts");
        progress.update("ben", { stage: "cancelled", resources: 1 });
        const shown = screen(out);
        assert.strictEqual(shown.length, 3, JSON.stringify(shown));
        assert.strictEqual(shown[0], "class: SIGINT: no new stack starts");
        assert.match(shown[1], /^ann {2}updating, 3 resources done, \d+s$/);
        assert.match(shown[2], /^ben {2}cancelled, 1 resource done, \d+s$/);
    });
});
