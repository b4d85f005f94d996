// Reads, before anything is registered, what the data plan depends on: the stack's claim,
// the volumes labelled for this project (and the one `attachVolume` names), the default
// StorageClass. Same kubeconfig and context as the provider. Anything the program cannot
// read is an error that names it: never a silent new volume.
import * as k8s from "@kubernetes/client-node";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { MonsterstackConfig } from "../config";
import type { ClaimState, ClusterState, VolumeState } from "./plan";
import { LABEL_PREFIX } from "../core/identity";

/** Thrown when the cluster refuses a read or cannot be reached; the message names what and where. */
export class ClusterReadError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "ClusterReadError";
    }
}

/** The kubeconfig the provider would use: the `kubeconfig` key (a path, `~/...`, or contents), else $KUBECONFIG or ~/.kube/config. */
export function loadKubeConfig(config: Pick<MonsterstackConfig, "kubeconfig" | "kubeContext">): k8s.KubeConfig {
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

/** The `message` of a Kubernetes Status body, as client-node hands it over (text or object). */
function statusMessage(body: unknown): string | undefined {
    try {
        const status = typeof body === "string" ? JSON.parse(body) : body;
        return typeof status?.message === "string" ? status.message : undefined;
    } catch {
        return typeof body === "string" ? body : undefined;
    }
}

/** The cluster the provider deploys to, as the kubeconfig names it: for the trainee's kubeconfig. */
export function currentCluster(config: Pick<MonsterstackConfig, "kubeconfig" | "kubeContext">): { name: string; server: string } {
    const cluster = loadKubeConfig(config).getCurrentCluster()!;
    return { name: cluster.name, server: cluster.server };
}

const WHY_DATA = "The program reads it to find this stack's retained data volume";

function refused(what: string, server: string, err: unknown, why = WHY_DATA): ClusterReadError {
    const e = err as { code?: number | string; message?: string; body?: unknown };
    if (typeof e.code === "number") {
        const reason = statusMessage(e.body) ?? e.message ?? "";
        return new ClusterReadError(`the cluster at ${server} refused to ${what} (HTTP ${e.code}${e.code === 403 ? ", forbidden" : ""}): ${reason}. ` +
            `${why}; it will not guess.`);
    }
    return new ClusterReadError(`cannot ${what}: the cluster at ${server} is unreachable (${e.message ?? String(err)}). ` +
        `${why}; it will not guess.`);
}

function volumeState(pv: k8s.V1PersistentVolume): VolumeState {
    return {
        name: pv.metadata?.name ?? "",
        phase: pv.status?.phase ?? "Unknown",
        labels: pv.metadata?.labels ?? {},
        storageClass: pv.spec?.storageClassName ?? "",
        capacity: String(pv.spec?.capacity?.storage ?? "0"),
        accessModes: pv.spec?.accessModes ?? [],
        reclaimPolicy: pv.spec?.persistentVolumeReclaimPolicy ?? "",
        claimRef: pv.spec?.claimRef
            ? { namespace: pv.spec.claimRef.namespace, name: pv.spec.claimRef.name, uid: pv.spec.claimRef.uid }
            : undefined,
        created: pv.metadata?.creationTimestamp ? new Date(pv.metadata.creationTimestamp) : new Date(0),
    };
}

function claimState(pvc: k8s.V1PersistentVolumeClaim): ClaimState {
    return {
        volumeName: pvc.spec?.volumeName || undefined,
        phase: pvc.status?.phase ?? "Unknown",
        storageClass: pvc.spec?.storageClassName,
        annotations: pvc.metadata?.annotations ?? {},
    };
}

const notFound = (err: unknown) => (err as { code?: number }).code === 404;

/** Reads the cluster for `planDataVolume`. */
export async function readClusterState(config: MonsterstackConfig, claimName: string, project: string): Promise<ClusterState> {
    const kc = loadKubeConfig(config);
    const server = kc.getCurrentCluster()!.server;
    const core = kc.makeApiClient(k8s.CoreV1Api);

    let claim: ClaimState | undefined;
    try {
        claim = claimState(await core.readNamespacedPersistentVolumeClaim({ name: claimName, namespace: config.namespace }));
    } catch (err) {
        if (!notFound(err)) throw refused(`get persistentvolumeclaim ${config.namespace}/${claimName}`, server, err);
    }
    if (claim) return { claim, volumes: [] };

    const volumes: VolumeState[] = [];
    try {
        const list = await core.listPersistentVolume({ labelSelector: `${LABEL_PREFIX}/project=${project}` });
        volumes.push(...list.items.map(volumeState));
    } catch (err) {
        throw refused(`list persistentvolumes`, server, err);
    }
    if (config.attachVolume && !volumes.some((v) => v.name === config.attachVolume)) {
        try {
            volumes.push(volumeState(await core.readPersistentVolume({ name: config.attachVolume })));
        } catch (err) {
            if (!notFound(err)) throw refused(`get persistentvolume ${config.attachVolume}`, server, err);
        }
    }

    let defaultStorageClass: string | undefined;
    if (config.storageClass === undefined) {
        try {
            const classes = await kc.makeApiClient(k8s.StorageV1Api).listStorageClass();
            defaultStorageClass = classes.items.find((c) =>
                c.metadata?.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true")?.metadata?.name;
        } catch (err) {
            throw refused("list storageclasses", server, err);
        }
    }
    return { volumes, defaultStorageClass };
}

/** The labels of the stack's namespace, or undefined when it does not exist: whose it is, before anything is registered. */
export async function readNamespaceLabels(config: MonsterstackConfig): Promise<Record<string, string> | undefined> {
    const kc = loadKubeConfig(config);
    try {
        const ns = await kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: config.namespace });
        return ns.metadata?.labels ?? {};
    } catch (err) {
        if (notFound(err)) return undefined;
        throw refused(`get namespace ${config.namespace}`, kc.getCurrentCluster()!.server, err, "The program reads it to check that it is this stack's own (or the class's), and never takes another's");
    }
}

/**
 * Makes a retained volume ready to bind to the stack's new claim, as the Kubernetes docs
 * describe: its claimRef keeps pointing at the stack's claim by namespace and name, and
 * loses the uid and resourceVersion of the deleted claim. Never null: a volume with no
 * claimRef may be taken by any pending claim in the cluster. Only during `pulumi up`.
 */
export async function releaseToClaim(config: MonsterstackConfig, volume: VolumeState, claimName: string): Promise<void> {
    const kc = loadKubeConfig(config);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const body = { spec: { claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: config.namespace, name: claimName, uid: null, resourceVersion: null } } };
    try {
        await core.patchPersistentVolume({ name: volume.name, body }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
    } catch (err) {
        throw refused(`patch persistentvolume ${volume.name} (its claimRef)`, kc.getCurrentCluster()!.server, err);
    }
}

/** The cluster access the program uses; tests replace it (Pulumi mocks have no cluster). */
export const clusterReader = { read: readClusterState, releaseToClaim, current: currentCluster, namespaceLabels: readNamespaceLabels };
