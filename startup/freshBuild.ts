// The program runs compiled (bin/, see Pulumi.yaml): refuse a build older than its sources,
// so that an edit never silently deploys the code from before it (./staleSources.ts).
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PROGRAM_DIRS, sourcesIn, staleSources } from "./staleSources";

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
