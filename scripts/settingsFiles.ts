// The files that show the stack settings to a user, made from SETTINGS (config.ts): the
// `config:` block of Pulumi.yaml (what `pulumi up` runs with) and the README's table.
// `npm run settings` writes them; tests/settings.test.ts fails when they differ.
import * as fs from "fs";
import * as path from "path";
import { CONFIG_KEYS, Setting, SETTINGS } from "../config";

const ROOT = path.join(__dirname, "..");
export const PULUMI_YAML = path.join(ROOT, "Pulumi.yaml");
export const README = path.join(ROOT, "README.md");
const TABLE_BEGIN = "<!-- settings:begin -->";
const TABLE_END = "<!-- settings:end -->";
const CONFIG_HEADER = "# Generated from SETTINGS in config.ts by `npm run settings`; a unit test fails when they differ.\nconfig:\n";

const setting = (key: string): Setting => SETTINGS[key as keyof typeof SETTINGS];

/** Pulumi.yaml's `config:` block. */
export function pulumiYamlConfig(): string {
    const lines = CONFIG_KEYS.map((key) => {
        const s = setting(key);
        return [
            `  ${key}:`,
            `    type: ${s.type}`,
            ...(s.type === "array" ? ["    items:", "      type: string"] : []),
            `    description: ${JSON.stringify(describe(s))}`,
            `    default: ${JSON.stringify(s.default)}`,
        ].join("\n");
    });
    return CONFIG_HEADER + lines.join("\n") + "\n";
}

/** The description with what may be set and what unset means: the same words in both files. */
export function describe(s: Setting): string {
    const allowed = s.allowed ? ` One of ${s.allowed.join(", ")}.` : "";
    const range = s.min !== undefined ? ` From ${s.min} to ${s.max}.` : "";
    const unset = s.derived ? ` Unset: ${s.derived}.` : "";
    return `${s.description}${allowed}${range}${unset}`;
}

/** The README's table, between its markers. */
export function readmeTable(): string {
    const cell = (text: string) => text.replace(/\|/g, "\\|");
    const shown = (s: Setting) => s.derived ?? `\`${Array.isArray(s.default) ? JSON.stringify(s.default) : String(s.default)}\``;
    const rows = CONFIG_KEYS.map((key) => {
        const s = setting(key);
        const allowed = s.allowed ? `${s.allowed.map((v) => `\`${v}\``).join(" \\| ")}: ` : s.min !== undefined ? `${s.min}–${s.max}: ` : "";
        return `| \`${key}\` | ${s.type} | ${cell(shown(s))} | ${allowed}${cell(s.description)} |`;
    });
    return [TABLE_BEGIN, "| key | type | default | what it does |", "|---|---|---|---|", ...rows, TABLE_END].join("\n");
}

/** `file` with its generated part replaced. */
export function withGenerated(file: string, text: string): string {
    if (file === PULUMI_YAML) {
        const at = text.indexOf(CONFIG_HEADER.split("\n")[0]);
        const from = at >= 0 ? at : text.indexOf("config:\n");
        return text.slice(0, from) + pulumiYamlConfig();
    }
    const begin = text.indexOf(TABLE_BEGIN);
    const end = text.indexOf(TABLE_END);
    if (begin < 0 || end < begin) throw new Error(`${file} has no ${TABLE_BEGIN} … ${TABLE_END}`);
    return text.slice(0, begin) + readmeTable() + text.slice(end + TABLE_END.length);
}

if (require.main === module) {
    for (const file of [PULUMI_YAML, README]) {
        const before = fs.readFileSync(file, "utf8");
        const after = withGenerated(file, before);
        if (after !== before) fs.writeFileSync(file, after);
        console.log(`${path.relative(ROOT, file)}: ${after === before ? "unchanged" : "written"}`);
    }
}
