// The files the class tool keeps for a trainer (kubeconfigs, backups, stack settings) live
// under a directory the trainer chose, and hold what a trainee must never read. So: a
// trainee's name is a name, never a path; nothing below that directory is reached through a
// symbolic link, which could send a write or a chmod anywhere; directories are 0700 and files
// 0600 from the moment they exist, even where they existed before with another mode.
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";

export class PathError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PathError";
    }
}

/** Why `name` cannot name a trainee's folder or file, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
    if (name === "." || name === "..") return `${JSON.stringify(name)} is a path, not a name`;
    if (name === "" || /[/\\\0]/.test(name)) return `${JSON.stringify(name)} is not a name (no "/", "\\", or empty)`;
    return undefined;
}

/** `name`, when it names a trainee; otherwise a PathError that says which flag was wrong. */
export function requireName(flag: string, name: string): string {
    const problem = nameProblem(name);
    if (problem) throw new PathError(`${flag} ${name}: ${problem}: give a trainee's name as the roster has it`);
    return name;
}

const WORLD_WRITABLE = 0o002;
const STICKY = 0o1000;

/**
 * The trainer's directory (`--out`, `--to`, `--from`), resolved with the links in its own path
 * (a home directory under a link is fine), created if missing, and made 0700. A directory
 * others may write to (/tmp) is refused: it is nobody's own, and chmodding it would break it.
 */
export function privateRoot(flag: string, dir: string): string {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const real = fs.realpathSync(dir);
    const stat = fs.statSync(real);
    if (!stat.isDirectory()) throw new PathError(`${flag} ${dir}: not a directory`);
    if (stat.mode & WORLD_WRITABLE || stat.mode & STICKY) {
        throw new PathError(`${flag} ${dir}: a directory others may write to (mode ${(stat.mode & 0o7777).toString(8)}); name a folder of its own, such as ${path.join(dir, "class")}`);
    }
    fs.chmodSync(real, 0o700);
    return real;
}

/** What is at `file`, without following a link; undefined when nothing is. */
function entry(file: string): fs.Stats | undefined {
    try {
        return fs.lstatSync(file);
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw err;
    }
}

function refuseLink(file: string, stat: fs.Stats | undefined): void {
    if (stat?.isSymbolicLink()) throw new PathError(`${file} is a symbolic link: the class tool never reads or writes through one; remove it`);
}

/** `root/names...`, each a real directory (never a link), created and made 0700. */
export function privateSubdir(root: string, ...names: string[]): string {
    let dir = root;
    for (const name of names) {
        requireName("a folder", name);
        dir = path.join(dir, name);
        const stat = entry(dir);
        refuseLink(dir, stat);
        if (stat === undefined) fs.mkdirSync(dir, { mode: 0o700 });
        else if (!stat.isDirectory()) throw new PathError(`${dir} is not a directory`);
        fs.chmodSync(dir, 0o700);
    }
    return dir;
}

/** `root/names...` when it is a real directory under `root` (no link on the way), else undefined. */
export function existingSubdir(root: string, ...names: string[]): string | undefined {
    let dir = root;
    for (const name of names) {
        dir = path.join(dir, name);
        const stat = entry(dir);
        refuseLink(dir, stat);
        if (!stat?.isDirectory()) return undefined;
    }
    return dir;
}

const NEW_FILE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/** Creates `file`, which must not exist (not even as a link), with mode 0600 from the start. */
export function writeNew(file: string, data: string | Buffer): void {
    let fd: number;
    try {
        fd = fs.openSync(file, NEW_FILE, 0o600);
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new PathError(`${file} exists already: the class tool never writes over a file it did not just create`);
        throw err;
    }
    try {
        fs.fchmodSync(fd, 0o600);
        fs.writeFileSync(fd, data);
    } finally {
        fs.closeSync(fd);
    }
}

/**
 * Writes `file` anew: a 0600 file created beside it, then renamed over it. A link at its name
 * is refused, never followed; a reader never sees a half-written file, nor a looser mode.
 */
export function replacePrivate(file: string, data: string | Buffer): void {
    refuseLink(file, entry(file));
    const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString("hex")}`);
    writeNew(temporary, data);
    try {
        fs.renameSync(temporary, file);
    } catch (err) {
        fs.rmSync(temporary, { force: true });
        throw err;
    }
}

/** A regular file's contents, refusing a link at its name. */
export function readPlain(file: string): Buffer {
    let fd: number;
    try {
        fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ELOOP") refuseLink(file, entry(file));
        throw err;
    }
    try {
        if (!fs.fstatSync(fd).isFile()) throw new PathError(`${file} is not a regular file`);
        return fs.readFileSync(fd);
    } finally {
        fs.closeSync(fd);
    }
}

/** The regular files directly in `dir` (links and folders left out). */
export function plainFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
}
