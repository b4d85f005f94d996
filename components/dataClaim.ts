// The PersistentVolumeClaim that holds Redis' data, independent of the Redis workload.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ReclaimPolicy } from "../config";
import { claimAwaitAnnotations } from "../core/claimAwait";
import { ATTACHED_CLASS_ANNOTATION, ATTACHED_VOLUME_ANNOTATION } from "../core/identity";
import { AttachedVolume } from "../dataVolume/plan";
import { recommendedLabels } from "../core/labels";

export const DATA_CLAIM_NAME = "redis-data";
/** Annotation that records on the claim which reclaim policy the stack asks for. */
export const RECLAIM_POLICY_ANNOTATION = "monsterstack.io/reclaim-policy";

export interface DataClaimArgs {
    namespace: pulumi.Input<string>;
    instance: string;
    /** The claim's name: the data's own (redis-data) unless given. */
    claimName?: string;
    /** undefined = the cluster's default StorageClass. */
    storageClass?: string;
    size: string;
    reclaimPolicy: ReclaimPolicy;
    /** A retained volume the claim is created bound to; undefined: the class provisions one. */
    attached?: AttachedVolume;
    /** The class binds at first use (WaitForFirstConsumer): `up` does not wait on the claim (core/claimAwait.ts). */
    bindsAtFirstUse: boolean;
}

/**
 * The claim's spec, a pure function so tests can compare it across configurations. Bound to a
 * retained volume, it names that volume and takes the volume's own class ("" included: an
 * omitted class would get the default one, and never bind). The spec is immutable but for
 * its size, so every later run must give the same: the claim records what it was bound to.
 */
export function dataClaimSpec(args: Pick<DataClaimArgs, "storageClass" | "size" | "attached">): k8s.types.input.core.v1.PersistentVolumeClaimSpec {
    return {
        accessModes: ["ReadWriteOnce"],
        storageClassName: args.attached ? args.attached.storageClass : args.storageClass,
        resources: { requests: { storage: args.size } },
        ...(args.attached ? { volumeName: args.attached.volumeName } : {}),
    };
}

/** The claim's annotations: the policy asked for, and the volume it was created bound to. */
export function dataClaimAnnotations(args: Pick<DataClaimArgs, "reclaimPolicy" | "attached">): Record<string, string> {
    return {
        [RECLAIM_POLICY_ANNOTATION]: args.reclaimPolicy,
        ...(args.attached ? {
            [ATTACHED_VOLUME_ANNOTATION]: args.attached.volumeName,
            [ATTACHED_CLASS_ANNOTATION]: args.attached.storageClass,
        } : {}),
    };
}

/**
 * A stand-alone claim (not a StatefulSet volumeClaimTemplate), so that a StatefulSet and a
 * Deployment mount the very same claim and switching `redisKind` keeps the data. `pulumi
 * destroy` deletes it whatever the policy: with Retain the volume keeps the data, and the
 * next `pulumi up` attaches it again (dataVolume/plan.ts).
 */
export class DataClaim extends pulumi.ComponentResource {
    readonly claim: k8s.core.v1.PersistentVolumeClaim;
    readonly claimName: pulumi.Output<string>;

    constructor(name: string, args: DataClaimArgs, opts?: pulumi.ComponentResourceOptions) {
        super("monsterstack:storage:DataClaim", name, {}, opts);

        this.claim = new k8s.core.v1.PersistentVolumeClaim(name, {
            metadata: {
                name: args.claimName ?? DATA_CLAIM_NAME,
                namespace: args.namespace,
                labels: recommendedLabels({ name: "redis", instance: args.instance, component: "storage" }),
                // Shown in `pulumi preview --diff` when the policy is toggled: an in-place
                // metadata update, never a change of the claim's (immutable) spec.
                annotations: { ...dataClaimAnnotations(args), ...claimAwaitAnnotations(args.bindsAtFirstUse) },
            },
            spec: dataClaimSpec(args),
        }, { parent: this });
        this.claimName = this.claim.metadata.name;

        this.registerOutputs({ claimName: this.claimName });
    }
}
