// A stand-in `pulumi` found first on PATH while the enclosing mocha suite runs, for tests of what
// the class tool asks the CLI and how it runs it, without a real CLI or backend.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * Registers `before`/`after` hooks that write `script` (shell lines after `#!/bin/sh`, given the
 * stand-in's folder) as `pulumi` in a new folder put first on PATH, then restore PATH and remove
 * the folder. Returns the folder, known once `before` has run.
 */
export function standInPulumi(prefix: string, script: (dir: string) => string[]): () => string {
    let dir = "";
    let savedPath: string | undefined;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
        fs.writeFileSync(path.join(dir, "pulumi"), ["#!/bin/sh", ...script(dir)].join("\n"), { mode: 0o755 });
        savedPath = process.env.PATH;
        process.env.PATH = `${dir}:${savedPath}`;
    });
    after(() => {
        process.env.PATH = savedPath;
        fs.rmSync(dir, { recursive: true, force: true });
    });
    return () => dir;
}
