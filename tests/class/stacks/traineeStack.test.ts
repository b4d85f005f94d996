// What the class tool asks the Pulumi CLI for a trainee, counted on a stand-in `pulumi` that
// logs its arguments: every command that decrypts (--show-secrets) first derives the key of the
// stack's passphrase, about 0.2 s of CPU on top of the CLI's own 0.2 s, once per trainee per read.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseRoster } from "../../../class/roster";
import { runTrainee } from "../../../class/stacks/traineeStack";
import { standInPulumi } from "../../../testing/standInPulumi";

const HISTORY = JSON.stringify([{ kind: "update", result: "succeeded", startTime: "2026-12-05T10:00:00Z", endTime: "2026-12-05T10:01:00Z", resourceChanges: { create: 3 } }]);

describe("the class tool's commands of one trainee", function () {
    this.timeout(30_000);
    let dir: string;
    const logged = () => fs.readFileSync(path.join(dir, "log"), "utf8").trim().split("\n")
        .map((line) => line.replace(/ --non-interactive$/, "").replace(/ --stack ann\b/, ""));

    const standIn = standInPulumi("monsterstack-class-commands-", (folder) => [
        `echo "$*" >> "${folder}/log"`,
        'case "$1 $2" in',
        '  "version "*) echo v3.276.0 ;;',
        `  "stack output") case "$*" in *--show-secrets*) echo '{"frontendUrl":"http://10.0.0.1:30080","traineeKubeconfig":"apiVersion: v1"}' ;; *) echo '{"frontendUrl":"http://10.0.0.1:30080","traineeKubeconfig":"[secret]"}' ;; esac ;;`,
        `  "stack history") echo '${HISTORY}' ;;`,
        "  *) ;;",
        "esac",
    ]);
    before(() => { dir = standIn(); });
    beforeEach(() => fs.writeFileSync(path.join(dir, "log"), ""));

    const [ann] = parseRoster("ann", "class.txt", {});
    const context = () => ({ signal: new AbortController().signal, backendUrl: "https://api.pulumi.com", unlockCommand: "npm run class -- unlock", classFolder: dir });

    it("`up`: the outputs are read once, the summary without secrets, and the CLI's version is asked once per run", async () => {
        const outcome = await runTrainee(ann, "up", context(), () => undefined);
        assert.strictEqual(outcome.status, "ok", outcome.error);
        assert.strictEqual(outcome.frontendUrl, "http://10.0.0.1:30080");
        assert.strictEqual(outcome.kubeconfigText, "apiVersion: v1", "the kubeconfig is the secret output's value");
        assert.strictEqual(outcome.changes, "3 create");
        const commands = logged();
        assert.deepStrictEqual(commands.filter((c) => c.startsWith("version")), ["version"]);
        assert.deepStrictEqual(commands.filter((c) => c.startsWith("stack output")), ["stack output --json", "stack output --json --show-secrets"]);
        assert.deepStrictEqual(commands.filter((c) => c.startsWith("stack history")), ["stack history --json --page-size 1 --page 1"]);
        assert.strictEqual(commands.filter((c) => c.includes("--show-secrets")).length, 1, commands.join("\n"));

        fs.writeFileSync(path.join(dir, "log"), "");
        assert.strictEqual((await runTrainee(ann, "up", context(), () => undefined)).status, "ok");
        assert.deepStrictEqual(logged().filter((c) => c.startsWith("version")), [], "a second trainee asks again");
    });

    it("`down`: the destroy's summary is read without secrets", async () => {
        const outcome = await runTrainee(ann, "down", context(), () => undefined);
        assert.strictEqual(outcome.status, "ok", outcome.error);
        assert.deepStrictEqual(logged().filter((c) => c.startsWith("stack history")), ["stack history --json --page-size 1 --page 1"]);
    });
});
