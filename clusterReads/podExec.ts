// A command in a pod's container over the Kubernetes API (exec, as `kubectl exec` does):
// the class tool reaches a trainee's data this way, and the lab reads the counter, never through a node's disk, so it
// works the same on a cloud cluster.
import * as k8s from "@kubernetes/client-node";
import { PassThrough, Writable } from "stream";

export interface PodRef {
    kc: k8s.KubeConfig;
    namespace: string;
    pod: string;
    container: string;
}

export interface ExecResult {
    /** The command's exit code; undefined when the API server did not say. */
    code: number | undefined;
    stdout: Buffer;
    stderr: string;
}

export interface ExecOptions {
    /** Bytes written to the command's standard input, which is then closed. */
    stdin?: Buffer;
    /** Where standard output goes instead of being collected (a file, a hash). */
    stdout?: Writable;
    /** Abandon the command after this long. */
    timeoutMs?: number;
}

/** The exit code a V1Status carries: 0 on Success, the ExitCode cause otherwise. */
export function exitCode(status: k8s.V1Status): number | undefined {
    if (status.status === "Success") return 0;
    const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
    return cause?.message === undefined ? undefined : Number(cause.message);
}

export async function execIn(target: PodRef, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const stdout = options.stdout ?? new Writable({ write(chunk, _enc, done) { out.push(chunk); done(); } });
    const stderr = new Writable({ write(chunk, _enc, done) { err.push(chunk); done(); } });
    const stdin = options.stdin === undefined ? null : new PassThrough();
    let socket: { close(): void } | undefined;
    const finished = new Promise<number | undefined>((resolve, reject) => {
        const timer = setTimeout(() => {
            socket?.close();
            reject(new Error(`\`${command.join(" ").replace(/\s+/g, " ").slice(0, 60)}\` in pod ${target.pod} took more than ${Math.round((options.timeoutMs ?? 0) / 1000)} s`));
        }, options.timeoutMs ?? 120_000);
        new k8s.Exec(target.kc).exec(target.namespace, target.pod, target.container, command, stdout, stderr, stdin, false, (status) => {
            clearTimeout(timer);
            resolve(exitCode(status));
        }).then((ws) => {
            socket = ws;
            ws.on("close", () => setTimeout(() => resolve(undefined), 100));
            if (stdin) stdin.end(options.stdin);
        }, (e) => {
            clearTimeout(timer);
            reject(e);
        });
    });
    const code = await finished;
    // The status arrives after the last output frame; let the streams drain.
    await new Promise((r) => setImmediate(r));
    return { code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8") };
}
