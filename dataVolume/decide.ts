// The stack's data volume, decided before any resource is registered: read the cluster (not
// in renderYamlTo mode), plan (plan.ts), tell the trainee, and, during `pulumi up`
// only, make a retained volume ready to bind to the stack's claim.
import * as pulumi from "@pulumi/pulumi";
import { clusterReader } from "../clusterReads";
import type { MonsterstackConfig } from "../config";
import { identityLabels, VolumeIdentity } from "../core/identity";
import { DataVolumePlan, planDataVolume, planMessages } from "./plan";

export interface DataVolumeDecision {
    plan: DataVolumePlan;
    /** The labels the volume carries, so that it is found again without Pulumi state. */
    labels: Record<string, string>;
}

export async function decideDataVolume(config: MonsterstackConfig, claimName: string): Promise<DataVolumeDecision> {
    const identity: VolumeIdentity = { project: pulumi.getProject(), stack: config.stack, namespace: config.namespace, claim: claimName };
    const labels = identityLabels(identity);
    const state = config.renderYamlTo !== undefined ? "render" : await clusterReader.read(config, claimName, labels["monsterstack.io/project"]);
    const plan = planDataVolume({
        identity, labels, cluster: state,
        request: { storageClass: config.storageClass, size: config.redisStorageSize, startEmpty: config.startEmpty, attachVolume: config.attachVolume },
    });
    for (const { severity, text } of planMessages(plan, `${config.namespace}/${claimName}`, new Date())) {
        await (severity === "warn" ? pulumi.log.warn(text) : pulumi.log.info(text));
    }
    if (plan.kind === "rebind" && !pulumi.runtime.isDryRun()) {
        await clusterReader.releaseToClaim(config, plan.volume, claimName);
    }
    return { plan, labels };
}
