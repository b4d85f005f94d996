// The program runs compiled (bin/, see Pulumi.yaml): refuse a build older than its sources,
// so that an edit never silently deploys the code from before it.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** The TypeScript sources whose compiled file is missing or older, as paths relative to `projectDir`. */
export function staleSources(projectDir: string, buildDir: string, sources: string[]): string[] {
    return sources.filter((source) => {
        const compiled = path.join(buildDir, source.replace(/\.ts$/, ".js"));
        return !fs.existsSync(compiled) || fs.statSync(path.join(projectDir, source)).mtimeMs > fs.statSync(compiled).mtimeMs;
    });
}

/** The program's folders, as tsconfig.build.json compiles them (a unit test holds them equal). */
export const PROGRAM_DIRS = [".", "core", "render", "components", "clusterReads", "dataVolume", "startup"];

function programSources(projectDir: string): string[] {
    // A folder the checkout lacks has no source to be newer than the build.
    const inDir = (dir: string) => (fs.existsSync(path.join(projectDir, dir)) ? fs.readdirSync(path.join(projectDir, dir)) : [])
        .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
        .map((f) => path.join(dir, f));
    return PROGRAM_DIRS.flatMap(inDir);
}

/**
 * Called by the compiled program (`compiledFile` = bin/index.js); does nothing when the
 * program runs from its TypeScript sources (the tests).
 */
export function requireFreshBuild(compiledFile: string): void {
    if (!compiledFile.endsWith(".js")) return;
    const buildDir = path.dirname(compiledFile);
    const projectDir = path.dirname(buildDir);
    const stale = staleSources(projectDir, buildDir, programSources(projectDir));
    if (stale.length > 0) {
        throw new pulumi.RunError(`the program in ${path.relative(projectDir, buildDir)}/ is older than ${stale.join(", ")}: ` +
            "run `npm run build` (or `npm ci`), then this command again.");
    }
}
