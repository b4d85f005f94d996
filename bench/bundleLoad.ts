// npm run bench:bundle: what loading the program's code costs a run, bundled (bin/, as `npm run
// build` makes it) against the baseline in the same run, the same sources compiled module by
// module (tsc's output, as `npm run build` made it until the bundle). Each load in a fresh
// process, @pulumi's packages loaded first (both variants load them alike), CPU time measured.
// Then @pulumi's packages themselves, with the program's preload (bin/startup/deferTypescript.js,
// Pulumi.yaml's nodeargs) against without it.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { median } from "./previewTiming";

const REPEATS = 7;
const ROOT = path.join(__dirname, "..");
const ENTRIES = ["index.js", "class/main.js", "lab/main.js"];

const PULUMI_PACKAGES = `for (const p of ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/random", "@pulumi/tls"]) require(p);`;

/** CPU milliseconds of requiring `file` in a fresh node, after @pulumi's packages. */
function loadCpu(file: string): number {
    return cpuOf(`${PULUMI_PACKAGES}\nconst t = process.cpuUsage(); require(${JSON.stringify(file)}); const u = process.cpuUsage(t);`);
}

/** CPU milliseconds of loading @pulumi's packages in a fresh node, with `nodeArgs`. */
function pulumiCpu(nodeArgs: string[]): number {
    return cpuOf(`const t = process.cpuUsage(); ${PULUMI_PACKAGES} const u = process.cpuUsage(t);`, nodeArgs);
}

function cpuOf(script: string, nodeArgs: string[] = []): number {
    // Run from the project, so that the packages resolve as they do for the program.
    const r = spawnSync(process.execPath, [...nodeArgs, "-e", `${script}\nprocess.stdout.write(String((u.user + u.system) / 1000));`], { cwd: ROOT, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${script} failed:\n${r.stderr}`);
    return Number(r.stdout);
}

function main(): void {
    for (const entry of [...ENTRIES, "startup/deferTypescript.js"]) {
        if (!fs.existsSync(path.join(ROOT, "bin", entry))) throw new Error(`bin/${entry} is missing: run npm run build first`);
    }
    // The baseline lives inside the project (its node_modules must resolve), in a folder removed after.
    const modules = fs.mkdtempSync(path.join(ROOT, ".bench-modules-"));
    try {
        const tsc = spawnSync("npx", ["tsc", "-p", "tsconfig.build.json", "--noEmit", "false", "--outDir", modules], { cwd: ROOT, encoding: "utf8" });
        if (tsc.status !== 0) throw new Error(`tsc failed:\n${tsc.stdout}${tsc.stderr}`);
        console.log(`CPU ms to load, median of ${REPEATS} fresh processes (${os.cpus().length} cores)`);
        console.log("entry              modules (tsc)   bundle   bundle/modules");
        for (const entry of ENTRIES) {
            const perModule: number[] = [], bundled: number[] = [];
            for (let i = 0; i < REPEATS; i++) {
                perModule.push(loadCpu(path.join(modules, entry)));
                bundled.push(loadCpu(path.join(ROOT, "bin", entry)));
            }
            const [m, b] = [median(perModule), median(bundled)];
            console.log(`${entry.padEnd(18)} ${m.toFixed(0).padStart(13)} ${b.toFixed(0).padStart(8)} ${(b / m).toFixed(2).padStart(16)}x`);
        }
        const preload = ["--require", path.join(ROOT, "bin", "startup", "deferTypescript.js")];
        const plain: number[] = [], deferred: number[] = [];
        for (let i = 0; i < REPEATS; i++) {
            plain.push(pulumiCpu([]));
            deferred.push(pulumiCpu(preload));
        }
        const [p, d] = [median(plain), median(deferred)];
        console.log("\nloading @pulumi's packages     plain   with the preload   preload/plain");
        console.log(`${"".padEnd(26)} ${p.toFixed(0).padStart(9)} ${d.toFixed(0).padStart(18)} ${(d / p).toFixed(2).padStart(15)}x`);
    } finally {
        fs.rmSync(modules, { recursive: true, force: true });
    }
}

main();
