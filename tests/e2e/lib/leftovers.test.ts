// The suite's last check (e2e/run.sh): the Pulumi processes this run started and left behind, and
// no other run's. It runs under `set -e`, while another run's processes come and go on the machine.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const LEFTOVERS_SH = path.join(__dirname, "..", "..", "..", "e2e", "lib", "leftovers.sh");
const TOOLCHAIN = "/cache/pulumi-3.276.0/bin";

describe("e2e/lib/leftovers.sh: toolchain_processes", () => {
    let proc: string;
    /** A process in the fake /proc: what it runs and, unless it is gone, its environment. */
    const process_ = (pid: number, exe: string, env?: string[]) => {
        fs.mkdirSync(path.join(proc, String(pid)));
        fs.symlinkSync(exe, path.join(proc, String(pid), "exe"));
        if (env) fs.writeFileSync(path.join(proc, String(pid), "environ"), env.map((e) => `${e}\0`).join(""));
    };
    // As run.sh reads it: under `set -euo pipefail`, into a variable.
    const leftovers = () => spawnSync("bash", ["-c", `set -euo pipefail; source "$0"; left="$(toolchain_processes "${TOOLCHAIN}" ours)"; printf '%s' "$left"`, LEFTOVERS_SH],
        { encoding: "utf8", env: { ...process.env, PROC_ROOT: proc } });
    beforeEach(() => { proc = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-proc-")); });
    afterEach(() => fs.rmSync(proc, { recursive: true, force: true }));

    it("lists this run's processes of the toolchain, and neither another run's nor another program's, whichever comes last", () => {
        process_(101, `${TOOLCHAIN}/pulumi`, ["HOME=/root", "MONSTERSTACK_E2E_RUN=ours"]);
        process_(150, `${TOOLCHAIN}/pulumi-resource-kubernetes`); // gone as it is read: no environment
        process_(202, "/usr/bin/sleep", ["MONSTERSTACK_E2E_RUN=ours"]);
        process_(99, `${TOOLCHAIN}/pulumi-language-nodejs`, ["MONSTERSTACK_E2E_RUN=ours.theirs"]); // another run's, read last
        const r = leftovers();
        assert.strictEqual(r.status, 0, `the check ended the run: ${r.stderr}`);
        assert.strictEqual(r.stdout, `101 ${TOOLCHAIN}/pulumi`);
        assert.strictEqual(r.stderr, "", "a process gone as it is read is no error");
    });

    it("lists nothing, and lets the run go on, when none of this run's is left", () => {
        process_(7, `${TOOLCHAIN}/pulumi`, ["MONSTERSTACK_E2E_RUN=theirs"]);
        const r = leftovers();
        assert.strictEqual(r.status, 0, `the check ended the run: ${r.stderr}`);
        assert.strictEqual(r.stdout, "");
    });
});
