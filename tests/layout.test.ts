// The house a newcomer walks into: a root that shows the architecture, a README that fits on
// two screens and names the two commands, and docs whose links lead somewhere.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

describe("layout and docs", () => {
    it("the root holds no TypeScript but index.ts and config.ts", () => {
        assert.deepStrictEqual(fs.readdirSync(ROOT).filter((f) => f.endsWith(".ts")).sort(), ["config.ts", "index.ts"]);
    });

    it("README.md is at most 12 KB and names npm start, npm stop and npm test", () => {
        const readme = read("README.md");
        assert.ok(Buffer.byteLength(readme) <= 12 * 1024, `README.md is ${Buffer.byteLength(readme)} bytes`);
        for (const command of ["npm ci && npm start", "npm stop", "npm test"]) assert.ok(readme.includes(command), command);
    });

    it("every relative link of the README and docs/ points to a file that exists", () => {
        const files = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
        const broken = files.flatMap((file) => [...read(file).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
            .map((m) => m[1])
            .filter((target) => !/^[a-z]+:/.test(target))
            .filter((target) => !fs.existsSync(path.join(ROOT, path.dirname(file), target)))
            .map((target) => `${file} → ${target}`));
        assert.deepStrictEqual(broken, []);
    });

    it("each document under docs/ has its line in the README", () => {
        const readme = read("README.md");
        for (const doc of fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md"))) {
            assert.ok(readme.includes(`(docs/${doc})`), `README.md does not link docs/${doc}`);
        }
    });
});
