// The PersistentVolumeClaim that holds Redis' data, independent of the Redis workload.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ReclaimPolicy } from "../config";
import { ADOPT_RETAINED, recommendedLabels } from "./labels";

export const DATA_CLAIM_NAME = "redis-data";
/** Annotation that records on the claim which reclaim policy the stack asks for. */
export const RECLAIM_POLICY_ANNOTATION = "monsterstack.io/reclaim-policy";

export interface DataClaimArgs {
    namespace: pulumi.Input<string>;
    instance: string;
    /** undefined = the cluster's default StorageClass. */
    storageClass?: string;
    size: string;
    reclaimPolicy: ReclaimPolicy;
}

/** The claim's spec, a pure function so tests can compare it across configurations. */
export function dataClaimSpec(args: Pick<DataClaimArgs, "storageClass" | "size">): k8s.types.input.core.v1.PersistentVolumeClaimSpec {
    return {
        accessModes: ["ReadWriteOnce"],
        storageClassName: args.storageClass,
        resources: { requests: { storage: args.size } },
    };
}

/**
 * A stand-alone claim (not a StatefulSet volumeClaimTemplate), so that a StatefulSet and a
 * Deployment mount the very same claim and switching `redisKind` keeps the data.
 */
export class DataClaim extends pulumi.ComponentResource {
    readonly claim: k8s.core.v1.PersistentVolumeClaim;
    readonly claimName: pulumi.Output<string>;

    constructor(name: string, args: DataClaimArgs, opts?: pulumi.ComponentResourceOptions) {
        super("monsterstack:storage:DataClaim", name, {}, opts);

        this.claim = new k8s.core.v1.PersistentVolumeClaim(name, {
            metadata: {
                name: DATA_CLAIM_NAME,
                namespace: args.namespace,
                labels: recommendedLabels({ name: "redis", instance: args.instance, component: "storage" }),
                // Shown in `pulumi preview --diff` when the policy is toggled: an in-place
                // metadata update, never a change of the claim's (immutable) spec.
                annotations: { [RECLAIM_POLICY_ANNOTATION]: args.reclaimPolicy, ...ADOPT_RETAINED },
            },
            spec: dataClaimSpec(args),
        }, {
            parent: this,
            // With Retain the claim outlives `pulumi destroy`, so its volume stays bound and
            // the next `pulumi up` adopts the same claim and finds the same data.
            retainOnDelete: args.reclaimPolicy === "Retain",
        });
        this.claimName = this.claim.metadata.name;

        this.registerOutputs({ claimName: this.claimName });
    }
}
