// `down --purge`: the retained data of destroyed trainee stacks goes too. Each volume labelled
// with a trainee's identity gets the reclaim policy Delete; since its claim is gone, the
// provisioner then deletes it and its data (a cloud disk, a minikube directory).
import * as k8s from "@kubernetes/client-node";
import { loadKubeConfig } from "../../clusterReads/kubeconfig";
import { listVolumes, VolumeState } from "../../clusterReads/volumes";
import { identityLabels, STACK_ID_LABEL } from "../../core/identity";
import { DATA_CLAIM_NAME } from "../../components/dataClaim";
import { BACKUP_CLAIM_NAME } from "../../components/scheduledBackup";
import type { Trainee } from "../roster";

/**
 * Which of the volumes labelled with a trainee's identity are this stack's to purge: released
 * ones whose stack id is this stack's (`stackId`, read from its outputs before the destroy),
 * or that carry none (written by 2722259 or earlier). One with another id is another
 * deployment's of the same name (another trainer's class on this cluster): never this one's.
 */
export function ownReleasedVolumes(volumes: Array<Pick<VolumeState, "name" | "phase" | "labels">>, stackId: string | undefined): string[] {
    return volumes.filter((pv) => {
        const id = pv.labels[STACK_ID_LABEL];
        return pv.phase !== "Bound" && (id === undefined || id === stackId);
    }).map((pv) => pv.name);
}

/** The volumes still holding this trainee's data and scheduled backups, by the labels the program put on them. */
export async function retainedVolumes(trainee: Trainee, project: string, stackId: string | undefined): Promise<string[]> {
    const names: string[] = [];
    for (const claim of [DATA_CLAIM_NAME, BACKUP_CLAIM_NAME]) {
        const labels = identityLabels({ project, stack: trainee.stack, namespace: trainee.parsed.namespace, claim });
        const volumes = await listVolumes(trainee.parsed, labels, "`down --purge` reads them to delete this trainee's retained data");
        names.push(...ownReleasedVolumes(volumes, stackId));
    }
    return names;
}

export async function purgeVolume(trainee: Trainee, volume: string): Promise<void> {
    const core = loadKubeConfig(trainee.parsed).makeApiClient(k8s.CoreV1Api);
    await core.patchPersistentVolume({ name: volume, body: { spec: { persistentVolumeReclaimPolicy: "Delete" } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
}
