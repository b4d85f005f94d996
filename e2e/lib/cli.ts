// The commands a trainee types, run for real: the Pulumi CLI in a working copy of the
// project, and kubectl. Nothing here skips a step a user would see.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { defaultNamespace } from "../../config";

export const REPO = path.join(__dirname, "..", "..");
/** What a trainee's clone holds of the project after `npm ci` (bin/ built): all but the tests, the tools and the installed modules. */
const NOT_COPIED = new Set([".git", "node_modules", "e2e", "localcluster", "tests", "bench", "rendered"]);
/** Stack settings the trainer's class tool leaves next to the program: not in a trainee's clone (Pulumi.dev.yaml is committed). */
const LOCAL_STACK_CONFIG = /^Pulumi\.(?!dev\.yaml$).+\.yaml$/;

export function required(name: string): string {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: run the e2e tests with npm run test:e2e`);
    return value;
}

export interface Result { status: number; stdout: string; stderr: string }

export function run(cmd: string, args: string[], opts: { cwd?: string; allowFail?: boolean; input?: string; env?: NodeJS.ProcessEnv } = {}): Result {
    const env = opts.env ? { ...process.env, ...opts.env } : undefined;
    const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, input: opts.input, env });
    const result = { status: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
    if (result.status !== 0 && !opts.allowFail) {
        throw new Error(`${cmd} ${args.join(" ")} exited ${result.status}\n${result.stdout.slice(-6000)}\n${result.stderr.slice(-4000)}`);
    }
    return result;
}

export { killTree } from "../../class/processes";

/**
 * For a spec that needs what only the project's local cluster has (its real node's scripts, its
 * NetworkPolicy enforcement): on another cluster (E2E_KUBECONFIG) it is skipped, and says why.
 * Call it first in the spec's describe.
 */
export function onlyOnLocalCluster(suite: Mocha.Suite, needs: string): void {
    if (process.env.E2E_CLUSTER_DIR) return;
    suite.beforeAll(function () {
        console.log(`    skipped on the cluster of E2E_KUBECONFIG: "${suite.title}" needs ${needs}, which only the local cluster has`);
        this.skip();
    });
}

/** A spec's temporary directory, holding the file backend its `pulumi` commands and class tool use. */
export interface TempBackend {
    root: string;
    /** The backend's directory: PULUMI_BACKEND_URL is file://<state>. */
    state: string;
    /** Deletes the directory, unless E2E_KEEP_STATE=1 keeps it to look into a failure. */
    remove(): void;
}

/** Makes a spec's temporary directory and file backend, and points PULUMI_BACKEND_URL at it. */
export function tempBackend(name: string, stateDir = "state"): TempBackend {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `monsterstack-e2e-${name}-`));
    const state = path.join(root, stateDir);
    fs.mkdirSync(state);
    process.env.PULUMI_BACKEND_URL = `file://${state}`;
    return { root, state, remove: () => { if (!process.env.E2E_KEEP_STATE) fs.rmSync(root, { recursive: true, force: true }); } };
}

/** `npm run class -- <args>`, as a trainer types it in the project's directory. */
export function npmClass(...args: string[]): Result {
    return run("npm", ["run", "--silent", "class", "--", ...args], { cwd: REPO, allowFail: true });
}

/**
 * The toolchain's processes working on the backend `state` (a spec's own, from tempBackend): the
 * engines the class tool starts there, and their language hosts and plugins, which inherit the
 * engine's environment. Other specs' processes, side by side, are not counted.
 */
export function toolchainProcessesOn(state: string): Array<{ pid: number; exe: string }> {
    const toolchain = required("MONSTERSTACK_PULUMI_TOOLCHAIN");
    return processesRunning((exe) => exe.startsWith(`${toolchain}/`), `PULUMI_BACKEND_URL=file://${state}`);
}

/** The processes whose executable `matches` (and, if given, whose environment holds `envEntry`, "NAME=value"). */
export function processesRunning(matches: (exe: string) => boolean, envEntry?: string): Array<{ pid: number; exe: string }> {
    return fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e)).flatMap((pid) => {
        try {
            const exe = fs.readlinkSync(`/proc/${pid}/exe`);
            if (!matches(exe)) return [];
            if (envEntry !== undefined && !fs.readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(envEntry)) return [];
            return [{ pid: Number(pid), exe }];
        } catch {
            return []; // gone since
        }
    });
}

export interface Step { op: string; urn: string; type: string; diffs?: string[] }

/** The fields of one step of `pulumi preview --json` that previewSteps() reads. */
interface PreviewStepJson {
    op: string;
    urn: string;
    newState?: { type?: string };
    oldState?: { type?: string };
    diffs?: string[];
}

/**
 * One trainee's checkout of the project with its own selected stack, on the backend that
 * PULUMI_BACKEND_URL names: `pulumi stack init <name>` selects the stack, and every later
 * command is typed as the README shows it, without `--stack`.
 */
export class TraineeCli {
    /** The namespace the stack's config names: the stack's default until `moveTo`. */
    namespace: string;

    /** The commit a `checkoutAt` checkout came from: its files are the ones `upgrade` may delete. */
    private fromCommit?: string;

    private constructor(readonly stack: string, readonly dir: string, readonly env?: NodeJS.ProcessEnv) {
        this.namespace = defaultNamespace(stack);
    }

    /**
     * A checkout in `root/<dir>`; `env` is the trainee's own shell (their KUBECONFIG, their
     * own `pulumi login` backend), else the suite's.
     */
    static checkout(stack: string, root: string, env?: NodeJS.ProcessEnv, dirName = stack): TraineeCli {
        const dir = path.join(root, dirName);
        fs.mkdirSync(dir, { recursive: true });
        for (const f of fs.readdirSync(REPO).filter((f) => !NOT_COPIED.has(f) && !LOCAL_STACK_CONFIG.test(f))) fs.cpSync(path.join(REPO, f), path.join(dir, f), { recursive: true, preserveTimestamps: true });
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
        const trainee = new TraineeCli(stack, dir, env);
        trainee.pulumi("stack", "init", stack);
        return trainee;
    }

    /**
     * The project as it was at `commit` (`git archive`), built, with the stack created: what a
     * trainee deployed with that version.
     */
    static checkoutAt(commit: string, stack: string, root: string, dirName: string): TraineeCli {
        const dir = path.join(root, dirName);
        fs.mkdirSync(dir, { recursive: true });
        run("sh", ["-c", 'git -C "$1" archive "$2" | tar -x -C "$3"', "sh", REPO, commit, dir]);
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
        run("npm", ["run", "--silent", "build"], { cwd: dir });
        const trainee = new TraineeCli(stack, dir);
        trainee.fromCommit = commit;
        trainee.pulumi("stack", "init", stack);
        return trainee;
    }

    /**
     * The trainee's upgrade to this version, as `git pull` makes it: the files of the old version
     * that are gone today are deleted, today's are written over the checkout; then `npm run build`.
     */
    upgrade(): void {
        const old = this.fromCommit === undefined ? [] : run("git", ["-C", REPO, "ls-tree", "-r", "--name-only", this.fromCommit]).stdout.split("\n").filter(Boolean);
        for (const f of old.filter((f) => !fs.existsSync(path.join(REPO, f)))) fs.rmSync(path.join(this.dir, f), { force: true });
        for (const f of fs.readdirSync(REPO).filter((f) => !NOT_COPIED.has(f) && !LOCAL_STACK_CONFIG.test(f))) {
            fs.cpSync(path.join(REPO, f), path.join(this.dir, f), { recursive: true, force: true });
        }
        run("npm", ["run", "--silent", "build"], { cwd: this.dir });
    }

    pulumi(...args: string[]): Result {
        return run("pulumi", [...args, "--non-interactive"], { cwd: this.dir, env: this.env });
    }

    /** The same command, for one that is meant to fail: its status and what it printed. */
    attempt(...args: string[]): Result {
        return run("pulumi", [...args, "--non-interactive"], { cwd: this.dir, env: this.env, allowFail: true });
    }

    /** The Pulumi resources the stack's state holds, by type (`pulumi stack export`). */
    stateTypes(): string[] {
        return (JSON.parse(this.pulumi("stack", "export").stdout).deployment.resources ?? []).map((r: { type: string }) => r.type);
    }

    /** `pulumi config set key value`. */
    set(key: string, value: string): void {
        this.pulumi("config", "set", key, value);
    }

    /** `pulumi config set namespace <name>`: the stack's objects go there from the next `pulumi up`. */
    moveTo(namespace: string): void {
        this.set("namespace", namespace);
        this.namespace = namespace;
    }

    /** `pulumi up`, which previews first, answered yes. */
    up(...extra: string[]): Result {
        return this.pulumi("up", "--yes", ...extra);
    }

    destroy(): Result {
        return this.pulumi("destroy", "--yes");
    }

    preview(...extra: string[]): Result {
        return this.pulumi("preview", ...extra);
    }

    /**
     * The steps `pulumi preview --json` plans, but its "refresh" steps: Pulumi.yaml's `refresh:
     * always` reads every object back first, and lists those whose live state moved on (a
     * claim's status); they change nothing.
     */
    previewSteps(): Step[] {
        const out: { steps?: PreviewStepJson[] } = JSON.parse(this.preview("--diff", "--json").stdout);
        return (out.steps ?? []).filter((s) => s.op !== "refresh").map((s) => ({
            op: s.op, urn: s.urn, type: (s.newState ?? s.oldState)?.type ?? "", diffs: s.diffs,
        }));
    }

    /** `pulumi stack rm`: the stack and its state are gone; the project checkout stays. */
    removeStack(): void {
        this.pulumi("stack", "rm", this.stack, "--yes");
    }

    /** `pulumi stack init` again, under the same name. */
    initAgain(): void {
        this.pulumi("stack", "init", this.stack);
    }

    /** `npm run lab -- ARGS` in the checkout, as the README tells a trainee: its status and what it printed. */
    lab(...args: string[]): Result {
        return run("npm", ["run", "--silent", "lab", "--", ...args], { cwd: this.dir, env: this.env, allowFail: true });
    }

    /** `pulumi stack output --json`: every output of the program is a string. */
    outputs(): Record<string, string> {
        return JSON.parse(this.pulumi("stack", "output", "--json").stdout);
    }
}
