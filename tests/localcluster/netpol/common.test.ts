// netpol/start.sh waits for kube-router's first rules, and gives up at once if it exited. The pid
// it started runs a forked bash, then setsid, then nsenter, then kube-router: each a stage of a
// start, none an exit (run CB went red, "kube-router exited", its log empty, as the last exec came
// between two reads of that pid).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const COMMON_SH = path.join(__dirname, "..", "..", "..", "localcluster", "netpol", "common.sh");
const PID = 4242;

describe("localcluster/netpol/common.sh: exited", () => {
    let root: string;
    /** What the recorded pid runs in the fake /proc; undefined: it is gone. */
    const pidRuns = (exe: string | undefined) => {
        fs.mkdirSync(path.join(root, "proc", String(PID)), { recursive: true });
        if (exe) fs.symlinkSync(exe, path.join(root, "proc", String(PID), "exe"));
    };
    const exited = () => spawnSync("bash", ["-c", `set -euo pipefail; source "$0"; dir="$1"; if exited; then echo exited; else echo running; fi`, COMMON_SH, root],
        { encoding: "utf8", env: { ...process.env, PROC_ROOT: path.join(root, "proc") } });
    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-netpol-"));
        fs.writeFileSync(path.join(root, "pids"), `kube-router ${PID}\n`);
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    for (const exe of ["/usr/bin/bash", "/usr/bin/setsid", "/usr/bin/nsenter", "/root/.cache/monsterstack-e2e/kube-router-2.1.0/bin/kube-router"]) {
        it(`a pid that runs ${path.basename(exe)} has not exited: ${exe.endsWith("kube-router") ? "it runs" : "it is on its way to kube-router"}`, () => {
            pidRuns(exe);
            const r = exited();
            assert.strictEqual(r.stderr, "");
            assert.strictEqual(r.stdout, "running\n");
        });
    }

    it("a pid that is gone, or reused by another program, has exited", () => {
        pidRuns(undefined);
        assert.strictEqual(exited().stdout, "exited\n");
        pidRuns("/usr/bin/sleep");
        assert.strictEqual(exited().stdout, "exited\n");
    });
});
