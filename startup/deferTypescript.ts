// Preloaded into every run of the program (Pulumi.yaml's nodeargs) and of npm run class and npm run lab (package.json).
// Pulumi's Node.js runtime requires the TypeScript compiler as it loads (runtime/closure/parseFunction.js,
// through typescript-shim.js) to serialise functions, which none of them asks of it: about 0.2 s of
// CPU per run, twice per `pulumi up` (docs/measurements.md). A stand-in in Node's module cache loads the
// compiler on first use instead, so code that does use it gets the real one.
import * as path from "path";
import { deferModule } from "./deferModule";

// As @pulumi/pulumi's typescript-shim.js resolves it (a project without typescript installed gets Pulumi's vendored copy, left alone).
let pulumiDir: string | undefined;
try {
    pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [__dirname] }));
} catch {
    pulumiDir = undefined;
}
if (pulumiDir) deferModule("typescript", pulumiDir);
// Pulumi's program runner (cmd/run/index.js) also requires source-map-support/register, to map the stack
// traces it records of each resource through source maps. The program's bundle has none (bin/ is built
// without them), so it only maps @pulumi's own frames: about 0.15 s of CPU per run, for traces that
// point into @pulumi's compiled files instead of its TypeScript sources. Nothing uses what it exports.
if (pulumiDir) deferModule("source-map-support/register", pulumiDir);
