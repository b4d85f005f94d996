// The class roster: one trainee per line, a stack name and optional `key=value` overrides.
// Every trainee's config goes through the program's own validation (config.ts), with the same
// messages, and every bad line is refused, with its number, before any stack is touched.
import { CONFIG_KEYS, defaultNamespace, MonsterstackConfig, parseConfig } from "../config";
import { nameProblem } from "./privateFiles";

export interface Trainee {
    /** 1-based line of the roster. */
    line: number;
    stack: string;
    /** The config the stack gets: `--config` values, then the roster's overrides. */
    config: Record<string, string>;
    /** The same, validated. */
    parsed: MonsterstackConfig;
}

/** Pulumi's own rule for a stack name. */
const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

export class RosterError extends Error {
    constructor(readonly problems: string[]) {
        super(problems.join("\n"));
        this.name = "RosterError";
    }
}

/** `key=value` pairs (from `--config` or a roster line); the key without its `monsterstack:` prefix. */
export function parseAssignments(items: string[], where: (item: string) => string): { values: Record<string, string>; problems: string[] } {
    const values: Record<string, string> = {};
    const problems: string[] = [];
    for (const item of items) {
        const eq = item.indexOf("=");
        const key = (eq > 0 ? item.slice(0, eq) : "").replace(/^monsterstack:/, "");
        if (eq <= 0) {
            problems.push(`${where(item)}: ${JSON.stringify(item)} is not key=value`);
        } else if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
            problems.push(`${where(item)}: unknown config key monsterstack:${key}: expected one of ${CONFIG_KEYS.join(", ")}`);
        } else {
            values[key] = item.slice(eq + 1);
        }
    }
    return { values, problems };
}

/** Parses a roster against the class-wide `--config` values; throws a RosterError listing every bad line. */
export function parseRoster(text: string, file: string, common: Record<string, string>): Trainee[] {
    const trainees: Trainee[] = [];
    const problems: string[] = [];
    /** Lines by name in lower case: a case-insensitive file system gives Alice and alice one folder and one kubeconfig. */
    const seen = new Map<string, { line: number; stack: string }>();
    text.split("\n").forEach((raw, index) => {
        const line = index + 1;
        const at = `${file}:${line}`;
        const words = raw.replace(/#.*$/, "").trim().split(/\s+/).filter((w) => w !== "");
        if (words.length === 0) return;
        const [stack, ...rest] = words;
        if (!STACK_NAME.test(stack)) {
            problems.push(`${at}: ${JSON.stringify(stack)} is not a valid stack name (letters, digits, '-', '_' and '.', at most 100)`);
            return;
        }
        const notAName = nameProblem(stack);
        if (notAName) {
            problems.push(`${at}: ${notAName}: a trainee's name becomes a folder and a file name, so it cannot be . or ..`);
            return;
        }
        const earlier = seen.get(stack.toLowerCase());
        if (earlier) {
            problems.push(earlier.stack === stack
                ? `${at}: trainee ${stack} is already on line ${earlier.line}`
                : `${at}: trainee ${stack} differs from ${earlier.stack} (line ${earlier.line}) only in case: on a case-insensitive file system they would share a folder of backups and a kubeconfig; rename one`);
            return;
        }
        seen.set(stack.toLowerCase(), { line, stack });
        const overrides = parseAssignments(rest, () => at);
        problems.push(...overrides.problems);
        if (overrides.problems.length > 0) return;
        const config = { ...common, ...overrides.values };
        try {
            trainees.push({ line, stack, config, parsed: parseConfig(config, stack) });
        } catch (err) {
            problems.push(`${at}: ${(err as Error).message}`);
        }
    });
    if (problems.length > 0) throw new RosterError(problems);
    if (trainees.length === 0) throw new RosterError([`${file}: no trainee (one stack name per line)`]);
    return trainees;
}

/**
 * The trainees whose namespace another trainee of the roster has, each with the reason: two
 * stacks never share one. Run side by side, the first to create it would take it, and the
 * program would refuse the other; so the one whose namespace is its default keeps it (else the
 * earliest line), and the others fail alone, before their stack is touched.
 */
export function namespaceClashes(trainees: Trainee[]): Map<string, string> {
    const refused = new Map<string, string>();
    const byNamespace = new Map<string, Trainee[]>();
    for (const t of trainees) byNamespace.set(t.parsed.namespace, [...(byNamespace.get(t.parsed.namespace) ?? []), t]);
    for (const [namespace, sharing] of byNamespace) {
        if (sharing.length < 2) continue;
        const keeper = sharing.find((t) => defaultNamespace(t.stack) === namespace) ?? sharing[0];
        for (const t of sharing.filter((x) => x !== keeper)) {
            refused.set(t.stack, `monsterstack:namespace = ${JSON.stringify(namespace)} is trainee ${keeper.stack}'s (line ${keeper.line}): ` +
                `two stacks never share a namespace; give ${t.stack} a namespace of its own, or none for ${defaultNamespace(t.stack)}`);
        }
    }
    return refused;
}
