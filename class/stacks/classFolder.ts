// Where a class keeps its trainees' stack settings (`Pulumi.<trainee>.yaml`): a folder of its
// own beside the roster, `class-stacks/`, never the project's work tree. Every roster of that
// directory shares it (a roster of the whole class, another of two trainees to redo): one
// trainee's stack has one set of settings. Pulumi reads a
// stack's settings next to the project file it runs, so that folder holds a copy of the
// project's Pulumi.yaml whose `main:` points back at the program. Pulumi then runs the program
// in the project's directory, as before: relative paths in a roster mean what they meant.
import * as k8s from "@kubernetes/client-node";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, CONFIG_NAMESPACE, parseConfig } from "../../config";
import type { Trainee } from "../roster";
import { privateRoot, readPlain, replacePrivate } from "../privateFiles";

export const CLASS_FOLDER_NAME = "class-stacks";

/** The class's folder for a roster file: `class-stacks/`, beside it. */
export function classFolderOf(roster: string): string {
    return path.join(path.dirname(path.resolve(roster)), CLASS_FOLDER_NAME);
}

/**
 * The project's Pulumi.yaml, made to run from `classFolder`: the same file with a `main:`
 * naming the project's directory, relative to that folder (Pulumi joins it to the folder).
 */
export function classProjectFile(projectFile: string, classFolder: string, projectDir: string): string {
    if (/^main:/m.test(projectFile)) throw new Error("the project's Pulumi.yaml already sets main:, which the class's copy must set");
    const main = path.relative(classFolder, projectDir) || ".";
    const lines = projectFile.split("\n");
    const name = lines.findIndex((l) => l.startsWith("name:"));
    if (name < 0) throw new Error("the project's Pulumi.yaml has no name:");
    lines.splice(name + 1, 0, "# Written by `npm run class`: the program is the project's, the stacks' settings are this folder's.", `main: ${JSON.stringify(main)}`);
    return lines.join("\n");
}

/**
 * Makes the class's folder (0700: the settings may hold a kubeconfig, encrypted or as a
 * path), writes its Pulumi.yaml, and brings along a trainee's settings that an earlier
 * version of the tool kept in the project's directory (copied, with the salt their secrets
 * need; the old file is left for the trainer to delete). Returns the folder.
 */
export function prepareClassFolder(roster: string, projectDir: string, stacks: string[]): { folder: string; copied: string[] } {
    const folder = privateRoot("--roster's stacks folder", classFolderOf(roster));
    replacePrivate(path.join(folder, "Pulumi.yaml"), classProjectFile(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"), folder, projectDir));
    const copied: string[] = [];
    for (const stack of stacks) {
        const old = path.join(projectDir, `Pulumi.${stack}.yaml`);
        const here = path.join(folder, `Pulumi.${stack}.yaml`);
        if (!fs.existsSync(here) && fs.existsSync(old) && fs.lstatSync(old).isFile()) {
            replacePrivate(here, fs.readFileSync(old));
            copied.push(old);
        }
    }
    return { folder, copied };
}

/**
 * Each trainee's stack id (components/stackId.ts), as the class last saw it in the stack's
 * outputs. A destroy takes the outputs with it, and `down --purge` may come later: it needs
 * the id to take only volumes of this class's own stacks.
 */
const STACK_IDS_FILE = "stack-ids.json";

export function rememberedStackIds(folder: string): Record<string, string> {
    const file = path.join(folder, STACK_IDS_FILE);
    if (!fs.existsSync(file)) return {};
    const value: unknown = JSON.parse(readPlain(file).toString("utf8"));
    if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
    return Object.fromEntries(Object.entries(value).filter(([, id]) => typeof id === "string" && /^[0-9a-f]{16}$/.test(id)));
}

/** Adds or replaces the ids given (those known); the others stay. */
export function rememberStackIds(folder: string, ids: Array<{ trainee: string; stackId?: string }>): void {
    const known = ids.filter((i): i is { trainee: string; stackId: string } => i.stackId !== undefined && /^[0-9a-f]{16}$/.test(i.stackId));
    if (known.length === 0) return;
    const all = { ...rememberedStackIds(folder), ...Object.fromEntries(known.map((i) => [i.trainee, i.stackId])) };
    replacePrivate(path.join(folder, STACK_IDS_FILE), JSON.stringify(all, null, 2) + "\n");
}

/**
 * The plain settings the class deployed a trainee's stack with, from its `Pulumi.<trainee>.yaml`
 * in the class's folder (secrets, kept encrypted there, are left out); {} when there is none.
 */
export function deployedSettings(folder: string, stack: string): Record<string, string> {
    const file = path.join(folder, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) return {};
    const parsed = k8s.loadYaml<{ config?: Record<string, unknown> }>(readPlain(file).toString("utf8"));
    const prefix = `${CONFIG_NAMESPACE}:`;
    return Object.fromEntries(Object.entries(parsed?.config ?? {})
        .filter(([key, value]) => key.startsWith(prefix) && ["string", "number", "boolean"].includes(typeof value))
        .map(([key, value]) => [key.slice(prefix.length), String(value)]));
}

/**
 * A trainee as the class deployed them: the settings of their last `up`, overridden by this
 * command's roster line and `--config`. What the class's own tools run in a trainee's
 * namespace (the isolation probe, the reader of scheduled backups) takes its image from here:
 * the trainer's settings, never a pod the trainee may edit. A command that does not repeat
 * `up`'s `--config redisImage=...` still gets the image the class deployed.
 */
export function asDeployed(trainee: Trainee, folder: string): Trainee {
    const config = { ...deployedSettings(folder, trainee.stack), ...trainee.config };
    try {
        return { ...trainee, config, parsed: parseConfig(config, trainee.stack) };
    } catch (err) {
        if (err instanceof ConfigError) return trainee;
        throw err;
    }
}
