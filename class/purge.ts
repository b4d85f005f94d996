// `down --purge`: the retained data of destroyed trainee stacks goes too. Each volume labelled
// with a trainee's identity gets the reclaim policy Delete; since its claim is gone, the
// provisioner then deletes it and its data (a cloud disk, a minikube directory).
import * as k8s from "@kubernetes/client-node";
import { loadKubeConfig } from "../dataVolume/clusterState";
import { identityLabels } from "../core/identity";
import { DATA_CLAIM_NAME } from "../components/dataClaim";
import { BACKUP_CLAIM_NAME } from "../components/scheduledBackup";
import { STACK_ID_LABEL } from "../components/stackId";
import type { Trainee } from "./roster";

/**
 * Which of the volumes labelled with a trainee's identity are this stack's to purge: released
 * ones whose stack id is this stack's (`stackId`, read from its outputs before the destroy),
 * or that carry none (written by 2722259 or earlier). One with another id is another
 * deployment's of the same name (another trainer's class on this cluster): never this one's.
 */
export function ownReleasedVolumes(volumes: k8s.V1PersistentVolume[], stackId: string | undefined): string[] {
    return volumes.filter((pv) => {
        const id = pv.metadata?.labels?.[STACK_ID_LABEL];
        return pv.status?.phase !== "Bound" && (id === undefined || id === stackId);
    }).map((pv) => pv.metadata!.name!);
}

/** The volumes still holding this trainee's data and scheduled backups, by the labels the program put on them. */
export async function retainedVolumes(trainee: Trainee, project: string, stackId: string | undefined): Promise<string[]> {
    const core = loadKubeConfig(trainee.parsed).makeApiClient(k8s.CoreV1Api);
    const names: string[] = [];
    for (const claim of [DATA_CLAIM_NAME, BACKUP_CLAIM_NAME]) {
        const labels = identityLabels({ project, stack: trainee.stack, namespace: trainee.parsed.namespace, claim });
        const list = await core.listPersistentVolume({ labelSelector: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",") });
        names.push(...ownReleasedVolumes(list.items, stackId));
    }
    return names;
}

export async function purgeVolume(trainee: Trainee, volume: string): Promise<void> {
    const core = loadKubeConfig(trainee.parsed).makeApiClient(k8s.CoreV1Api);
    await core.patchPersistentVolume({ name: volume, body: { spec: { persistentVolumeReclaimPolicy: "Delete" } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
}
