// What the class tool keeps on the trainer's disk, tried as a careless trainer and a curious
// trainee would: names that are paths, links in the way, files that existed with looser modes,
// a backup copied into another trainee's folder, a hand-edited manifest, `--at` with a path.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BackupFileError, Manifest, newestBackup, readVerified, resolveAt, saveBackup } from "../class/data/backupFiles";
import { chooseBackup } from "../class/data/backup";
import { dataRoot, dataTargets } from "../class/data/commands";
import { busyMessage, leaseDecision } from "../class/data/lease";
import { PathError, privateRoot, privateSubdir, replacePrivate, writeNew } from "../class/privateFiles";
import { parseRoster, RosterError } from "../class/roster";

const mode = (file: string) => fs.statSync(file).mode & 0o777;
const about = (trainee: string, takenAt: string) => ({ trainee, namespace: `monsterstack-${trainee}`, volume: "pvc-1", takenAt, keys: 1 });

describe("names are names", () => {
    it("a roster refuses . and .., and two names that differ only in case, by line and name, before anything runs", () => {
        assert.throws(() => parseRoster("alice\n..\n.\nAlice\nbob\n", "class.txt", {}), (err: Error) => {
            assert.ok(err instanceof RosterError);
            assert.strictEqual(err.problems.length, 3, err.message);
            assert.match(err.problems[0], /^class\.txt:2: "\.\." is a path, not a name/);
            assert.match(err.problems[1], /^class\.txt:3: "\." is a path, not a name/);
            assert.match(err.problems[2], /^class\.txt:4: trainee Alice differs from alice \(line 1\) only in case: .*share a folder of backups and a kubeconfig/);
            return true;
        });
    });

    it("--trainee and --source are names: a path is refused by flag, and --at names one trainee's backup", () => {
        const roster = parseRoster("alice\nbob\n", "class.txt", {});
        assert.throws(() => dataTargets(roster, { trainee: ".." }), /--trainee \.\.: "\.\." is a path, not a name/);
        assert.throws(() => dataTargets(roster, { trainee: "bob", source: "../../../tmp/x" }), /--source \.\.\/\.\.\/\.\.\/tmp\/x: .* is not a name/);
        assert.throws(() => dataTargets(roster, { at: "class-backups/alice/2026-12-02T06-00-00.000Z.rdb" }), /--at .* names one backup: say whose data it replaces with --trainee NAME \(the roster has 2 trainees\)/);
        assert.deepStrictEqual(dataTargets(parseRoster("alice\n", "class.txt", {}), { at: "x.rdb" }).map((t) => t.stack), ["alice"], "a roster of one says whose");
    });
});

describe("every file stays under its directory", () => {
    let dir: string;
    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "class-files-")); });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("the trainer's directory is made 0700 even when it existed; one others may write to is refused", () => {
        const out = path.join(dir, "kubeconfigs");
        fs.mkdirSync(out, { mode: 0o755 });
        fs.chmodSync(out, 0o755);
        assert.strictEqual(privateRoot("--out", out), fs.realpathSync(out));
        assert.strictEqual(mode(out), 0o700);
        const shared = path.join(dir, "shared");
        fs.mkdirSync(shared);
        fs.chmodSync(shared, 0o1777);
        assert.throws(() => privateRoot("--to", shared), /--to .*shared: a directory others may write to \(mode 1777\)/);
        assert.strictEqual(fs.statSync(shared).mode & 0o7777, 0o1777, "left as it was");
    });

    it("a link in the way is refused by name, never written through or chmodded", () => {
        const elsewhere = path.join(dir, "elsewhere");
        fs.mkdirSync(elsewhere, { mode: 0o755 });
        fs.chmodSync(elsewhere, 0o755);
        fs.symlinkSync(elsewhere, path.join(dir, "alice"));
        assert.throws(() => saveBackup(dir, Buffer.from("REDIS"), about("alice", "2026-12-02T06:00:00.000Z")), (err: Error) =>
            err instanceof PathError && err.message === `${path.join(dir, "alice")} is a symbolic link: the class tool never reads or writes through one; remove it`);
        assert.deepStrictEqual(fs.readdirSync(elsewhere), []);
        assert.strictEqual(mode(elsewhere), 0o755);

        const bob = privateSubdir(dir, "bob");
        const target = path.join(dir, "target");
        fs.writeFileSync(target, "the trainer's own file");
        fs.symlinkSync(target, path.join(bob, "2026-12-02T06-00-00.000Z.rdb"));
        assert.throws(() => saveBackup(dir, Buffer.from("REDIS"), about("bob", "2026-12-02T06:00:00.000Z")), /exists already: the class tool never writes over a file/);
        assert.strictEqual(fs.readFileSync(target, "utf8"), "the trainer's own file");

        fs.symlinkSync(target, path.join(dir, "carol.kubeconfig"));
        assert.throws(() => replacePrivate(path.join(dir, "carol.kubeconfig"), "token"), /carol\.kubeconfig is a symbolic link/);
        assert.strictEqual(fs.readFileSync(target, "utf8"), "the trainer's own file");
    });

    it("a kubeconfig written again over a looser file is never readable by others, not even for a moment", () => {
        const file = path.join(dir, "alice.kubeconfig");
        fs.writeFileSync(file, "old", { mode: 0o644 });
        fs.chmodSync(file, 0o644);
        const seen: number[] = [];
        const watcher = fs.watch(dir, () => { for (const f of fs.readdirSync(dir)) try { seen.push(mode(path.join(dir, f))); } catch { /* renamed meanwhile */ } });
        replacePrivate(file, "token: secret");
        watcher.close();
        assert.strictEqual(fs.readFileSync(file, "utf8"), "token: secret");
        assert.strictEqual(mode(file), 0o600);
        assert.deepStrictEqual(seen.filter((m) => m !== 0o600 && m !== 0o644), []);
        assert.deepStrictEqual(fs.readdirSync(dir), ["alice.kubeconfig"], "no temporary file left");
        // Created exclusively: a file that exists is never written into.
        assert.throws(() => writeNew(file, "again"), /exists already/);
    });

    it("backups are 0600 files in 0700 directories, with a manifest giving bytes, sha256 and keys", () => {
        const { file, manifest } = saveBackup(dir, Buffer.from("REDIS0010 data"), about("alice", "2026-12-02T06:30:12.345Z"));
        assert.strictEqual(file, path.join(dir, "alice", "2026-12-02T06-30-12.345Z.rdb"));
        assert.deepStrictEqual([mode(file), mode(file.replace(/rdb$/, "json")), mode(path.join(dir, "alice"))], [0o600, 0o600, 0o700]);
        assert.deepStrictEqual([manifest.bytes, manifest.sha256.length, manifest.keys], [14, 64, 1]);
    });

    it("--from must exist, and --source must be a folder in it", () => {
        assert.throws(() => dataRoot({ command: "restore", dir: path.join(dir, "nope") }), /--from .*nope: no such directory/);
        privateSubdir(dir, "alice");
        assert.throws(() => dataRoot({ command: "restore", dir, source: "bob" }), /--source bob: .* has no folder bob \(the trainees whose backups are there: alice\)/);
        assert.strictEqual(dataRoot({ command: "restore", dir, source: "alice" }), fs.realpathSync(dir));
    });
});

describe("a restore takes only the named trainee's own backup", () => {
    let dir: string;
    beforeEach(() => { dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "class-restore-"))); });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("the newest comes from the name the tool wrote, never from the manifest, and never from before-restore/", () => {
        const older = saveBackup(dir, Buffer.from("one"), about("alice", "2026-12-02T06:00:00.000Z")).file;
        const newer = saveBackup(dir, Buffer.from("two"), about("alice", "2026-12-02T07:00:00.000Z")).file;
        const before = saveBackup(dir, Buffer.from("three"), about("alice", "2026-12-02T08:00:00.000Z"), "before-restore").file;
        fs.writeFileSync(path.join(dir, "alice", "zzz.rdb"), "not the tool's");
        assert.strictEqual(newestBackup(path.join(dir, "alice")), newer);
        assert.strictEqual(chooseBackup({ source: "alice", dir }), newer);
        assert.strictEqual(chooseBackup({ source: "alice", dir, at: path.basename(older) }), older);
        assert.strictEqual(chooseBackup({ source: "alice", dir, at: path.basename(before) }), before);
        // A hand-edited takenAt: the manifest is no longer the tool's, and is refused by name.
        const manifestFile = older.replace(/rdb$/, "json");
        const edited: Manifest = { ...JSON.parse(fs.readFileSync(manifestFile, "utf8")), takenAt: "2027-01-01T00:00:00.000Z" };
        fs.writeFileSync(manifestFile, JSON.stringify(edited));
        assert.strictEqual(chooseBackup({ source: "alice", dir }), newer);
        assert.throws(() => readVerified(older, "alice"), /its manifest .* is not one the tool wrote: its takenAt is missing or not what the tool writes \(takenAt must be the time in the file's name\)/);
        fs.writeFileSync(manifestFile, JSON.stringify({ ...edited, takenAt: "2026-12-02T06:00:00.000Z", comment: "x" }));
        assert.throws(() => readVerified(older, "alice"), /fields the tool never writes: comment/);
        assert.throws(() => chooseBackup({ source: "bob", dir }), /no backup of bob: .*bob does not exist/);
        assert.throws(() => chooseBackup({ source: "alice", dir, at: "nope.rdb" }), /--at nope\.rdb: no such backup of alice/);
    });

    it("--at with the path the backup table printed: taken when it is the source's, refused naming --source when it is another's", () => {
        const alices = saveBackup(dir, Buffer.from("alice's"), about("alice", "2026-12-02T06:00:00.000Z")).file;
        saveBackup(dir, Buffer.from("bob's"), about("bob", "2026-12-02T06:00:00.000Z"));
        assert.strictEqual(chooseBackup({ source: "alice", dir, at: alices }), alices);
        assert.throws(() => chooseBackup({ source: "bob", dir, at: alices }), (err: Error) =>
            err instanceof BackupFileError && /is not one of bob's backups: .* only; to give another trainee's data, name them with --source/.test(err.message));
        assert.throws(() => resolveAt("/etc/passwd", path.join(dir, "bob"), "bob"), /is not one of bob's backups/);
    });

    it("a copy of alice's backup placed in bob's folder is refused, and the refusal names --source", () => {
        const alices = saveBackup(dir, Buffer.from("alice's"), about("alice", "2026-12-02T06:00:00.000Z")).file;
        fs.mkdirSync(path.join(dir, "bob"), { mode: 0o700 });
        for (const f of [alices, alices.replace(/rdb$/, "json")]) fs.copyFileSync(f, path.join(dir, "bob", path.basename(f)));
        const copy = chooseBackup({ source: "bob", dir });
        assert.throws(() => readVerified(copy, "bob"), /is alice's data by its manifest, but lies in bob's folder: .*restore from alice's folder with --source alice/);
        assert.strictEqual(readVerified(alices, "alice").data.toString(), "alice's");
    });

    it("a truncated or corrupt file is refused by name, before anything is done with it", () => {
        const { file } = saveBackup(dir, Buffer.from("REDIS0010 some data"), about("alice", "2026-12-02T06:00:00.000Z"));
        fs.writeFileSync(file, "REDIS0010 some");
        assert.throws(() => readVerified(file, "alice"), (err: Error) => err instanceof BackupFileError && err.message.startsWith(`${file} is truncated or corrupt: 14 bytes`));
        fs.writeFileSync(file, "REDIS0010 some dat4");
        assert.throws(() => readVerified(file, "alice"), /is truncated or corrupt: 19 bytes with sha256 \w+…, its manifest says 19 bytes/);
        fs.rmSync(file.replace(/rdb$/, "json"));
        assert.throws(() => readVerified(file, "alice"), /its manifest .* is missing or unreadable/);
    });
});

describe("one data operation per trainee at a time", () => {
    const now = new Date("2026-12-03T10:00:00Z");
    it("a Lease renewed within its duration is busy, and says who holds it; a lapsed one was interrupted", () => {
        assert.deepStrictEqual(leaseDecision(undefined, now), { kind: "create" });
        const holder = "restore by trainer@laptop, pid 42 (a1b2c3)";
        const busy = leaseDecision({ holder, renewed: new Date(now.getTime() - 20_000), seconds: 60 }, now);
        assert.deepStrictEqual(busy, { kind: "busy", holder, expires: new Date(now.getTime() + 40_000) });
        assert.match(busyMessage("monsterstack-alice", busy as Extract<typeof busy, { kind: "busy" }>, now),
            /^busy: a restore by trainer@laptop, pid 42 \(a1b2c3\) is working on this trainee's data \(Lease monsterstack-alice\/monsterstack-class-data\); .* lapses within 40 s\.$/);
        assert.deepStrictEqual(leaseDecision({ holder, renewed: new Date(now.getTime() - 61_000), seconds: 60 }, now), { kind: "take over", interrupted: holder });
    });
});
