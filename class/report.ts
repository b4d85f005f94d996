// What the trainer sees: one live line per trainee while the class runs (plain lines when
// stderr is not a terminal), then a table, or exactly one JSON array on stdout with --json.
import type { Outcome, Progress } from "./stacks/traineeStack";

export class ProgressLines {
    private readonly started = Date.now();
    private readonly lines = new Map<string, string>();
    private drawn = 0;

    constructor(private readonly names: string[], private readonly tty: boolean, private readonly write: (s: string) => void) {
        for (const name of names) this.lines.set(name, "waiting");
        if (tty) this.draw();
    }

    update(name: string, p: Progress): void {
        const seconds = Math.round((Date.now() - this.started) / 1000);
        const count = p.resources === undefined ? "" : ` ${p.resources} resource${p.resources === 1 ? "" : "s"} done,`;
        const text = `${p.stage},${count} ${seconds}s`;
        const previous = this.lines.get(name);
        this.lines.set(name, text);
        if (this.tty) {
            this.draw();
        } else if (previous?.split(",")[0] !== p.stage) {
            // Without a terminal, a line per change of stage: readable in a CI log.
            this.write(`${name}: ${text}\n`);
        }
    }

    /** A line for the trainer, above the live block (which it would otherwise overwrite in a terminal). */
    note(line: string): void {
        if (!this.tty) {
            this.write(`${line}\n`);
            return;
        }
        this.write((this.drawn > 0 ? `\x1b[${this.drawn}A` : "") + `\r\x1b[J${line}\n`);
        this.drawn = 0;
        this.draw();
    }

    private draw(): void {
        const width = Math.max(...this.names.map((n) => n.length));
        const block = this.names.map((n) => `${n.padEnd(width)}  ${this.lines.get(n)}`);
        // Back to the first line of the block, then each line rewritten in place.
        // From the first column: the terminal's echo of a Ctrl-C ("^C") moves the cursor right.
        this.write((this.drawn > 0 ? `\x1b[${this.drawn}A` : "") + block.map((l) => `\r\x1b[2K${l}\n`).join(""));
        this.drawn = block.length;
    }
}

/** The result table: trainee, namespace, frontend URL, data volume, reclaim policy, network isolation, status. */
export function table(outcomes: Outcome[]): string {
    const lab = outcomes.some((o) => o.lab !== undefined);
    const header = ["TRAINEE", "NAMESPACE", "FRONTEND URL", "DATA VOLUME", "RECLAIM", "ISOLATION", ...(lab ? ["LAB"] : []), "STATUS"];
    const rows = outcomes.map((o) => [
        o.trainee, o.namespace, o.frontendUrl ?? "-", o.dataVolume ?? "-", o.reclaimPolicy ?? "-", o.networkIsolation ?? "-",
        ...(lab ? [labCell(o.lab)] : []),
        o.status === "ok" ? `ok${o.changes ? ` (${o.changes})` : ""}` : `${o.status}: ${o.error}`,
    ]);
    return columns(header, rows);
}

/** `2/6 delete-everything`, `6/6 done`, `1/6 delete-workloads (reported)` by a trainee's own lab, or `?` when it could not be judged. */
export function labCell(lab: Outcome["lab"]): string {
    if (lab === undefined || "error" in lab) return lab ? "?" : "-";
    return `${lab.done}/${lab.total} ${lab.next ?? "done"}${lab.from === "report" ? " (reported)" : ""}`;
}

/** Rows in columns two spaces apart, the last one (the status) unpadded. */
export function columns(header: string[], rows: string[][]): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    return [header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ")).join("\n") + "\n";
}

/** The --json element of one trainee: the shape trainers' scripts rely on. */
export interface JsonRecord {
    trainee: string;
    stack: string;
    namespace: string;
    frontendUrl: string | null;
    dataVolume: string | null;
    reclaimPolicy: string | null;
    /** Measured by up and status with tenancy on: "enforced", "not enforced" or "unknown". */
    networkIsolation: string | null;
    status: Outcome["status"];
    error?: string;
    /** The path of the trainee's kubeconfig file, when one was written. */
    kubeconfig: string | null;
    /** status: the trainee's lab (npm run lab): steps done, of all, and the next; or why it could not be judged. */
    lab?: Outcome["lab"] | null;
}

export function jsonRecord(o: Outcome, kubeconfig: string | undefined): JsonRecord {
    return {
        trainee: o.trainee, stack: o.stack, namespace: o.namespace,
        frontendUrl: o.frontendUrl ?? null, dataVolume: o.dataVolume ?? null, reclaimPolicy: o.reclaimPolicy ?? null,
        networkIsolation: o.networkIsolation ?? null,
        status: o.status, ...(o.error ? { error: o.error } : {}), kubeconfig: kubeconfig ?? null,
        ...(o.lab !== undefined ? { lab: o.lab } : {}),
    };
}
