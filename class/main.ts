// npm run class -- up|preview|status|down|unlock|backup|restore --roster <file> [--parallel N] ...
// A trainer's tool: the same program, one stack per trainee of the roster, N at a time; and
// each trainee's data saved to the trainer's disk and put back.
import * as fs from "fs";
import * as path from "path";
import * as readline from "readline";
import { PROJECT } from "../config";
import { purgeVolume, retainedVolumes } from "./stacks/purge";
import { Interruption } from "./interruption";
import { notEnforcedWarning, probeIsolation, probePair } from "./stacks/isolationProbe";
import { ProgressLines, jsonRecord, table } from "./report";
import { namespaceClashes, parseAssignments, parseRoster, RosterError, Trainee } from "./roster";
import { DEFAULT_BACKUP_DIR } from "./data/backupFiles";
import { privateRoot, replacePrivate, requireName } from "./privateFiles";
import { DataOptions, runDataCommand } from "./data/commands";
import { backendUrl, Command, firstLine, missingPassphrase, Outcome, PROJECT_DIR, refusedOutcome, runTrainee } from "./stacks/traineeStack";
import { pool } from "./pool";
import { staleClassTool } from "../startup/staleSources";
import { asDeployed, classFolderOf, prepareClassFolder, rememberedStackIds, rememberStackIds } from "./stacks/classFolder";

const USAGE = `usage: npm run class -- up --roster <file> [--parallel N] [--config key=value]... [--json] [--out DIR]
       npm run class -- preview|status|down --roster <file> [--parallel N] [--json]
       npm run class -- down --roster <file> --purge [--yes]     (also deletes retained data)
       npm run class -- unlock --roster <file> [--json]          (clears the locks of runs that are gone)
       npm run class -- backup --roster <file> [--to DIR] [--parallel N] [--json]
       npm run class -- restore --roster <file> [--from DIR] [--trainee NAME] [--source NAME] [--at FILE] [--json]
       npm run class -- restore --roster <file> --in-cluster [--trainee NAME] [--at NAME] [--json]`;

const STACK_COMMANDS = ["up", "preview", "status", "down", "unlock"];
const DATA_COMMANDS = ["backup", "restore"];

interface Options {
    command: Command | DataOptions["command"];
    roster: string;
    parallel: number;
    config: string[];
    json: boolean;
    out: string;
    purge: boolean;
    yes: boolean;
    /** backup --to, restore --from. */
    dir?: string;
    trainee?: string;
    source?: string;
    at?: string;
    inCluster?: boolean;
}

function fail(message: string): never {
    process.stderr.write(`class: ${message}\n${USAGE}\n`);
    process.exit(2);
}

export function parseArgs(argv: string[]): Options {
    const [command, ...rest] = argv;
    if (![...STACK_COMMANDS, ...DATA_COMMANDS].includes(command)) fail(`unknown command ${JSON.stringify(command ?? "")}`);
    const options: Options = { command: command as Options["command"], roster: "", parallel: 4, config: [], json: false, out: "class-kubeconfigs", purge: false, yes: false };
    for (let i = 0; i < rest.length; i++) {
        const flag = rest[i];
        const value = () => rest[++i] ?? fail(`${flag} needs a value`);
        if (flag === "--roster") options.roster = value();
        else if (flag === "--parallel") {
            const n = value();
            if (!/^[1-9]\d*$/.test(n)) fail(`--parallel ${n}: expected a whole number from 1`);
            options.parallel = Number(n);
        } else if (flag === "--config") options.config.push(value());
        else if (flag === "--out") options.out = value();
        else if (flag === "--json") options.json = true;
        else if (flag === "--purge") options.purge = true;
        else if (flag === "--yes") options.yes = true;
        else if (flag === "--to" && command === "backup") options.dir = value();
        else if (flag === "--from" && command === "restore") options.dir = value();
        else if (flag === "--trainee" && command === "restore") options.trainee = value();
        else if (flag === "--source" && command === "restore") options.source = value();
        else if (flag === "--at" && command === "restore") options.at = value();
        else if (flag === "--in-cluster" && command === "restore") options.inCluster = true;
        else fail(`unknown option ${flag}${["--to", "--from", "--trainee", "--source", "--at", "--in-cluster"].includes(flag) ? ` for ${command}` : ""}`);
    }
    if (options.inCluster && options.source !== undefined) fail("--in-cluster restores each trainee from their own claim redis-backups: no --source");
    if (options.source !== undefined && options.trainee === undefined) fail("--source NAME goes with --trainee NAME: the trainee who gets a copy of NAME's data");
    if (!options.roster) fail("--roster <file> is required");
    if (options.config.length > 0 && options.command !== "up" && options.command !== "preview") fail("--config goes with up or preview");
    if (DATA_COMMANDS.includes(options.command) && options.out !== "class-kubeconfigs") fail(`--out goes with up or status`);
    if (options.purge && options.command !== "down") fail("--purge goes with down");
    return options;
}

/** Writes the trainee's kubeconfig, mode 0600 from its creation in a 0700 directory, never through a link; returns its path. */
function writeKubeconfig(root: string, trainee: string, text: string): string {
    const file = path.join(root, `${requireName("a trainee", trainee)}.kubeconfig`);
    replacePrivate(file, text);
    return file;
}

async function confirm(question: string): Promise<boolean> {
    if (!process.stdin.isTTY) return false;
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    const answer = await new Promise<string>((resolve) => rl.question(question, resolve));
    rl.close();
    return answer.trim() === "yes";
}

async function purge(trainees: Trainee[], outcomes: Outcome[], stackIds: Record<string, string>, yes: boolean): Promise<void> {
    const destroyed = trainees.filter((t, i) => outcomes[i].status === "ok");
    const volumes = await Promise.all(destroyed.map(async (t) => ({ trainee: t, volumes: await retainedVolumes(t, PROJECT, stackIds[t.stack]) })));
    const kept = volumes.filter((v) => v.volumes.length > 0);
    if (kept.length === 0) {
        process.stderr.write("purge: no retained data left\n");
        return;
    }
    const list = kept.map((k) => `${k.trainee.stack} (${k.volumes.join(", ")})`).join(", ");
    if (!yes && !await confirm(`Delete for good the retained data of ${list}? Type yes: `)) {
        process.stderr.write(`purge: not confirmed; the retained data of ${list} is kept (--yes to purge without asking)\n`);
        process.exitCode = 1;
        return;
    }
    for (const k of kept) {
        for (const volume of k.volumes) await purgeVolume(k.trainee, volume);
        process.stderr.write(`purge: ${k.trainee.stack}: ${k.volumes.join(", ")} set to Delete; the provisioner deletes them and their data\n`);
    }
}

/**
 * With tenancy on for two trainees or more: one probe, from the first one's namespace with
 * their rights, to the second one's Redis; the verdict goes to every trainee with tenancy.
 */
async function measureIsolation(trainees: Trainee[], outcomes: Outcome[], classFolder: string): Promise<void> {
    const pair = probePair(outcomes.filter((o) => o.status === "ok"));
    if (!pair) return;
    // As the class deployed them: the probe's image is the class's setting.
    const [from, to] = pair.map((o) => asDeployed(trainees.find((t) => t.stack === o.trainee)!, classFolder));
    const { isolation, detail } = await probeIsolation(from, pair[0].kubeconfigText!, to);
    for (const o of outcomes) if (o.kubeconfigText !== undefined) o.networkIsolation = isolation;
    process.stderr.write(isolation === "not enforced" ? `${notEnforcedWarning(detail)}\n` : `network isolation: ${isolation}: ${detail}\n`);
}

async function main(): Promise<void> {
    const options = parseArgs(process.argv.slice(2));
    const common = parseAssignments(options.config, (item) => `--config ${item}`);
    let trainees: Trainee[];
    try {
        if (common.problems.length > 0) throw new RosterError(common.problems);
        trainees = parseRoster(fs.readFileSync(options.roster, "utf8"), options.roster, common.values);
    } catch (err) {
        if (err instanceof RosterError) fail(`nothing was touched:\n${err.message}`);
        throw err;
    }

    if (options.command === "backup" || options.command === "restore") {
        const data: DataOptions = { command: options.command, parallel: options.parallel, json: options.json, dir: options.dir ?? DEFAULT_BACKUP_DIR, trainee: options.trainee, source: options.source, at: options.at, inCluster: options.inCluster };
        try {
            // The trainees as the class deployed them: their reader pod runs the class's Redis image.
            return await runDataCommand(trainees.map((t) => asDeployed(t, classFolderOf(options.roster))), data);
        } catch (err) {
            fail(`nothing was touched: ${(err as Error).message}`);
        }
    }
    const command: Command = options.command;

    // Not logged in, or no passphrase for a file backend: every trainee would fail alike.
    const backend = await backendUrl().then((url) => ({ url }), (err) => ({ error: firstLine(err) }));
    const refusal = "error" in backend ? `\`pulumi whoami\` failed (run \`pulumi login\` first): ${backend.error}` : missingPassphrase(backend.url, process.env);
    if (refusal) {
        process.stderr.write(`class: nothing was touched: ${refusal}\n`);
        process.exit(2);
    }

    // Where the trainees' kubeconfigs go, checked before any stack is touched.
    let out = "";
    try {
        if ((command === "up" || command === "status") && trainees.some((t) => t.parsed.tenancy !== "off")) out = privateRoot("--out", options.out);
    } catch (err) {
        fail(`nothing was touched: ${(err as Error).message}`);
    }
    // The trainees' stack settings live in the class's own folder, beside the roster.
    let classFolder = "";
    try {
        const prepared = prepareClassFolder(options.roster, PROJECT_DIR, trainees.map((t) => t.stack));
        classFolder = prepared.folder;
        for (const old of prepared.copied) process.stderr.write(`class: ${old} copied into ${classFolder}/, which now holds this class's stack settings; the old file can go\n`);
    } catch (err) {
        fail(`nothing was touched: ${(err as Error).message}`);
    }
    const progress = new ProgressLines(trainees.map((t) => t.stack), process.stderr.isTTY === true, (s) => process.stderr.write(s));
    const interruption = new Interruption((line) => progress.note(line), "stacks", "url" in backend ? backend.url : "");
    interruption.listen();
    // Only up and preview register anything; a trainee refused here is left untouched.
    const clashes = command === "up" || command === "preview" ? namespaceClashes(trainees) : new Map<string, string>();
    const context = { signal: interruption.signal, backendUrl: "url" in backend ? backend.url : "", unlockCommand: `npm run class -- unlock --roster ${options.roster}`, classFolder };
    const outcomes = await pool(trainees, options.parallel, async (t) => {
        const clash = clashes.get(t.stack);
        if (clash === undefined) return runTrainee(t, command, { ...context, onRunning: interruption.tracking(t.stack) }, (p) => progress.update(t.stack, p));
        progress.update(t.stack, { stage: "failed", resources: 0 });
        return refusedOutcome(t, clash);
    });
    // A status without the --config that made the stacks tenancy-on still gets their kubeconfigs: into --out, never the work tree.
    if (out === "" && outcomes.some((o) => o.kubeconfigText !== undefined)) {
        try {
            out = privateRoot("--out", options.out);
        } catch (err) {
            fail((err as Error).message);
        }
    }
    const kubeconfigs = outcomes.map((o) => (o.kubeconfigText ? writeKubeconfig(out, o.trainee, o.kubeconfigText) : undefined));
    rememberStackIds(classFolder, outcomes);
    if ((command === "up" || command === "status") && !interruption.signal.aborted) await measureIsolation(trainees, outcomes, classFolder);

    if (command === "down") {
        const kept = outcomes.filter((o) => o.status === "ok" && o.reclaimPolicy === "Retain").map((o) => o.trainee);
        if (kept.length > 0 && !options.purge) {
            process.stderr.write(`data kept (reclaimPolicy Retain): ${kept.join(", ")}; \`down --purge\` deletes it\n`);
        }
        if (options.purge) await purge(trainees, outcomes, rememberedStackIds(classFolder), options.yes);
    }
    if (options.json) {
        process.stdout.write(JSON.stringify(outcomes.map((o, i) => jsonRecord(o, kubeconfigs[i])), null, 2) + "\n");
    } else {
        process.stdout.write(table(outcomes));
    }
    const failed = outcomes.filter((o) => o.status === "failed");
    if (failed.length > 0) {
        process.stderr.write(`failed: ${failed.map((o) => `${o.trainee} (${o.error})`).join("; ")}\n`);
        process.exitCode = 1;
    }
    if (interruption.signal.aborted) {
        const stopped = outcomes.filter((o) => o.status === "cancelled").map((o) => o.trainee);
        process.stderr.write(`cancelled by ${String(interruption.signal.reason)}: ${stopped.join(", ") || "none"}; no stack is left locked by this run\n`);
        process.exitCode = 130;
    }
}

if (require.main === module) {
    // Compiled, as package.json runs it: an edit not yet built must not run the code from before it.
    const stale = staleClassTool(__filename);
    if (stale.length > 0) {
        process.stderr.write(`class: the tool in bin/ is older than ${stale.join(", ")}: run \`npm run build\` (or \`npm ci\`), then this command again.\n`);
        process.exit(1);
    }
    main().catch((err) => {
        process.stderr.write(`class: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
        process.exit(1);
    });
}
