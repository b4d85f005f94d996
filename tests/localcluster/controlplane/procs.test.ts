// The control plane's start (localcluster/controlplane/start.sh) starts kwok once more when it dies as
// it starts of its own race: these are the two helpers that decide it and clean up after the dead one.
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const PROCS_SH = path.join(__dirname, "..", "..", "..", "localcluster", "controlplane", "procs.sh");
const RACE = "fatal error: concurrent map (writes|read and map write)";

describe("localcluster/controlplane/procs.sh: crashed_with and forget", () => {
    let state: string;
    const sh = (script: string) => spawnSync("bash", ["-c", `state="$1" here=/nonexistent t_start=0; source "$0"; ${script}`, PROCS_SH, state], { encoding: "utf8" });
    const deadPid = () => {
        const r = spawnSync("bash", ["-c", "sh -c 'exit 0' & echo $!; wait"], { encoding: "utf8" });
        return Number(r.stdout.trim());
    };
    beforeEach(() => {
        state = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-procs-"));
        fs.mkdirSync(path.join(state, "logs"));
    });
    afterEach(() => fs.rmSync(state, { recursive: true, force: true }));

    it("a component that exited with the race in its log crashed with it; one alive, or dead of something else, did not", () => {
        fs.writeFileSync(path.join(state, "logs", "kwok.log"), "I1205 started\nfatal error: concurrent map writes\n\ngoroutine 95 [running]:\n");
        fs.writeFileSync(path.join(state, "pids"), `etcd ${process.pid}\nkwok ${deadPid()}\n`);
        assert.strictEqual(sh(`crashed_with kwok "${RACE}"`).status, 0);

        fs.writeFileSync(path.join(state, "logs", "kwok.log"), "E1205 unable to load kubeconfig\n");
        assert.notStrictEqual(sh(`crashed_with kwok "${RACE}"`).status, 0, "a crash of another cause is not retried");

        const alive = spawn("sleep", ["30"]);
        try {
            fs.writeFileSync(path.join(state, "logs", "kwok.log"), "fatal error: concurrent map read and map write\n");
            fs.writeFileSync(path.join(state, "pids"), `kwok ${alive.pid}\n`);
            assert.notStrictEqual(sh(`crashed_with kwok "${RACE}"`).status, 0, "a running kwok is not started again");
        } finally {
            alive.kill();
        }
    });

    it("forget keeps the dead one's log aside and drops its PID, and only its", () => {
        fs.writeFileSync(path.join(state, "logs", "kwok.log"), "fatal error: concurrent map writes\n");
        fs.writeFileSync(path.join(state, "pids"), "etcd 101\nkwok 102\nkube-apiserver 103\n");
        assert.strictEqual(sh("forget kwok").status, 0);
        assert.strictEqual(fs.readFileSync(path.join(state, "pids"), "utf8"), "etcd 101\nkube-apiserver 103\n");
        assert.ok(!fs.existsSync(path.join(state, "logs", "kwok.log")));
        assert.match(fs.readFileSync(path.join(state, "logs", "kwok-crashed.log"), "utf8"), /concurrent map writes/);
    });
});
