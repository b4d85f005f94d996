// The program runs compiled (package.json main: bin/index.js, one bundle): an edit not yet built
// must stop `pulumi up` with a clear message, never deploy the code from before the edit.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { requireFreshBuild } from "../../startup/freshBuild";
import { BUNDLES, CLASS_TOOL_DIRS, PROGRAM_DIRS, staleBuild, staleClassTool, staleSources } from "../../startup/staleSources";

describe("the compiled program and its sources", () => {
    let project: string;
    const write = (file: string, mtime: number) => {
        fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
        fs.writeFileSync(path.join(project, file), "");
        fs.utimesSync(path.join(project, file), mtime, mtime);
    };

    beforeEach(() => {
        project = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-build-"));
        write("index.ts", 1000);
        write("components/redis.ts", 1000);
        write("bin/index.js", 2000);
        write("dataVolume/plan.ts", 1000);
        write("startup/freshBuild.ts", 1000);
    });
    afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

    it("a build newer than every source runs", () => {
        assert.deepStrictEqual(staleSources(project, path.join(project, "bin", "index.js"), ["index.ts", "components/redis.ts"]), []);
        assert.doesNotThrow(() => requireFreshBuild(path.join(project, "bin", "index.js")));
    });

    it("without a bundle, every source is newer than it", () => {
        assert.deepStrictEqual(staleSources(project, path.join(project, "bin", "missing.js"), ["index.ts", "components/redis.ts"]), ["index.ts", "components/redis.ts"]);
    });

    it("checks every folder that tsconfig.build.json type-checks: the program's, and the class tool's with them", () => {
        const build = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "tsconfig.build.json"), "utf8")) as { include: string[] };
        assert.deepStrictEqual(build.include.map((glob) => path.dirname(glob.replace("/**", ""))).sort(), [...CLASS_TOOL_DIRS].sort());
        assert.deepStrictEqual(CLASS_TOOL_DIRS.filter((dir) => !PROGRAM_DIRS.includes(dir)), ["lab", "class"]);
        write("dataVolume/plan.ts", 3000);
        assert.throws(() => requireFreshBuild(path.join(project, "bin", "index.js")), /older than dataVolume\/plan\.ts:/);
    });

    it("an edited source, or a new one never built, stops the program and says to build", () => {
        write("components/redis.ts", 3000);
        // A new file is as new as its creation: only what imports it, edited too, brings it into the bundle.
        write("components/extra.ts", 3000);
        assert.throws(() => requireFreshBuild(path.join(project, "bin", "index.js")),
            /^Error: the program in bin\/ is older than components\/extra\.ts, components\/redis\.ts: run `npm run build` \(or `npm ci`\), then this command again\.$/);
    });

    it("the class tool, compiled, names its sources and the program's that are newer than bin/, subfolders included", () => {
        write("bin/class/main.js", 2000);
        write("class/main.ts", 1000);
        write("class/stacks/locks.ts", 3000);
        write("components/redis.ts", 3000);
        assert.deepStrictEqual(staleClassTool(path.join(project, "bin", "class", "main.js")), ["components/redis.ts", "class/stacks/locks.ts"]);
        assert.deepStrictEqual(staleClassTool(path.join(project, "class", "main.ts")), []);
        // The program does not run the tool's code: an edit there leaves `pulumi up` alone.
        write("components/redis.ts", 1000);
        assert.doesNotThrow(() => requireFreshBuild(path.join(project, "bin", "index.js")));
    });

    it("the TypeScript sources themselves (under the tests) are never checked", () => {
        write("index.ts", 3000);
        assert.doesNotThrow(() => requireFreshBuild(path.join(project, "index.ts")));
    });

    it("npm start builds only when bin/ is older than a source or a build input: right after npm ci, not again", () => {
        for (const bundle of BUNDLES) write(bundle, 2000);
        write("package.json", 1000);
        write("package-lock.json", 1000);
        write("class/main.ts", 1000);
        assert.deepStrictEqual(staleBuild(project), []);
        // The build's entry points, as package.json's build script names them, are the bundles checked.
        const buildScript = (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as { scripts: { build: string } }).scripts.build;
        const entries = /esbuild ((?:\S+\.ts )+)/.exec(buildScript)?.[1].trim().split(" ") ?? assert.fail(buildScript);
        assert.deepStrictEqual(entries.map((entry) => `bin/${entry.replace(/\.ts$/, ".js")}`), BUNDLES);
        write("class/stacks/locks.ts", 3000);
        write("package-lock.json", 3000);
        assert.deepStrictEqual(staleBuild(project), ["package-lock.json", "class/stacks/locks.ts"]);
        write("class/stacks/locks.ts", 1000);
        write("package-lock.json", 1000);
        // One bundle older than a source is enough; one missing, everything is stale.
        write("bin/lab/main.js", 500);
        assert.deepStrictEqual(staleBuild(project), ["package.json", "package-lock.json", "index.ts", "components/redis.ts", "dataVolume/plan.ts", "startup/freshBuild.ts", "class/main.ts", "class/stacks/locks.ts"]);
        fs.rmSync(path.join(project, "bin", "lab", "main.js"));
        assert.strictEqual(staleBuild(project).length, 8);
    });
});
