// `down --purge`: the retained data of destroyed trainee stacks goes too. Each volume labelled
// with a trainee's identity gets the reclaim policy Delete; since its claim is gone, the
// provisioner then deletes it and its data (a cloud disk, a minikube directory).
import * as k8s from "@kubernetes/client-node";
import { loadKubeConfig } from "../dataVolume/clusterState";
import { identityLabels } from "../dataVolume/plan";
import { DATA_CLAIM_NAME } from "../components/dataClaim";
import { BACKUP_CLAIM_NAME } from "../components/scheduledBackup";
import type { Trainee } from "./roster";

/** The volumes still holding this trainee's data and scheduled backups, by the labels the program put on them. */
export async function retainedVolumes(trainee: Trainee, project: string): Promise<string[]> {
    const core = loadKubeConfig(trainee.parsed).makeApiClient(k8s.CoreV1Api);
    const names: string[] = [];
    for (const claim of [DATA_CLAIM_NAME, BACKUP_CLAIM_NAME]) {
        const labels = identityLabels({ project, stack: trainee.stack, namespace: trainee.parsed.namespace, claim });
        const list = await core.listPersistentVolume({ labelSelector: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",") });
        names.push(...list.items.filter((pv) => pv.status?.phase !== "Bound").map((pv) => pv.metadata!.name!));
    }
    return names;
}

export async function purgeVolume(trainee: Trainee, volume: string): Promise<void> {
    const core = loadKubeConfig(trainee.parsed).makeApiClient(k8s.CoreV1Api);
    await core.patchPersistentVolume({ name: volume, body: { spec: { persistentVolumeReclaimPolicy: "Delete" } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
}
