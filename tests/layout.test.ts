// The house a newcomer walks into: a root that shows the architecture, a README that fits on
// two screens and names the two commands, and docs whose links lead somewhere.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

describe("layout and docs", () => {
    it("a unit test in a folder of tests/ is named after the module it tests: tests/<path>.test.ts tests <path>.ts (or the shell script <path>.sh, or the Go program in folder <path>)", () => {
        const inFolders = (dir: string): string[] => fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
            e.isDirectory() ? inFolders(path.join(dir, e.name)) : dir !== "tests" && e.name.endsWith(".test.ts") ? [path.join(dir, e.name)] : []);
        const tests = inFolders("tests");
        assert.ok(tests.length >= 5, tests.join(", "));
        const tested = (t: string) => path.join(ROOT, t.replace(/^tests\//, "").replace(/\.test\.ts$/, ""));
        const orphans = tests.filter((t) => !fs.existsSync(`${tested(t)}.ts`) && !fs.existsSync(`${tested(t)}.sh`) && !fs.existsSync(path.join(tested(t), "main.go")));
        assert.deepStrictEqual(orphans, []);
    });

    it("the root holds no TypeScript but index.ts and config.ts", () => {
        assert.deepStrictEqual(fs.readdirSync(ROOT).filter((f) => f.endsWith(".ts")).sort(), ["config.ts", "index.ts"]);
    });

    it("README.md is at most 12 KB and names npm start, npm stop and npm test", () => {
        const readme = read("README.md");
        assert.ok(Buffer.byteLength(readme) <= 12 * 1024, `README.md is ${Buffer.byteLength(readme)} bytes`);
        for (const command of ["npm ci && npm start", "npm stop", "npm test"]) assert.ok(readme.includes(command), command);
    });

    it("every relative link of the README and docs/ points to a file that exists, and to a heading of it", () => {
        const files = ["README.md", "localcluster/README.md", ...fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
        // GitHub's anchors: the heading in lower case, without punctuation, spaces as dashes.
        const anchors = (file: string) => [...read(file).matchAll(/^#+ (.*)$/gm)]
            .map((m) => m[1].toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-"));
        const broken = files.flatMap((file) => [...read(file).matchAll(/\]\(([^)#\s]*)(?:#([^)\s]*))?\)/g)]
            .filter((m) => !/^[a-z]+:/.test(m[1]))
            .filter((m) => {
                const target = m[1] === "" ? file : path.join(path.dirname(file), m[1]);
                if (!fs.existsSync(path.join(ROOT, target))) return true;
                return m[2] !== undefined && target.endsWith(".md") && !anchors(target).includes(m[2]);
            })
            .map((m) => `${file} → ${m[1]}${m[2] ? `#${m[2]}` : ""}`));
        assert.deepStrictEqual(broken, []);
    });

    it("each document under docs/ has its line in the README", () => {
        const readme = read("README.md");
        for (const doc of fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md"))) {
            assert.ok(readme.includes(`(docs/${doc})`), `README.md does not link docs/${doc}`);
        }
    });
});
