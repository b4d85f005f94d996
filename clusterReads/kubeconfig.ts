// The cluster the program and the trainer's tools talk to: the kubeconfig the provider would use,
// and the errors a read gives, naming what was read and where. Every read of the cluster
// (clusterReads/, dataVolume/, class/) starts here.
import * as k8s from "@kubernetes/client-node";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { MonsterstackConfig } from "../config";

/** Thrown when the cluster refuses a read or cannot be reached; the message names what and where. */
export class ClusterReadError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "ClusterReadError";
    }
}

/** Which cluster: the settings of a stack that name it. */
export type ClusterSettings = Pick<MonsterstackConfig, "kubeconfig" | "kubeContext">;

/** The kubeconfig the provider would use: the `kubeconfig` key (a path, `~/...`, or contents), else $KUBECONFIG or ~/.kube/config. */
export function loadKubeConfig(config: ClusterSettings): k8s.KubeConfig {
    const kc = new k8s.KubeConfig();
    const given = config.kubeconfig;
    if (given === undefined) {
        kc.loadFromDefault();
    } else {
        const file = given.startsWith("~/") ? path.join(os.homedir(), given.slice(2)) : given;
        if (!given.includes("\n") && fs.existsSync(file)) kc.loadFromFile(file); else kc.loadFromString(given);
    }
    if (config.kubeContext) kc.setCurrentContext(config.kubeContext);
    if (!kc.getCurrentCluster()) {
        throw new ClusterReadError(`no cluster to read: the kubeconfig ${given === undefined ? "($KUBECONFIG or ~/.kube/config)" : "of monsterstack:kubeconfig"} ` +
            `has no current context${config.kubeContext ? ` named ${config.kubeContext}` : ""}.`);
    }
    return kc;
}

/** The cluster the provider deploys to, as the kubeconfig names it: for the trainee's kubeconfig. */
export function currentCluster(config: ClusterSettings): { name: string; server: string } {
    const cluster = loadKubeConfig(config).getCurrentCluster()!;
    return { name: cluster.name, server: cluster.server };
}

/** The `message` of a Kubernetes Status body, as client-node hands it over (text or object). */
function statusMessage(body: unknown): string | undefined {
    try {
        const status = typeof body === "string" ? JSON.parse(body) : body;
        return typeof status?.message === "string" ? status.message : undefined;
    } catch {
        return typeof body === "string" ? body : undefined;
    }
}

/** A read the cluster refused, or could not answer: `what` was being done, `why` the program needs it. */
export function refused(what: string, server: string, err: unknown, why: string): ClusterReadError {
    const e = err as { code?: number | string; message?: string; body?: unknown };
    if (typeof e.code === "number") {
        const reason = statusMessage(e.body) ?? e.message ?? "";
        return new ClusterReadError(`the cluster at ${server} refused to ${what} (HTTP ${e.code}${e.code === 403 ? ", forbidden" : ""}): ${reason}. ` +
            `${why}; it will not guess.`);
    }
    return new ClusterReadError(`cannot ${what}: the cluster at ${server} is unreachable (${e.message ?? String(err)}). ` +
        `${why}; it will not guess.`);
}

export const notFound = (err: unknown) => (err as { code?: number }).code === 404;

/** A label selector matching every one of `labels`. */
export function labelSelector(labels: Record<string, string>): string {
    return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",");
}
