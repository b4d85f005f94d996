// Reads, before anything is registered, what the data plan depends on: the stack's claim,
// the volumes labelled for this project (and the one `attachVolume` names), the default
// StorageClass. Same kubeconfig and context as the provider. Anything the program cannot
// read is an error that names it: never a silent new volume.
import * as k8s from "@kubernetes/client-node";
import type { MonsterstackConfig } from "../config";
import { LABEL_PREFIX } from "../core/identity";
import { ClusterSettings, labelSelector, loadKubeConfig, notFound, refused } from "./kubeconfig";

export interface VolumeState {
    name: string;
    phase: string;
    labels: Record<string, string>;
    /** "" for a volume of no class. */
    storageClass: string;
    capacity: string;
    accessModes: string[];
    reclaimPolicy: string;
    claimRef?: { namespace?: string; name?: string; uid?: string };
    created: Date;
}

export interface ClaimState {
    volumeName?: string;
    phase: string;
    storageClass?: string;
    annotations: Record<string, string>;
}

/** What the program needs to know of the cluster, read with the provider's kubeconfig and context. */
export interface ClusterState {
    /** The stack's claim, if it exists. */
    claim?: ClaimState;
    /** Volumes labelled for this project, and the one `attachVolume` names. */
    volumes: VolumeState[];
    /** The cluster's default StorageClass, for a stack that leaves `storageClass` unset. */
    defaultStorageClass?: string;
}

/** The class a claim of no class gets. */
const isDefaultClass = (c: k8s.V1StorageClass) => c.metadata?.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true";

const WHY_DATA = "The program reads it to find this stack's retained data volume";

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

/** A claim of the stack's namespace, or undefined when it does not exist. */
export async function readClaim(config: ClusterSettings & Pick<MonsterstackConfig, "namespace">, claimName: string, why = WHY_DATA): Promise<ClaimState | undefined> {
    const kc = loadKubeConfig(config);
    try {
        return claimState(await kc.makeApiClient(k8s.CoreV1Api).readNamespacedPersistentVolumeClaim({ name: claimName, namespace: config.namespace }));
    } catch (err) {
        if (notFound(err)) return undefined;
        throw refused(`get persistentvolumeclaim ${config.namespace}/${claimName}`, kc.getCurrentCluster()!.server, err, why);
    }
}

/** The volumes carrying every one of `labels`. */
export async function listVolumes(config: ClusterSettings, labels: Record<string, string>, why = WHY_DATA): Promise<VolumeState[]> {
    const kc = loadKubeConfig(config);
    try {
        const list = await kc.makeApiClient(k8s.CoreV1Api).listPersistentVolume({ labelSelector: labelSelector(labels) });
        return list.items.map(volumeState);
    } catch (err) {
        throw refused("list persistentvolumes", kc.getCurrentCluster()!.server, err, why);
    }
}

/** Reads the cluster for `planDataVolume`. */
export async function readClusterState(config: MonsterstackConfig, claimName: string, project: string): Promise<ClusterState> {
    const claim = await readClaim(config, claimName);
    if (claim) return { claim, volumes: [] };

    const volumes = await listVolumes(config, { [`${LABEL_PREFIX}/project`]: project });
    const kc = loadKubeConfig(config);
    const server = kc.getCurrentCluster()!.server;
    if (config.attachVolume && !volumes.some((v) => v.name === config.attachVolume)) {
        try {
            volumes.push(volumeState(await kc.makeApiClient(k8s.CoreV1Api).readPersistentVolume({ name: config.attachVolume })));
        } catch (err) {
            if (!notFound(err)) throw refused(`get persistentvolume ${config.attachVolume}`, server, err, WHY_DATA);
        }
    }

    let defaultStorageClass: string | undefined;
    if (config.storageClass === undefined) {
        try {
            const classes = await kc.makeApiClient(k8s.StorageV1Api).listStorageClass();
            defaultStorageClass = classes.items.find(isDefaultClass)?.metadata?.name;
        } catch (err) {
            throw refused("list storageclasses", server, err, WHY_DATA);
        }
    }
    return { volumes, defaultStorageClass };
}

/**
 * Whether the stack's claims bind at first use: their StorageClass (the one `storageClass` names,
 * else the cluster's default) has volumeBindingMode WaitForFirstConsumer. A class that is not
 * found binds nothing yet; that is the data plan's to say.
 */
export async function readBindsAtFirstUse(config: MonsterstackConfig): Promise<boolean> {
    const kc = loadKubeConfig(config);
    try {
        const classes = (await kc.makeApiClient(k8s.StorageV1Api).listStorageClass()).items;
        const used = config.storageClass !== undefined
            ? classes.find((c) => c.metadata?.name === config.storageClass)
            : classes.find(isDefaultClass);
        return used?.volumeBindingMode === "WaitForFirstConsumer";
    } catch (err) {
        throw refused("list storageclasses", kc.getCurrentCluster()!.server, err, "The program reads it to know whether its claims bind at first use");
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
        throw refused(`patch persistentvolume ${volume.name} (its claimRef)`, kc.getCurrentCluster()!.server, err, WHY_DATA);
    }
}
