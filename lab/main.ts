// npm run lab [-- --stack NAME] [--lang en] [--json] [check]: the course's persistence exercise,
// each step judged on the live cluster and the stack's history; progress kept in stack tags.
import { assess } from "./assess";
import { reportProgress } from "./classReport";
import { labJson, renderLab } from "./render";
import { keepStep, readStack } from "./stack";
import { Lang, LANGS } from "./steps";
import { staleClassTool } from "../startup/staleSources";

const USAGE = "usage: npm run lab -- [check] [--stack NAME] [--lang fr|en] [--json]";

interface LabOptions { check: boolean; stack?: string; lang: Lang; json: boolean }

export function parseLabArgs(args: string[]): LabOptions {
    const options: LabOptions = { check: false, lang: "fr", json: false };
    for (let i = 0; i < args.length; i++) {
        const arg = args[i];
        const value = () => {
            const v = args[++i];
            if (v === undefined || v.startsWith("--")) throw new Error(`${arg} needs a value\n${USAGE}`);
            return v;
        };
        if (arg === "check") options.check = true;
        else if (arg === "--stack") options.stack = value();
        else if (arg === "--json") options.json = true;
        else if (arg === "--lang") {
            const lang = value();
            if (!(LANGS as readonly string[]).includes(lang)) throw new Error(`--lang ${lang}: expected one of ${LANGS.join(", ")}\n${USAGE}`);
            options.lang = lang as Lang;
        } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
    }
    return options;
}

async function main(): Promise<number> {
    const options = parseLabArgs(process.argv.slice(2));
    const stack = readStack(options.stack);
    const { judgement, before } = await assess(stack.config, stack.events, stack.tags, options.lang);
    for (const { id, record } of judgement.newlyDone) keepStep(stack.stack, id, record);
    if (stack.config.namespaceOwner === "class") {
        // The trainer cannot read this stack's backend: the class's namespace tells them.
        const progress = { ...before, ...Object.fromEntries(judgement.newlyDone.map(({ id, record }) => [id, record])) };
        await reportProgress(stack.config, progress).catch((err: Error) => {
            process.stderr.write(`npm run lab: your progress is kept in your stack, but the trainer will not see it: ${err.message}\n`);
        });
    }

    if (options.check) {
        // The step that was next before this run: done now, or what it still lacks, in one line.
        const step = judgement.steps.find((s) => before[s.id] === undefined);
        if (!step) { console.log(options.lang === "fr" ? "toutes les étapes sont faites" : "every step is done"); return 0; }
        console.log(`${step.id}: ${step.status === "done" ? "✔ " : ""}${step.detail}`);
        return step.status === "done" ? 0 : 1;
    }
    if (options.json) console.log(JSON.stringify(labJson(judgement), null, 2));
    else process.stdout.write(renderLab(judgement, { stack: stack.stack, namespace: stack.config.namespace }, options.lang));
    return 0;
}

if (require.main === module) {
    // Compiled, as package.json runs it: an edit not yet built must not run the code from before it.
    const stale = staleClassTool(__filename);
    if (stale.length > 0) {
        process.stderr.write(`npm run lab: the lab in bin/ is older than ${stale.join(", ")}: run \`npm run build\` (or \`npm ci\`), then this command again.\n`);
        process.exit(2);
    }
    main().then((code) => { process.exitCode = code; }, (err: Error) => {
        console.error(`npm run lab: ${err.message}`);
        process.exitCode = 2;
    });
}
