// What the cluster and the running processes say: kubectl reads, exec into pods, HTTP.
import * as http from "http";
import { Result, run } from "./cli";

export function kubectl(...args: string[]): Result {
    return run("kubectl", args, { allowFail: true });
}

/**
 * `kubectl get -o json`, undefined when the object is not there. Untyped on purpose: any kind
 * of object (or list) comes back, and the tests read deep paths of it and assert on them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- kubectl's JSON for any kind of object, read by path in assertions
export function kubeJson(...args: string[]): any | undefined {
    const r = kubectl("get", ...args, "-o", "json");
    return r.status === 0 ? JSON.parse(r.stdout) : undefined;
}

export async function waitFor(what: string, check: () => boolean, seconds = 120): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
        if (check()) return;
        await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`timed out after ${seconds}s waiting for ${what}`);
}

export interface PodState {
    name: string; node: string; phase: string; ready: boolean; deleting: boolean;
    /** A Job's pod (the scheduled backup's): it runs and ends on its own schedule. */
    job: boolean;
}

/** The fields of a pod's JSON that pods() reads. */
interface PodJson {
    metadata: { name: string; deletionTimestamp?: string; ownerReferences?: { kind: string }[] };
    spec: { nodeName?: string };
    status: { phase: string; conditions?: { type: string; status: string }[] };
}

/** The fields of a Deployment's or StatefulSet's JSON that rolledOut() reads. */
interface WorkloadJson {
    kind: string;
    metadata: { generation: number };
    spec: { replicas?: number };
    status?: {
        observedGeneration?: number;
        currentRevision?: string;
        updateRevision?: string;
        replicas?: number;
        updatedReplicas?: number;
        readyReplicas?: number;
    };
}

export function pods(namespace: string, app?: string): PodState[] {
    const selector = app ? ["-l", `app.kubernetes.io/name=${app}`] : [];
    return (kubeJson("pods", "-n", namespace, ...selector)?.items ?? []).map((p: PodJson) => ({
        name: p.metadata.name,
        node: p.spec.nodeName ?? "",
        phase: p.status.phase,
        ready: (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
        deleting: Boolean(p.metadata.deletionTimestamp),
        job: (p.metadata.ownerReferences ?? []).some((o) => o.kind === "Job"),
    }));
}

/**
 * Every Deployment and StatefulSet of the namespace has finished rolling out: all replicas
 * updated and ready, no pod of an older revision left, none terminating.
 */
/** `node`: the node every pod must run on; undefined: any. */
export function rolledOut(namespace: string, node: string | undefined): boolean {
    const workloads: WorkloadJson[] = kubeJson("deployments,statefulsets", "-n", namespace)?.items ?? [];
    if (workloads.length === 0) return false;
    const settled = workloads.every((w) => {
        const want = w.spec.replicas ?? 1;
        const s: NonNullable<WorkloadJson["status"]> = w.status ?? {};
        const current = w.kind === "StatefulSet" ? s.currentRevision === s.updateRevision : true;
        return s.observedGeneration === w.metadata.generation && current &&
            s.replicas === want && s.updatedReplicas === want && s.readyReplicas === want;
    });
    const expectedPods = workloads.reduce((n, w) => n + (w.spec.replicas ?? 1), 0);
    const all = pods(namespace).filter((p) => !p.job);
    return settled && all.length === expectedPods &&
        all.every((p) => p.phase === "Running" && p.ready && !p.deleting && (node === undefined || p.node === node));
}

/** Runs a command in the first running pod of `app`, as the container's own user. */
export function execIn(namespace: string, app: string, command: string[]): Result {
    const pod = pods(namespace, app).find((p) => p.phase === "Running" && !p.deleting);
    if (!pod) throw new Error(`no running ${app} pod in ${namespace}: ${JSON.stringify(pods(namespace))}`);
    return kubectl("exec", "-n", namespace, pod.name, "--", ...command);
}

export function httpGet(url: string): Promise<{ status: number; type: string; body: Buffer }> {
    return new Promise((resolve, reject) => {
        // A connection per request, as curl makes: uWSGI's --http router, which the course's image
        // runs outside DEV, closes each connection after its response without saying so, and a
        // reused keep-alive socket then ends in "socket hang up" (localcluster/README.md, "The
        // frontend under uWSGI").
        const req = http.get(url, { timeout: 10_000, agent: false }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), body: Buffer.concat(chunks) }));
        });
        req.on("timeout", () => req.destroy(new Error(`GET ${url}: timed out`)));
        req.on("error", reject);
    });
}
