// The scheduled backups of a trainee, read where the CronJob wrote them: the claim
// redis-backups, mounted read-only by a short-lived pod like the job's own, deleted afterwards
// whatever happens. Each file is checked against the .sha256 the job wrote beside it.
import * as k8s from "@kubernetes/client-node";
import { randomBytes } from "crypto";
import type { MonsterstackConfig } from "../../config";
import { loadKubeConfig } from "../../clusterReads/kubeconfig";
import { BACKUP_CLAIM_NAME, BACKUP_MOUNT_PATH, backupIdentity, backupPodSpec } from "../../components/scheduledBackup";
import { recommendedLabels } from "../../core/labels";
import { BackupFileError, sha256 } from "./backupFiles";
import { execIn, PodRef } from "../../clusterReads/podExec";

export interface InClusterBackup {
    /** `<namespace>/redis-backups:<file>`, for the report. */
    file: string;
    data: Buffer;
    sha256: string;
}

/** The newest of the job's files (their names sort by time), or the one `at` names. */
export function pickScheduledFile(names: string[], at: string | undefined, where: string): string {
    const backups = names.filter((n) => n.endsWith(".rdb")).sort();
    if (at !== undefined) {
        if (!backups.includes(at)) throw new BackupFileError(`--at ${at}: no such backup in ${where} (it has ${backups.join(", ") || "none"})`);
        return at;
    }
    const newest = backups.at(-1);
    if (newest === undefined) throw new BackupFileError(`${where} holds no backup yet: the CronJob writes the first one on its schedule`);
    return newest;
}

async function startReader(config: MonsterstackConfig, kc: k8s.KubeConfig, name: string): Promise<PodRef> {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    // The job's own pod, plain values only (no Pulumi outputs), reading instead of writing, with
    // the Redis image the class configured (nothing new to pull, and not one the trainee chose).
    const spec = backupPodSpec({ instance: config.namespace, image: config.redisImage, podSecurity: config.podSecurity, redisHost: "", claimName: BACKUP_CLAIM_NAME, keep: config.backupKeep });
    const container = { ...spec.containers[0], name: "reader", command: ["sleep", "600"], env: [], volumeMounts: [{ name: "backups", mountPath: BACKUP_MOUNT_PATH, readOnly: true }] };
    await core.createNamespacedPod({
        namespace: config.namespace,
        body: {
            metadata: { name, labels: recommendedLabels({ ...backupIdentity(config.namespace), component: "backup-reader" }) },
            spec: { ...spec, restartPolicy: "Never", containers: [container] },
        },
    });
    const deadline = Date.now() + 90_000;
    for (;;) {
        const pod = await core.readNamespacedPod({ name, namespace: config.namespace });
        if (pod.status?.phase === "Running") return { kc, namespace: config.namespace, pod: name, container: "reader" };
        const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
        if (pod.status?.phase === "Failed" || /ErrImage|ImagePull|CreateContainer/.test(waiting?.reason ?? "") || Date.now() > deadline) {
            throw new BackupFileError(`the pod reading ${config.namespace}/${BACKUP_CLAIM_NAME} did not start: ${waiting ? `${waiting.reason}: ${waiting.message ?? ""}` : pod.status?.phase}`);
        }
        await new Promise((r) => setTimeout(r, 500));
    }
}

/** Reads one scheduled backup of the trainee, checked against its .sha256. */
export async function readScheduledBackup(config: MonsterstackConfig, at: string | undefined): Promise<InClusterBackup> {
    const kc = loadKubeConfig(config);
    const where = `${config.namespace}/${BACKUP_CLAIM_NAME}`;
    const name = `backup-reader-${randomBytes(3).toString("hex")}`;
    try {
        const pod = await startReader(config, kc, name);
        const listing = await execIn(pod, ["ls", "-1", BACKUP_MOUNT_PATH]);
        const file = pickScheduledFile(listing.stdout.toString().split("\n").filter(Boolean), at, where);
        const data = (await execIn(pod, ["cat", `${BACKUP_MOUNT_PATH}/${file}`], { timeoutMs: 300_000 })).stdout;
        const expected = (await execIn(pod, ["cat", `${BACKUP_MOUNT_PATH}/${file.replace(/\.rdb$/, ".sha256")}`])).stdout.toString().trim();
        const actual = sha256(data);
        if (actual !== expected) {
            throw new BackupFileError(`${where}:${file} is truncated or corrupt: ${data.length} bytes with sha256 ${actual.slice(0, 12)}…, ` +
                `the job recorded ${expected ? `${expected.slice(0, 12)}…` : "none"}`);
        }
        return { file: `${where}:${file}`, data, sha256: actual };
    } finally {
        await kc.makeApiClient(k8s.CoreV1Api).deleteNamespacedPod({ name, namespace: config.namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
    }
}
