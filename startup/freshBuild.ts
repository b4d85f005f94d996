// The program runs compiled (bin/, see Pulumi.yaml): refuse a build older than its sources,
// so that an edit never silently deploys the code from before it. `npm run build` bundles each
// entry point into one file (bin/index.js, bin/class/main.js, bin/lab/main.js): a source newer
// than that file was not built into it.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** The TypeScript sources newer than the bundle `compiledFile` (all of them when it is missing), as paths relative to `projectDir`. */
export function staleSources(projectDir: string, compiledFile: string, sources: string[]): string[] {
    const built = fs.existsSync(compiledFile) ? fs.statSync(compiledFile).mtimeMs : -Infinity;
    return sources.filter((source) => fs.statSync(path.join(projectDir, source)).mtimeMs > built);
}

/** The program's folders (each with its subfolders; "." alone without). */
export const PROGRAM_DIRS = [".", "core", "render", "components", "clusterReads", "dataVolume", "startup"];
/** What `npm run class` and `npm run lab` run: the program's folders and the tools' own. With PROGRAM_DIRS, what tsconfig.build.json type-checks (a unit test holds them equal). */
export const CLASS_TOOL_DIRS = [...PROGRAM_DIRS, "lab", "class"];

function sourcesIn(projectDir: string, dirs: string[]): string[] {
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
 * Called by the compiled program (`compiledFile` = bin/index.js); does nothing when the
 * program runs from its TypeScript sources (the tests).
 */
export function requireFreshBuild(compiledFile: string): void {
    if (!compiledFile.endsWith(".js")) return;
    const buildDir = path.dirname(compiledFile);
    const projectDir = path.dirname(buildDir);
    const stale = staleSources(projectDir, compiledFile, sourcesIn(projectDir, PROGRAM_DIRS));
    if (stale.length > 0) {
        throw new pulumi.RunError(`the program in ${path.relative(projectDir, buildDir)}/ is older than ${stale.join(", ")}: ` +
            "run `npm run build` (or `npm ci`), then this command again.");
    }
}
