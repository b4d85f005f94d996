// `pulumi preview` timings shared by the benchmarks: one preview of a deployed stack, and the
// baseline, an empty TypeScript program's preview on the same CLI and backend.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";

export function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

/** Milliseconds of one `pulumi preview`; fails loudly when the preview does. */
export function timedPreview(extra: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): number {
    const start = performance.now();
    const r = spawnSync("pulumi", ["preview", "--non-interactive", ...extra], { encoding: "utf8", cwd: opts.cwd, env: { ...process.env, ...opts.env } });
    if (r.status !== 0) throw new Error(`pulumi preview ${extra.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
    return performance.now() - start;
}

/**
 * A TypeScript project whose program registers nothing, as `pulumi new typescript` would make
 * it (type-checked at run time, the default), on the same CLI and backend; `remove` cleans up.
 */
export function emptyProject(): { dir: string; remove(): void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "monsterstack-bench-empty-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: bench-empty\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
    fs.copyFileSync(path.join(__dirname, "emptyProgram.ts"), path.join(dir, "index.ts"));
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "bench-empty", main: "index.ts" }));
    fs.symlinkSync(path.join(__dirname, "..", "node_modules"), path.join(dir, "node_modules"));
    const init = spawnSync("pulumi", ["stack", "init", "bench-empty", "--non-interactive"], { cwd: dir, encoding: "utf8" });
    if (init.status !== 0) throw new Error(init.stderr);
    return {
        dir,
        remove() {
            spawnSync("pulumi", ["stack", "rm", "bench-empty", "--yes", "--non-interactive"], { cwd: dir });
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
