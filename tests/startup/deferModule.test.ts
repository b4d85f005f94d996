// Every run of the program preloads startup/deferTypescript.ts (Pulumi.yaml's nodeargs), so that the
// TypeScript compiler Pulumi's runtime requires as it loads is loaded only if used: what uses it must
// still get the real compiler.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as esbuild from "esbuild";
import * as fs from "fs";
import { createRequire } from "module";
import * as os from "os";
import * as path from "path";
import { DEFERRED_PREFIX, deferModule } from "../../startup/deferModule";

const ROOT = path.join(__dirname, "..", "..");
const load = createRequire(__filename);

describe("deferModule: a module loaded on first use", () => {
    let dir: string;
    const loads = () => (globalThis as { heavyLoads?: number }).heavyLoads ?? 0;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-defer-"));
        fs.mkdirSync(path.join(dir, "node_modules", "heavy"), { recursive: true });
        fs.writeFileSync(path.join(dir, "node_modules", "heavy", "index.js"),
            "globalThis.heavyLoads = (globalThis.heavyLoads ?? 0) + 1; exports.answer = 42; exports.twice = (n) => 2 * n;");
        delete (globalThis as { heavyLoads?: number }).heavyLoads;
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("is not loaded when required, loads once at its first use, and then answers as itself", () => {
        const file = deferModule("heavy", dir) ?? assert.fail("nothing deferred");
        const standIn = load(file) as { answer: number; twice: (n: number) => number };
        assert.strictEqual(loads(), 0, "requiring the stand-in loaded the module");
        assert.strictEqual(standIn.answer, 42);
        assert.strictEqual(standIn.twice(4), 8);
        assert.ok("twice" in standIn);
        assert.deepStrictEqual(Object.keys(standIn).sort(), ["answer", "twice"]);
        assert.strictEqual(loads(), 1);
        // The next require gets the module itself.
        const real = load(file) as { answer: number };
        assert.notStrictEqual(real, standIn);
        assert.strictEqual(real.answer, 42);
        assert.strictEqual(loads(), 1);
        delete require.cache[file];
    });

    it("leaves alone a module already loaded, or one that does not resolve", () => {
        const file = require.resolve("heavy", { paths: [dir] });
        load(file);
        assert.strictEqual(deferModule("heavy", dir), undefined);
        assert.strictEqual(require.cache[file]?.id, file);
        delete require.cache[file];
        assert.strictEqual(deferModule("no-such-module", dir), undefined);
    });
});

describe("the program's preload: Pulumi's runtime without the TypeScript compiler until it is used", () => {
    let out: string;
    before(() => {
        // Built as npm run build builds it, inside the project so that its packages resolve as for bin/.
        out = fs.mkdtempSync(path.join(ROOT, ".test-preload-"));
        esbuild.buildSync({ entryPoints: [path.join(ROOT, "startup", "deferTypescript.ts")], bundle: true, platform: "node", target: "node20",
            external: ["@pulumi/*"], outfile: path.join(out, "startup", "deferTypescript.js"), logLevel: "warning" });
    });
    after(() => fs.rmSync(out, { recursive: true, force: true }));

    it("Pulumi.yaml preloads the bundle npm run build makes", () => {
        const yaml = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
        assert.match(yaml, /^ {4}nodeargs: "--require \.\/bin\/startup\/deferTypescript\.js"$/m);
    });

    it("@pulumi/pulumi loads without it; serialising a function loads it and works", () => {
        const script = `const file = require.resolve("typescript", { paths: [require("path").dirname(require.resolve("@pulumi/pulumi/package.json"))] });
const pulumi = require("@pulumi/pulumi"); require("@pulumi/kubernetes");
const before = require.cache[file] && require.cache[file].id;
pulumi.runtime.serializeFunction(() => 6 * 7).then((s) => process.stdout.write(JSON.stringify({ before, after: require.cache[file].id, file, text: s.text })));`;
        const r = spawnSync(process.execPath, ["--require", path.join(out, "startup", "deferTypescript.js"), "-e", script], { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        const { before, after, file, text } = JSON.parse(r.stdout) as { before: string; after: string; file: string; text: string };
        assert.strictEqual(before, DEFERRED_PREFIX + file, "the compiler was loaded with @pulumi/pulumi");
        assert.strictEqual(after, file);
        assert.match(text, /6 \* 7/);
    });

    it("Pulumi's program runner requires source-map-support/register, which then maps no stack trace (the bundle has no source maps)", () => {
        // register.js is require("./").install(): installed means source-map-support's main module loaded.
        const script = `const paths = [require("path").dirname(require.resolve("@pulumi/pulumi/package.json"))];
require(require.resolve("source-map-support/register", { paths }));
process.stdout.write(JSON.stringify({ installed: require.resolve("source-map-support", { paths }) in require.cache }));`;
        const installed = (preload: string[]) => {
            const r = spawnSync(process.execPath, [...preload, "-e", script], { cwd: ROOT, encoding: "utf8" });
            assert.strictEqual(r.status, 0, r.stderr);
            return (JSON.parse(r.stdout) as { installed: boolean }).installed;
        };
        assert.doesNotMatch(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts.build, /--sourcemap/, "bin/ has source maps to apply");
        assert.strictEqual(installed([]), true, "without the preload, requiring it installs it");
        assert.strictEqual(installed(["--require", path.join(out, "startup", "deferTypescript.js")]), false);
    });
});
