// Which sources are newer than their build. The program and the trainer's tools run compiled
// (bin/, see Pulumi.yaml): `npm run build` bundles each entry point into one file (bin/index.js,
// bin/class/main.js, bin/lab/main.js), and a source newer than that file was not built into it.
// Only fs here: `npm start` asks (bin/startup/buildIsFresh.js) without loading @pulumi/pulumi.
import * as fs from "fs";
import * as path from "path";

/** The TypeScript sources newer than the bundle `compiledFile` (all of them when it is missing), as paths relative to `projectDir`. */
export function staleSources(projectDir: string, compiledFile: string, sources: string[]): string[] {
    const built = fs.existsSync(compiledFile) ? fs.statSync(compiledFile).mtimeMs : -Infinity;
    return sources.filter((source) => fs.statSync(path.join(projectDir, source)).mtimeMs > built);
}

/** The program's folders (each with its subfolders; "." alone without). */
export const PROGRAM_DIRS = [".", "core", "render", "components", "clusterReads", "dataVolume", "startup"];
/** What `npm run class` and `npm run lab` run: the program's folders and the tools' own. With PROGRAM_DIRS, what tsconfig.build.json type-checks (a unit test holds them equal). */
export const CLASS_TOOL_DIRS = [...PROGRAM_DIRS, "lab", "class"];
/** What `npm run build` makes, relative to the project. */
export const BUNDLES = ["bin/index.js", "bin/class/main.js", "bin/lab/main.js", "bin/startup/buildIsFresh.js", "bin/startup/deferTypescript.js"];
/** What else goes into a build: the build command itself, the dependencies bundled, the compiler's settings. */
const BUILD_INPUTS = ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json"];

export function sourcesIn(projectDir: string, dirs: string[]): string[] {
    // A folder the checkout lacks has no source to be newer than the build.
    const inDir = (dir: string) => (fs.existsSync(path.join(projectDir, dir)) ? fs.readdirSync(path.join(projectDir, dir), { recursive: dir !== "." }).map(String) : [])
        .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
        .map((f) => path.join(dir, f));
    return dirs.flatMap(inDir);
}

/**
 * The tools' sources newer than their build, when one runs compiled from `<project>/bin/<tool>/main.js`
 * (`compiledFile`); none when it runs from its TypeScript sources (the tests).
 */
export function staleClassTool(compiledFile: string): string[] {
    if (!compiledFile.endsWith(".js")) return [];
    const projectDir = path.dirname(path.dirname(path.dirname(compiledFile)));
    return staleSources(projectDir, compiledFile, sourcesIn(projectDir, CLASS_TOOL_DIRS));
}

/**
 * What `npm run build` would change: the sources and build inputs newer than the oldest bundle (all
 * of them when a bundle is missing). Empty: bin/ is this checkout's build, and building again is
 * seconds of CPU for nothing (as after `npm ci`, whose prepare step built it).
 */
export function staleBuild(projectDir: string): string[] {
    const bundles = BUNDLES.map((bundle) => path.join(projectDir, bundle));
    const oldest = bundles.find((bundle) => !fs.existsSync(bundle))
        ?? bundles.reduce((a, b) => (fs.statSync(a).mtimeMs <= fs.statSync(b).mtimeMs ? a : b));
    const inputs = BUILD_INPUTS.filter((file) => fs.existsSync(path.join(projectDir, file)));
    return staleSources(projectDir, oldest, [...inputs, ...sourcesIn(projectDir, CLASS_TOOL_DIRS)]);
}
