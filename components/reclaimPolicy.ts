// Puts the stack's reclaim policy on the PersistentVolume that actually holds the data.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ReclaimPolicy } from "../config";
import { recommendedLabels } from "./labels";

export interface VolumeReclaimPolicyArgs {
    /** The data claim; its bound volume is the one that receives the policy. */
    claim: k8s.core.v1.PersistentVolumeClaim;
    policy: ReclaimPolicy;
    instance: string;
    /**
     * Resources that must be ready before the claim is read back: with a
     * WaitForFirstConsumer StorageClass the claim is only bound once its pod is scheduled.
     */
    after: pulumi.Resource[];
}

/**
 * A StorageClass' reclaimPolicy is immutable and only applies when a volume is provisioned,
 * so the policy cannot come from the class. Instead the program reads back which volume
 * the claim is bound to and server-side-applies `persistentVolumeReclaimPolicy` on that
 * very PersistentVolume: toggling Retain/Delete is an in-place update of one field.
 */
export class VolumeReclaimPolicy extends pulumi.ComponentResource {
    /** Name of the PersistentVolume bound to the claim (unknown until the claim is bound). */
    readonly volumeName: pulumi.Output<string>;
    readonly policy: ReclaimPolicy;

    constructor(name: string, args: VolumeReclaimPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("monsterstack:storage:VolumeReclaimPolicy", name, {}, opts);
        this.policy = args.policy;

        const bound = k8s.core.v1.PersistentVolumeClaim.get(`${name}-bound-claim`, args.claim.id, {
            parent: this,
            dependsOn: args.after,
        });
        this.volumeName = bound.spec.volumeName;

        new k8s.core.v1.PersistentVolumePatch(`${name}-volume`, {
            metadata: {
                name: this.volumeName,
                labels: recommendedLabels({ name: "redis", instance: args.instance, component: "storage" }),
                annotations: {
                    // The provisioner that created the volume owns this field; take it over.
                    "pulumi.com/patchForce": "true",
                },
            },
            spec: { persistentVolumeReclaimPolicy: args.policy },
        }, {
            parent: this,
            // Deleting a patch would give the field back to its previous owner, and an
            // unowned reclaim policy falls back to the API default: leave it as last set.
            retainOnDelete: true,
        });

        this.registerOutputs({ volumeName: this.volumeName, policy: this.policy });
    }
}
