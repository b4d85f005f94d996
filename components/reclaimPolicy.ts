// Puts the stack's reclaim policy on the PersistentVolume that actually holds the data.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ReclaimPolicy } from "../config";
import { recommendedLabels } from "../core/labels";
import { isKnown } from "./stackId";

export interface VolumeReclaimPolicyArgs {
    /** The data claim; its bound volume is the one that receives the policy. */
    claim: k8s.core.v1.PersistentVolumeClaim;
    /** `<namespace>/<name>` of the claim, for messages. */
    claimRef: string;
    /** The volume's name when the cluster read already knows it (the claim exists, or a retained volume is attached). */
    volumeName?: string;
    /** The labels that say whose data the volume holds, so that it can be found again without Pulumi state. */
    identityLabels: Record<string, pulumi.Input<string>>;
    policy: ReclaimPolicy;
    instance: string;
    /**
     * Resources that must be ready before the claim is read back: with a
     * WaitForFirstConsumer StorageClass the claim is only bound once its pod is scheduled.
     */
    after: pulumi.Resource[];
    /**
     * When the claim may stay unbound after `after` (nothing mounts it yet): what to tell the
     * trainee instead of failing, and no policy is set until a later run finds it bound.
     */
    bindsLater?: string;
}

/**
 * What a preview says when a new volume is to be provisioned (a new stack, or no retained
 * volume to attach): its name, and so the patch that sets its policy, are only known once
 * the claim is bound during `pulumi up`.
 */
export function pendingVolumeNote(claimRef: string, policy: ReclaimPolicy): string {
    const consequence = policy === "Retain"
        ? "`pulumi destroy` will then keep the volume and its data"
        : "`pulumi destroy` will then delete the volume and its data";
    return `Reclaim policy ${policy}: \`pulumi up\` will set it on the new volume of claim ${claimRef} as soon as ` +
        `the claim is bound; ${consequence}. This preview cannot list that step (a PersistentVolumePatch named ` +
        `after the volume): the volume does not exist yet.`;
}

/**
 * What the stack sets on the volume a claim is bound to: its reclaim policy, and the labels
 * that say whose data it holds. `pulumi up` patches them in; rendered YAML leaves them to
 * `kubectl patch` after `apply` (afterApply.ts).
 */
export function volumeFields<L>(instance: string, identityLabels: Record<string, L>, policy: ReclaimPolicy) {
    return {
        metadata: { labels: { ...recommendedLabels({ name: "redis", instance, component: "storage" }), ...identityLabels } },
        spec: { persistentVolumeReclaimPolicy: policy },
    };
}

/**
 * A StorageClass' reclaimPolicy is immutable and only applies when a volume is provisioned,
 * so the policy cannot come from the class. Instead the program reads back which volume
 * the claim is bound to and server-side-applies `persistentVolumeReclaimPolicy` on that
 * very PersistentVolume: toggling Retain/Delete is an in-place update of one field.
 *
 * The patch is registered once the volume's name is known: at once when the cluster read
 * knows it, else when the claim read back after Redis is ready is bound. The provider
 * refuses a patch without a name, and in the preview of a new claim there is none yet: that
 * preview says in words what will happen instead (`pendingVolumeNote`). The claim is always
 * read back, so that every run registers the same resources.
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
        const volumeName = args.volumeName !== undefined ? pulumi.output(args.volumeName) : bound.spec.volumeName;

        const patch = volumeName.apply((volume) => {
            if (!volume && args.bindsLater !== undefined) {
                void pulumi.log.info(`${args.claimRef}: ${args.bindsLater}`, this);
                return undefined;
            }
            if (!volume) {
                const [namespace, claim] = args.claimRef.split("/");
                throw new pulumi.ResourceError(`claim ${args.claimRef} is not bound to a volume although Redis is ready; ` +
                    `see: kubectl describe pvc -n ${namespace} ${claim}`, this);
            }
            const fields = volumeFields(args.instance, args.identityLabels, args.policy);
            return new k8s.core.v1.PersistentVolumePatch(`${name}-volume`, {
                metadata: {
                    name: volume,
                    labels: fields.metadata.labels,
                    annotations: {
                        // The provisioner that created the volume owns this field; take it over.
                        "pulumi.com/patchForce": "true",
                    },
                },
                spec: fields.spec,
            }, {
                parent: this,
                // Deleting a patch would give the field back to its previous owner, and an
                // unowned reclaim policy falls back to the API default: leave it as last set.
                retainOnDelete: true,
            });
        });
        // The volume's name once the policy is on it.
        this.volumeName = patch.apply((p): pulumi.Output<string> => (p ? p.metadata.name : pulumi.output("(not bound yet)")));

        if (pulumi.runtime.isDryRun()) {
            void isKnown(volumeName).then((known) => {
                if (!known) pulumi.log.info(pendingVolumeNote(args.claimRef, args.policy), this);
            });
        }

        this.registerOutputs({ volumeName: this.volumeName, policy: this.policy });
    }
}
