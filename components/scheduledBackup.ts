// The stack backs itself up (the course's « outils classiques planifiés depuis les pods, qui
// poussent les données »): a CronJob takes an RDB from the Redis Service, as `redis-cli --rdb`
// takes one while Redis runs, into a claim of its own, and keeps the newest few. That claim
// follows the stack's reclaim policy like the data's: with Retain it outlives `pulumi destroy`.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ImageSpec, PodSecurityLevel, ReclaimPolicy } from "../config";
import { AttachedVolume } from "../dataVolume/plan";
import { DataClaim } from "./dataClaim";
import { AppIdentity, recommendedLabels, selectorLabels } from "../core/labels";
import { REDIS_PORT, redisIdentity } from "./redis";
import { containerResources, SIZES } from "../core/resources";
import type { SecretKeySource } from "../core/secretKeySource";
import { containerSecurityContext, podSecurityContext, RUN_AS } from "../core/security";

export const BACKUP_CLAIM_NAME = "redis-backups";
export const BACKUP_CRONJOB_NAME = "redis-backup";
export const BACKUP_MOUNT_PATH = "/backups";
/** Finished jobs the CronJob keeps, each with its pod's log: the last few runs, scheduled or by hand. */
export const JOB_HISTORY = 3;

export function backupIdentity(instance: string): AppIdentity {
    return { name: "redis-backup", instance, component: "backup" };
}

/** The downward API's view of the job's name, which Kubernetes gives every pod of a Job as a label. */
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";

/**
 * The job's script: an RDB named after the time (UTC, as the class tool names its own) and the
 * job, so two jobs in one second (the schedule's and a `kubectl create job --from=cronjob/…`)
 * never share a file; a `.sha256` beside it that a restore checks; and only the newest `keep`
 * left. A copy is written under a temporary name first, so a failed run never leaves a
 * truncated `.rdb`; it removes its own temporary file, and those of jobs killed long ago,
 * never one another job may still be writing.
 */
export function backupScript(keep: number, dir = BACKUP_MOUNT_PATH): string {
    return [
        "set -eu",
        `cd ${dir}`,
        "name=\"$(date -u +%Y-%m-%dT%H-%M-%SZ)-$JOB_NAME\"",
        "trap 'rm -f \"$name.rdb.part\"' EXIT",
        "find . -maxdepth 1 -name '*.rdb.part' -mmin +60 -delete",
        // A new pod's first connections may be refused until the cluster's NetworkPolicy enforcement
        // (kube-router, Calico) knows it: the job would fail its retries in seconds. Wait for Redis.
        `i=0; until redis-cli -h "$REDIS_HOST" -p ${REDIS_PORT} ping 2>/dev/null | grep -q PONG; do i=$((i+1)); [ "$i" -lt 60 ] || { echo "Redis at $REDIS_HOST:${REDIS_PORT} did not answer in 60 s" >&2; exit 1; }; sleep 1; done`,
        `redis-cli -h "$REDIS_HOST" -p ${REDIS_PORT} --rdb "$name.rdb.part" >/dev/null`,
        "sha256sum \"$name.rdb.part\" | cut -d ' ' -f 1 > \"$name.sha256\"",
        "mv \"$name.rdb.part\" \"$name.rdb\"",
        `ls -1 | grep '\\.rdb$' | sort -r | tail -n +${keep + 1} | while read -r old; do rm -f "$old" "\${old%.rdb}.sha256"; done`,
        "echo \"backed up: $name.rdb, $(wc -c < \"$name.rdb\") bytes; kept: $(ls -1 | grep -c '\\.rdb$')\"",
    ].join("\n");
}

/** `Ref`: plain strings for the trainer's tool's pod, Pulumi inputs in the program (so the pod comes after what it names). */
export interface BackupPodArgs<Ref = pulumi.Input<string>> {
    /** The stack's instance: its Redis pod is the one the backup pod runs beside. */
    instance: string;
    image: ImageSpec;
    podSecurity: PodSecurityLevel;
    /** The Redis Service's name, in the same namespace. */
    redisHost: Ref;
    claimName: Ref;
    keep: number;
    /** Where the password comes from, when Redis requires one. */
    password?: SecretKeySource<Ref>;
}

/** The job's pod: Redis' image (it has redis-cli), Redis' user, the backups claim. */
export function backupPodSpec<Ref extends pulumi.Input<string>>(args: BackupPodArgs<Ref>) {
    const env: Array<{ name: string; value?: Ref; valueFrom?: { fieldRef: { fieldPath: string } } | SecretKeySource<Ref> }> = [
        { name: "REDIS_HOST", value: args.redisHost },
        { name: "JOB_NAME", valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_NAME_LABEL}']` } } },
    ];
    // redis-cli reads its password from this variable: it is never on a command line.
    if (args.password) env.push({ name: "REDISCLI_AUTH", valueFrom: args.password });
    return {
        restartPolicy: "OnFailure",
        automountServiceAccountToken: false,
        securityContext: podSecurityContext(args.podSecurity, RUN_AS.redis),
        affinity: besideRedis(args.instance),
        containers: [{
            name: "backup",
            image: args.image.ref,
            imagePullPolicy: args.image.pullPolicy,
            command: ["sh", "-c", backupScript(args.keep)],
            env,
            volumeMounts: [{ name: "backups", mountPath: BACKUP_MOUNT_PATH }],
            resources: containerResources(SIZES.backup),
            securityContext: containerSecurityContext(args.podSecurity),
        }],
        volumes: [{ name: "backups", persistentVolumeClaim: { claimName: args.claimName } }],
    };
}

/**
 * Redis mounts the backups' claim too (redis.ts): a ReadWriteOnce disk of a managed cluster is
 * attached to one node at a time, so a backup pod elsewhere would wait for it. Preferred, not
 * required: the trainer's tool reads the claim when no Redis runs.
 */
export function besideRedis(instance: string) {
    return {
        podAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [{
                weight: 100,
                podAffinityTerm: { labelSelector: { matchLabels: selectorLabels(redisIdentity(instance)) }, topologyKey: "kubernetes.io/hostname" },
            }],
        },
    };
}

export interface ScheduledBackupArgs extends Omit<BackupPodArgs, "claimName"> {
    namespace: pulumi.Input<string>;
    instance: string;
    schedule: string;
    storageClass?: string;
    size: string;
    reclaimPolicy: ReclaimPolicy;
    /** A retained volume of the stack's backups, bound again; undefined: a new one. */
    attached?: AttachedVolume;
    /** As the data's claim: the class binds at first use. */
    bindsAtFirstUse: boolean;
}

export class ScheduledBackup extends pulumi.ComponentResource {
    readonly claim: DataClaim;
    readonly cronJob: k8s.batch.v1.CronJob;

    constructor(name: string, args: ScheduledBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("monsterstack:backup:ScheduledBackup", name, {}, opts);
        const app = backupIdentity(args.instance);

        this.claim = new DataClaim(`${name}-claim`, {
            namespace: args.namespace, instance: args.instance, claimName: BACKUP_CLAIM_NAME,
            storageClass: args.storageClass, size: args.size, reclaimPolicy: args.reclaimPolicy, attached: args.attached,
            bindsAtFirstUse: args.bindsAtFirstUse,
        }, { parent: this });

        this.cronJob = new k8s.batch.v1.CronJob(name, {
            metadata: { name: BACKUP_CRONJOB_NAME, namespace: args.namespace, labels: recommendedLabels(app) },
            spec: {
                schedule: args.schedule,
                // One backup at a time; a slow one is never doubled by the next.
                concurrencyPolicy: "Forbid",
                // A job started by hand (`kubectl create job --from=cronjob/redis-backup`) belongs to the
                // CronJob too: with a history of 1, the next one to finish deletes it, log and all.
                successfulJobsHistoryLimit: JOB_HISTORY,
                failedJobsHistoryLimit: JOB_HISTORY,
                jobTemplate: {
                    metadata: { labels: recommendedLabels(app) },
                    spec: {
                        backoffLimit: 2,
                        activeDeadlineSeconds: 600,
                        template: {
                            metadata: { labels: recommendedLabels(app) },
                            spec: backupPodSpec({ ...args, claimName: this.claim.claimName }),
                        },
                    },
                },
            },
        }, { parent: this });

        this.registerOutputs({ claimName: this.claim.claimName });
    }
}

/** The selector of the backup job's pods, for the NetworkPolicy that lets them reach Redis. */
export function backupSelector(instance: string): Record<string, string> {
    return selectorLabels(backupIdentity(instance));
}
