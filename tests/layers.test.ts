// The program's layers import one way: pure helpers at the bottom, then config, the cluster
// reads, the data plan, the components, index.ts, and the trainer's tools on top. A file that imports a layer
// above its own fails here, naming both.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..");

/** Each layer by the folder (or root file) that holds it, bottom first. */
export const LAYERS: Array<{ layer: string; holds: string[] }> = [
    { layer: "pure helpers", holds: ["core"] },
    { layer: "config", holds: ["config.ts", "startup"] },
    { layer: "cluster reads", holds: ["clusterReads"] },
    { layer: "data plan", holds: ["dataVolume"] },
    { layer: "components", holds: ["components"] },
    { layer: "the program", holds: ["render", "index.ts"] },
    { layer: "the trainee's lab", holds: ["lab"] },
    { layer: "the trainer's tools", holds: ["class"] },
    // Tests, benchmarks, scripts and the local cluster may use everything; nothing uses them.
    { layer: "tests and tools", holds: ["tests", "testing", "bench", "scripts", "e2e", "localcluster"] },
];

function layerOf(file: string): number {
    const top = path.relative(ROOT, file).split(path.sep)[0];
    const index = LAYERS.findIndex((l) => l.holds.includes(top));
    if (index < 0) throw new Error(`${path.relative(ROOT, file)} is in no layer: add its folder to LAYERS`);
    return index;
}

function sources(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) return ["node_modules", "bin", ".git"].includes(e.name) ? [] : sources(full);
        return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [full] : [];
    });
}

/** The project files `file` imports: static, dynamic and require(), relative paths only. */
export function localImports(file: string, text = fs.readFileSync(file, "utf8")): string[] {
    const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|^import\s+)["'](\.{1,2}\/[^"']+)["']/gm)].map((m) => m[1]);
    // "../config" is config.ts, and "./clusterReads" its folder's index.ts.
    return specs.map((s) => path.resolve(path.dirname(file), s))
        .map((t) => (path.extname(t) !== "" ? t : fs.existsSync(`${t}.ts`) || !fs.existsSync(t) ? `${t}.ts` : path.join(t, "index.ts")));
}

/** Every import that goes up a layer, as "file (layer) → target (layer)". */
export function upwardImports(files: string[], read = (file: string) => fs.readFileSync(file, "utf8")): string[] {
    return files.flatMap((file) => localImports(file, read(file))
        .filter((target) => layerOf(target) > layerOf(file))
        .map((target) => `${path.relative(ROOT, file)} (${LAYERS[layerOf(file)].layer}) → ${path.relative(ROOT, target)} (${LAYERS[layerOf(target)].layer})`));
}

describe("layers", () => {
    const files = sources(ROOT);

    it("every source file is in a layer, and none imports a layer above its own", () => {
        assert.ok(files.length > 50, `only ${files.length} files found`);
        assert.deepStrictEqual(upwardImports(files), []);
    });

    it("the pure helpers import nothing of the project but each other", () => {
        const core = files.filter((f) => layerOf(f) === 0);
        assert.ok(core.length >= 5, core.join(", "));
        for (const file of core) {
            for (const target of localImports(file)) assert.strictEqual(layerOf(target), 0, `${path.relative(ROOT, file)} imports ${path.relative(ROOT, target)}`);
        }
    });

    it("components/ holds ComponentResources only", () => {
        for (const file of files.filter((f) => path.relative(ROOT, f).startsWith(`components${path.sep}`))) {
            assert.match(fs.readFileSync(file, "utf8"), /extends pulumi\.ComponentResource/, `${path.relative(ROOT, file)} is not a component: its helpers belong in core/`);
        }
    });

    it("class/ builds its pods from plain values: no cast to a Kubernetes type", () => {
        for (const file of files.filter((f) => path.relative(ROOT, f).startsWith(`class${path.sep}`))) {
            assert.doesNotMatch(fs.readFileSync(file, "utf8"), /\bas (unknown as )?k8s\.V1/, `${path.relative(ROOT, file)} casts to a Kubernetes type`);
        }
    });

    it("catches an upward import, static or dynamic", () => {
        const quantities = path.join(ROOT, "core", "quantities.ts");
        const asIf = (text: string) => upwardImports([quantities], () => text);
        assert.deepStrictEqual(asIf('import { REDIS_PORT } from "../components/redis";'), ["core/quantities.ts (pure helpers) → components/redis.ts (components)"]);
        assert.strictEqual(asIf('const c = require("../config");').length, 1);
        assert.deepStrictEqual(asIf('import { cronProblem } from "./cron";'), []);
    });
});
