// Where the class tool keeps its trainees' stack settings: the class's own folder beside the
// roster, whose Pulumi.yaml runs the project's program; a kubeconfig given by value never goes
// on a command line.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { asDeployed, classFolderOf, classProjectFile, deployedSettings, prepareClassFolder, rememberedStackIds, rememberStackIds } from "../../../class/stacks/classFolder";
import { probeImage } from "../../../class/stacks/isolationProbe";
import { parseRoster } from "../../../class/roster";
import { ownReleasedVolumes } from "../../../class/stacks/purge";
import { isKubeconfigContents, PROJECT_DIR, stackSettings } from "../../../class/stacks/traineeStack";

describe("the class's own folder of stack settings", () => {
    let dir: string;
    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "class-folder-")); });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("is `class-stacks/` beside the roster, shared by the rosters there, 0700, with the project's Pulumi.yaml pointing back at the program", () => {
        const roster = path.join(dir, "november", "class.txt");
        fs.mkdirSync(path.dirname(roster));
        fs.writeFileSync(roster, "alice\n");
        const { folder, copied } = prepareClassFolder(roster, PROJECT_DIR, ["alice"]);
        assert.strictEqual(folder, fs.realpathSync(classFolderOf(roster)));
        assert.strictEqual(path.basename(folder), "class-stacks");
        assert.strictEqual(classFolderOf(path.join(path.dirname(roster), "redo.txt")), classFolderOf(roster), "a second roster of the same class");
        assert.strictEqual(fs.statSync(folder).mode & 0o777, 0o700);
        assert.deepStrictEqual(copied, []);
        const written = fs.readFileSync(path.join(folder, "Pulumi.yaml"), "utf8");
        const main = JSON.parse(/^main: (.+)$/m.exec(written)![1]);
        assert.strictEqual(path.resolve(folder, main), PROJECT_DIR);
        // Everything else is the project's own file, line for line.
        assert.strictEqual(written.split("\n").filter((l) => !/^(main:|# Written by)/.test(l)).join("\n"), fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8"));
    });

    it("brings along a trainee's settings an earlier version kept in the project's directory, once, and leaves the old file", () => {
        const project = path.join(dir, "project");
        fs.mkdirSync(project);
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: monsterstack\nruntime: nodejs\n");
        fs.writeFileSync(path.join(project, "Pulumi.alice.yaml"), "encryptionsalt: v1:salt\nconfig:\n  monsterstack:target: minikube\n");
        const roster = path.join(dir, "class.txt");
        const first = prepareClassFolder(roster, project, ["alice", "bob"]);
        assert.deepStrictEqual(first.copied, [path.join(project, "Pulumi.alice.yaml")]);
        assert.strictEqual(fs.readFileSync(path.join(first.folder, "Pulumi.alice.yaml"), "utf8"), fs.readFileSync(path.join(project, "Pulumi.alice.yaml"), "utf8"));
        assert.strictEqual(fs.statSync(path.join(first.folder, "Pulumi.alice.yaml")).mode & 0o777, 0o600);
        assert.ok(fs.existsSync(path.join(project, "Pulumi.alice.yaml")));
        fs.writeFileSync(path.join(first.folder, "Pulumi.alice.yaml"), "config: {}\n");
        assert.deepStrictEqual(prepareClassFolder(roster, project, ["alice"]).copied, [], "the class's own copy wins");
        assert.strictEqual(classProjectFile("name: monsterstack\nruntime: nodejs\n", "/c/class-stacks", "/c/project").split("\n")[2], 'main: "../project"');
    });

    it("remembers each trainee's stack id, for a `down --purge` that comes after the destroy took the outputs", () => {
        assert.deepStrictEqual(rememberedStackIds(dir), {});
        rememberStackIds(dir, [{ trainee: "alice", stackId: "0123456789abcdef" }, { trainee: "bob" }]);
        rememberStackIds(dir, [{ trainee: "bob", stackId: "fedcba9876543210" }, { trainee: "alice" }]);
        assert.deepStrictEqual(rememberedStackIds(dir), { alice: "0123456789abcdef", bob: "fedcba9876543210" }, "an unknown id never erases a known one");
        assert.strictEqual(fs.statSync(path.join(dir, "stack-ids.json")).mode & 0o777, 0o600);
        fs.writeFileSync(path.join(dir, "stack-ids.json"), '{"alice":"../../x","bob":"fedcba9876543210"}');
        assert.deepStrictEqual(rememberedStackIds(dir), { bob: "fedcba9876543210" }, "only ids of the tool's shape are read");
    });

    it("a trainee as the class deployed them: the settings of the last `up` (never its secrets), under this command's roster and --config; the probe's image comes from there", () => {
        fs.writeFileSync(path.join(dir, "Pulumi.alice.yaml"), [
            "encryptionsalt: v1:abc", "config:", "  monsterstack:redisImage: localhost/monsterstack-e2e/redis:1", "  monsterstack:redisImagePullPolicy: Never",
            "  monsterstack:frontendReplicas: \"3\"", "  monsterstack:kubeconfig:", "    secure: v1:xyz", "  other:key: ignored", "",
        ].join("\n"));
        assert.deepStrictEqual(deployedSettings(dir, "alice"), { redisImage: "localhost/monsterstack-e2e/redis:1", redisImagePullPolicy: "Never", frontendReplicas: "3" });
        const [alice, bob] = parseRoster("alice\nbob frontendReplicas=4\n", "class.txt", {});
        assert.deepStrictEqual(probeImage(asDeployed(alice, dir)), { ref: "localhost/monsterstack-e2e/redis:1", pullPolicy: "Never" });
        assert.strictEqual(asDeployed(alice, dir).parsed.kubeconfig, undefined, "a secret is never read back");
        assert.deepStrictEqual(asDeployed(bob, dir), bob, "nothing deployed: the roster's own");
        const [override] = parseRoster("alice frontendReplicas=1\n", "class.txt", { redisImage: "registry.example.com/redis:7.4" });
        assert.deepStrictEqual([asDeployed(override, dir).parsed.redisImage.ref, asDeployed(override, dir).parsed.frontendReplicas], ["registry.example.com/redis:7.4", 1]);
    });

    it("a kubeconfig given by value is a secret, set apart from the command line; a path is not", () => {
        const contents = "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: s3cr3t\n";
        assert.ok(isKubeconfigContents(contents));
        assert.ok(isKubeconfigContents('{"apiVersion":"v1","kind":"Config"}'));
        assert.ok(!isKubeconfigContents("/home/trainer/admin.yaml"));
        assert.ok(!isKubeconfigContents("~/.kube/config"));
        assert.deepStrictEqual(stackSettings({ target: "cloud", kubeconfig: contents }), { plain: { "monsterstack:target": "cloud" }, secret: { "monsterstack:kubeconfig": contents } });
        assert.deepStrictEqual(stackSettings({ kubeconfig: "admin.yaml" }), { plain: { "monsterstack:kubeconfig": "admin.yaml" }, secret: {} });
    });
});

describe("`down --purge` takes only its own stack's retained volumes", () => {
    const pv = (name: string, phase: string, stackId?: string) => ({
        name, phase, labels: { "monsterstack.io/stack": "alice", ...(stackId ? { "monsterstack.io/stack-id": stackId } : {}) },
    });

    it("released ones with this stack's id, or none (from 2722259 or earlier); never another deployment's, never a bound one", () => {
        const volumes = [pv("ours", "Released", "aaaa"), pv("legacy", "Released"), pv("other-class", "Released", "bbbb"), pv("in-use", "Bound", "aaaa"), pv("available", "Available", "aaaa")];
        assert.deepStrictEqual(ownReleasedVolumes(volumes, "aaaa"), ["ours", "legacy", "available"]);
        // A stack with no id (refused before it ever deployed, as another class's alice is): none with an id.
        assert.deepStrictEqual(ownReleasedVolumes(volumes, undefined), ["legacy"]);
    });
});
