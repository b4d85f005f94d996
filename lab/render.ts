// The lab's screen and its --json, from a judgement: pure, so that tests read what a trainee reads.
import type { Judgement, StepStatus } from "./judge";
import { Lang, STEPS } from "./steps";

const MARK = { done: "✔", next: "▶", todo: "·" } as const;

export function renderLab(j: Judgement, where: { stack: string; namespace: string }, lang: Lang): string {
    const done = j.steps.filter((s) => s.status === "done").length;
    const width = Math.max(...j.steps.map((s) => s.id.length));
    const lines = [lang === "fr"
        ? `Lab « Persister les données de Redis » : pile ${where.stack} (namespace ${where.namespace}), ${done}/${j.steps.length} étapes faites`
        : `Lab "Persisting Redis' data": stack ${where.stack} (namespace ${where.namespace}), ${done}/${j.steps.length} steps done`];
    for (const s of j.steps) {
        lines.push(`  ${MARK[s.status]} ${s.id.padEnd(width)}  ${s.title}${s.status === "done" && s.detail ? ` (${s.detail})` : ""}`);
        if (s.status === "next") lines.push(`${" ".repeat(width + 6)}${lang === "fr" ? "manque : " : "missing: "}${s.detail}`);
    }
    const next = j.steps.find((s) => s.status === "next");
    if (!next) {
        lines.push("", lang === "fr" ? "Toutes les étapes sont faites." : "Every step is done.");
        return lines.join("\n") + "\n";
    }
    const text = STEPS[next.id][lang];
    lines.push("", `${lang === "fr" ? "Étape suivante : " : "Next step: "}${text.title}`);
    for (const command of text.todo) lines.push(`  ${command.replace(/\bNS\b/g, where.namespace)}`);
    lines.push(`${lang === "fr" ? "Pourquoi : " : "Why: "}${text.why}`);
    lines.push(lang === "fr" ? "Puis : npm run lab -- check" : "Then: npm run lab -- check");
    return lines.join("\n") + "\n";
}

export function labJson(j: Judgement): Array<Pick<StepStatus, "id" | "title" | "status" | "detail">> {
    return j.steps.map(({ id, title, status, detail }) => ({ id, title, status, detail }));
}
