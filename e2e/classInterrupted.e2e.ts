// A class interrupted as trainers' classes are: Ctrl-C at the terminal (SIGINT to its whole
// foreground process group), a dropped SSH session (SIGHUP to it), and a crash (SIGKILL of the
// tool and of every toolchain process). Each time the next command the README gives finishes
// the class, and the counters count. Typed as the README's "Running a class" says.
import * as assert from "assert";
import { ChildProcessWithoutNullStreams, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { allRunning, CLASS_LOCAL_IMAGES, visit } from "./lib/app";
import { npmClass, REPO, tempBackend, TempBackend, toolchainProcessesOn } from "./lib/cli";
import { kubeJson, waitFor } from "./lib/cluster";
import { defaultNamespace, PROJECT } from "../config";
import { readLocks } from "../class/stacks/locks";

const CLASS = ["kim", "lee", "max"];
/** How long a cancelled class may take to end after the signal: seconds. */
const CANCEL_BOUND = 60;

interface Ended { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; seconds: number }

describe("npm run class, interrupted: Ctrl-C, a hang-up, a crash", function () {
    this.timeout(20 * 60 * 1000);
    let backend: TempBackend;
    let roster: string;
    let locks: string;

    /**
     * `class up` with a CONTEXT the stacks do not have yet: every frontend rolls, so each update lasts
     * past the moment the last lock appears. With no change, an update could end in that moment, and
     * the signal find its stack done (run BY: the crash left two locks of three).
     */
    const up = (context: string) => ["up", "--roster", roster, "--parallel", "3", ...CLASS_LOCAL_IMAGES, "--config", `context=${context}`];
    /** `npm run class -- up` in a process group of its own, as a terminal runs a command in the foreground. */
    const startUp = (context: string): ChildProcessWithoutNullStreams => spawn("npm", ["run", "--silent", "class", "--", ...up(context)], { cwd: REPO, detached: true });
    /** Every lock file of the class's stacks. */
    const lockFiles = () => (fs.existsSync(locks) ? fs.readdirSync(locks, { recursive: true }).map(String).filter((f) => f.endsWith(".json")) : []);
    const everyStackLocked = () => CLASS.every((t) => lockFiles().some((f) => f.includes(`/${t}/`)));

    /** Every stack updating (its lock taken) and creating objects (its namespace exists): mid-rollout. */
    async function midUpdate(): Promise<void> {
        await waitFor("every stack of the class updating (its lock taken)", everyStackLocked, 120);
        await waitFor("every stack's namespace", () => CLASS.every((t) => Boolean(kubeJson("namespace", defaultNamespace(t)))), 120);
    }

    /** Pauses the process of each stack's lock as soon as the lock appears; their pids, once every stack is locked. */
    async function pauseEachLockHolder(): Promise<number[]> {
        const paused = new Map<string, number>();
        const deadline = Date.now() + 120_000;
        while (paused.size < CLASS.length) {
            assert.ok(Date.now() < deadline, `only ${[...paused.keys()].join(", ") || "no stack"} locked after 120 s`);
            for (const t of CLASS.filter((t) => !paused.has(t))) {
                const lock = readLocks(backend.state, PROJECT, t)[0];
                if (lock === undefined) continue;
                process.kill(lock.pid, "SIGSTOP");
                paused.set(t, lock.pid);
            }
            await new Promise((r) => setTimeout(r, 50));
        }
        return [...paused.values()];
    }

    /** Waits for the whole process group to end (npm may end before the tool), with what it printed. */
    function ended(child: ChildProcessWithoutNullStreams, since: number): Promise<Ended> {
        let stdout = "", stderr = "";
        child.stdout.on("data", (d) => { stdout += d; });
        child.stderr.on("data", (d) => { stderr += d; });
        return new Promise((resolve) => child.on("close", (status, signal) => {
            // 'close': every process holding the group's pipes has ended, the tool included.
            resolve({ status, signal, stdout, stderr, seconds: (Date.now() - since) / 1000 });
        }));
    }

    /** 5 s after the tool ended: nothing of the toolchain runs, and no stack is locked. */
    async function nothingLeft(): Promise<void> {
        await new Promise((r) => setTimeout(r, 5000));
        assert.deepStrictEqual(toolchainProcessesOn(backend.state), [], "toolchain processes outlived the class tool");
        assert.deepStrictEqual(lockFiles(), [], "a stack was left locked");
    }

    /** The same `class up` again finishes the class, and every trainee's counter counts. */
    async function classFinishes(context: string): Promise<void> {
        const again = npmClass(...up(context));
        assert.strictEqual(again.status, 0, again.stdout + again.stderr);
        for (const t of CLASS) {
            const app = { namespace: defaultNamespace(t) };
            await allRunning(app);
            const first = await visit(app, `${t} after the class was finished`);
            assert.strictEqual(await visit(app, `${t}, reload`), first + 1);
        }
    }

    before(() => {
        backend = tempBackend("interrupted");
        locks = path.join(backend.state, ".pulumi", "locks");
        roster = path.join(backend.root, "class.txt");
        fs.writeFileSync(roster, CLASS.join("\n") + "\n");
    });

    for (const [signal, context] of [["SIGINT", "INT"], ["SIGHUP", "HUP"]] as const) {
        it(`${signal} to the terminal's process group while every stack updates: the class cancels cleanly, and the next \`up\` finishes it`, async () => {
            const child = startUp(context);
            await midUpdate();
            const sent = Date.now();
            const result = ended(child, sent);
            process.kill(-child.pid!, signal);
            const r = await result;
            console.log(`      ${signal}: the class ended ${r.seconds.toFixed(1)} s after the signal`);
            assert.ok(r.seconds <= CANCEL_BOUND, `${r.seconds} s`);
            assert.match(r.stderr, new RegExp(`class: ${signal}: no new stack starts; cancelling (kim|lee|max)(, (kim|lee|max))* gracefully, waiting for each to end\\. Ctrl-C again to stop at once\\.`));
            assert.match(r.stderr, new RegExp(`cancelled by ${signal}: .*; no stack is left locked by this run`));
            for (const t of CLASS) assert.match(r.stdout, new RegExp(`^${t} .* (cancelled: by ${signal}|ok \\(.*\\))$`, "m"));
            assert.match(r.stdout, new RegExp(`cancelled: by ${signal}$`, "m"));
            // npm waits for the tool, then ends by the signal itself (the shell then says 130), or is hung up.
            assert.ok(r.status === 130 || r.signal === signal, `npm ended ${r.status ?? r.signal}`);
            await nothingLeft();
            await classFinishes(context);
        });
    }

    it("SIGKILL of the tool and of its engines mid-`up`: their plugins exit by themselves; `class up` names `unlock`; `unlock` refuses a live run's lock, clears the dead ones, and `up` finishes", async () => {
        const child = startUp("KILL");
        const result = ended(child, Date.now());
        await midUpdate();
        process.kill(-child.pid!, "SIGKILL");
        // The engines next (each `pulumi` runs in a session of its own): their language hosts and
        // plugins must then exit by themselves, within a second.
        const engines = toolchainProcessesOn(backend.state).filter((p) => path.basename(p.exe) === "pulumi");
        assert.ok(engines.length >= CLASS.length, JSON.stringify(engines));
        for (const { pid } of engines) process.kill(pid, "SIGKILL");
        const killed = Date.now();
        await waitFor("the language hosts and plugins of the killed engines to exit by themselves", () => toolchainProcessesOn(backend.state).length === 0, 5);
        console.log(`      the last plugin exited ${((Date.now() - killed) / 1000).toFixed(1)} s after its engine was killed`);
        await result;
        assert.strictEqual(lockFiles().length, CLASS.length, `the crash left ${lockFiles().length} locks of ${CLASS.length}: nothing to test`);

        const unlock = `npm run class -- unlock --roster ${roster}`;
        const blocked = npmClass(...up("KILL"));
        assert.strictEqual(blocked.status, 1);
        for (const t of CLASS) assert.match(blocked.stdout, new RegExp(`^${t} .* failed: locked by a run that is gone \\(pid \\d+ of .*\\): \`${unlock}\` clears its lock$`, "m"));
        const status = npmClass("status", "--roster", roster);
        for (const t of CLASS) assert.match(status.stdout, new RegExp(`^${t} .* failed: locked by a run that is gone .*\`${unlock}\``, "m"));

        const unlocked = npmClass("unlock", "--roster", roster);
        assert.strictEqual(unlocked.status, 0, unlocked.stderr);
        for (const t of CLASS) assert.match(unlocked.stdout, new RegExp(`^${t} .* ok \\(unlocked: the lock of pid \\d+ .*, whose run is gone\\)$`, "m"));
        assert.deepStrictEqual(lockFiles(), []);

        // Another `class up` of the roster runs (rolling every frontend again): its locks are live, and never cleared.
        const live = startUp("PROD");
        const liveEnded = ended(live, Date.now());
        // Each engine is paused (SIGSTOP, as Ctrl-Z pauses a job) the moment its lock appears, and
        // resumed once `unlock` has read the locks: a fast update cannot release its lock first.
        const paused = await pauseEachLockHolder();
        const refused = npmClass("unlock", "--roster", roster);
        for (const pid of paused) process.kill(pid, "SIGCONT");
        assert.strictEqual(refused.status, 1, refused.stdout + refused.stderr);
        for (const t of CLASS) assert.match(refused.stdout, new RegExp(`^${t} .* failed: not unlocked: locked: another update of this stack is running \\(pid \\d+ of .*\\), not retried$`, "m"));
        const finished = await liveEnded;
        assert.strictEqual(finished.status, 0, finished.stdout + finished.stderr);
        await nothingLeft();
        await classFinishes("PROD");
    });

    after(() => {
        // A step that failed mid-way may leave a dead run's locks, which `down` would refuse: cleared
        // first, as a trainer would, so the cluster is left clean (only dead runs' locks are cleared).
        npmClass("unlock", "--roster", roster);
        const down = npmClass("down", "--roster", roster, "--parallel", "3");
        assert.strictEqual(down.status, 0, down.stdout + down.stderr);
        backend?.remove();
    });
});
