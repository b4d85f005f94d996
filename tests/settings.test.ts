// One list of settings: SETTINGS in config.ts. Pulumi.yaml (the defaults `pulumi up` runs with)
// and the README's table must say exactly what it says, and the program must do the same
// with Pulumi.yaml's defaults as with no config at all (the tests and the class tool's case).
import * as assert from "assert";
import * as fs from "fs";
// js-yaml comes with @pulumi/pulumi, which reads Pulumi.yaml with it too.
import * as yaml from "js-yaml";
import { CONFIG_KEYS, parseConfig, PROJECT, Setting, SETTINGS } from "../config";
import { kubeObjects, runProgram } from "../testing/harness";
import { describe as describeSetting, PULUMI_YAML, README, withGenerated } from "../scripts/settingsFiles";

interface Declared { type: string; default: unknown; description: string; items?: { type: string } }
const project = () => yaml.load(fs.readFileSync(PULUMI_YAML, "utf8")) as { name: string; config: Record<string, Declared> };
const setting = (key: string): Setting => SETTINGS[key as keyof typeof SETTINGS];

/** The config `pulumi up` hands the program when no key is set: Pulumi.yaml's defaults, as strings. */
function pulumiYamlDefaults(): Record<string, string> {
    return Object.fromEntries(Object.entries(project().config).map(([key, d]) =>
        [key, typeof d.default === "string" ? d.default : JSON.stringify(d.default)]));
}

describe("one list of settings (SETTINGS in config.ts)", () => {
    it("Pulumi.yaml declares each setting with its name, type, default value and description, and no other", () => {
        const { name, config } = project();
        assert.strictEqual(name, PROJECT);
        assert.deepStrictEqual(Object.keys(config), CONFIG_KEYS);
        for (const key of CONFIG_KEYS) {
            const s = setting(key);
            assert.deepStrictEqual(
                { type: config[key].type, default: config[key].default, description: config[key].description },
                { type: s.type, default: s.default, description: describeSetting(s) }, `Pulumi.yaml's ${key}`);
        }
    });

    it("a default changed in Pulumi.yaml alone is caught", () => {
        const text = fs.readFileSync(PULUMI_YAML, "utf8");
        const edited = text.replace(/(\n {2}redisStorageSize:\n(?: {4}.*\n)*? {4}default: )"2Gi"/, '$1"3Gi"');
        assert.notStrictEqual(edited, text, "the edit did not apply: the test no longer exercises the check");
        assert.notStrictEqual(withGenerated(PULUMI_YAML, edited), edited);
    });

    it("Pulumi.yaml and the README's table are what `npm run settings` writes", () => {
        for (const file of [PULUMI_YAML, README]) {
            const text = fs.readFileSync(file, "utf8");
            assert.strictEqual(text, withGenerated(file, text), `${file} differs from SETTINGS: run npm run settings`);
        }
    });

    it("every enumerated setting's default is one of its values, and every integer's is within its range or the unset 0", () => {
        for (const key of CONFIG_KEYS) {
            const s = setting(key);
            if (s.allowed && !s.derived) assert.ok(s.allowed.includes(s.default as string), `${key}: ${s.default}`);
            if (s.min !== undefined && !s.derived) assert.ok((s.default as number) >= s.min && (s.default as number) <= s.max!, key);
            if (s.derived) assert.ok(s.default === "" || s.default === 0, `${key}: a derived default is declared unset`);
        }
    });

    it("Pulumi.yaml's defaults parse to the same config as no config at all", () => {
        for (const stack of ["alice", "Bob.Lab"]) {
            assert.deepStrictEqual(parseConfig(pulumiYamlDefaults(), stack), parseConfig({}, stack));
        }
    });

    it("the program registers exactly the same objects with Pulumi.yaml's defaults as with no config", async () => {
        const withDefaults = await runProgram("alice", pulumiYamlDefaults());
        const without = await runProgram("alice", {});
        assert.ok(kubeObjects(without).length > 10);
        assert.deepStrictEqual(withDefaults.resources, without.resources);
        assert.deepStrictEqual(withDefaults.outputs, without.outputs);
    });
});
