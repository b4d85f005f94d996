// Which volume holds a stack's data: the decision, as a pure function of what the cluster
// holds, who the stack is and what its config asks. The program reads the cluster
// (clusterReads/volumes.ts), calls `planDataVolume`, and builds the claim from the plan.
import { ConfigError } from "../config";
import { ATTACHED_CLASS_ANNOTATION, ATTACHED_VOLUME_ANNOTATION, LABEL_PREFIX, VolumeIdentity } from "../core/identity";
import { quantityBytes } from "../core/quantities";
import type { ClusterState, VolumeState } from "../clusterReads/volumes";

export interface DataRequest {
    /** undefined: the cluster's default class. */
    storageClass?: string;
    size: string;
    startEmpty: boolean;
    attachVolume?: string;
}

/** Why a retained volume of the stack was not taken. */
export interface Refusal {
    volume: VolumeState;
    reason: string;
}

export type DataVolumePlan =
    /** renderYamlTo: no cluster to read; the claim is provisioned when the manifests are applied. */
    | { kind: "render" }
    /** The claim exists: keep it as it is. `attached`: it was created bound to a retained volume. */
    | { kind: "existing"; volumeName?: string; attached?: AttachedVolume }
    /** Create the claim bound to this retained volume: its data comes back. */
    | { kind: "rebind"; volume: VolumeState; attached: AttachedVolume; others: VolumeState[]; refused: Refusal[] }
    /** Create the claim and let the StorageClass provision a new volume. */
    | { kind: "provision"; refused: Refusal[]; leftAlone: VolumeState[] };

/** A claim created bound to a volume: its spec names the volume and the volume's own class. */
export interface AttachedVolume {
    volumeName: string;
    storageClass: string;
}

/** Why `volume` cannot hold this stack's data, or undefined when it fits. */
export function misfit(volume: VolumeState, request: DataRequest, defaultClass: string | undefined): string | undefined {
    if (quantityBytes(volume.capacity) < quantityBytes(request.size)) {
        return `its ${volume.capacity} is smaller than redisStorageSize ${request.size}`;
    }
    if (!volume.accessModes.includes("ReadWriteOnce")) {
        return `its access modes ${volume.accessModes.join(", ") || "(none)"} lack ReadWriteOnce`;
    }
    const wanted = request.storageClass ?? defaultClass;
    if (wanted !== undefined && volume.storageClass !== wanted) {
        return `its StorageClass ${volume.storageClass || "(none)"} is not ${wanted}`;
    }
    return undefined;
}

/**
 * Free to attach: Released or Available, or still marked Bound to the stack's own claim,
 * which the read just found gone (the volume controller has not caught up yet).
 */
function isFree(volume: VolumeState, identity: VolumeIdentity): boolean {
    if (volume.phase === "Released" || volume.phase === "Available") return true;
    return volume.phase === "Bound" && volume.claimRef?.namespace === identity.namespace && volume.claimRef?.name === identity.claim;
}

function isOwnedBy(volume: VolumeState, labels: Record<string, string>): boolean {
    return Object.entries(labels).every(([k, v]) => volume.labels[k] === v);
}

/** Labelled for another stack or project. The namespace and claim may differ: a stack moved to another namespace takes its own data along by name. */
function ownedByAnother(volume: VolumeState, labels: Record<string, string>): boolean {
    return [`${LABEL_PREFIX}/project`, `${LABEL_PREFIX}/stack`].some((k) => volume.labels[k] !== undefined && volume.labels[k] !== labels[k]);
}

function attachedTo(volume: VolumeState): AttachedVolume {
    return { volumeName: volume.name, storageClass: volume.storageClass };
}

/**
 * The plan for the stack's data volume:
 * - the claim exists: keep it (and the volume it was created bound to, if any);
 * - `attachVolume` names a volume: take it if it is free, fits and is not another stack's;
 * - else the newest free volume labelled for this very stack that fits, unless `startEmpty`;
 * - else provision, saying why each retained volume of the stack was left alone.
 * A Bound volume is never taken; a volume of another stack or project is never even a candidate.
 */
export function planDataVolume(args: {
    identity: VolumeIdentity;
    labels: Record<string, string>;
    request: DataRequest;
    cluster: ClusterState | "render";
}): DataVolumePlan {
    const { labels, request, cluster, identity } = args;
    if (cluster === "render") return { kind: "render" };

    if (cluster.claim) {
        const { annotations } = cluster.claim;
        const attached = annotations[ATTACHED_VOLUME_ANNOTATION]
            ? { volumeName: annotations[ATTACHED_VOLUME_ANNOTATION], storageClass: annotations[ATTACHED_CLASS_ANNOTATION] ?? "" }
            : undefined;
        if (request.attachVolume && cluster.claim.volumeName !== request.attachVolume) {
            throw new ConfigError(`monsterstack:attachVolume = ${JSON.stringify(request.attachVolume)} cannot be attached: ` +
                `claim ${identity.namespace}/${identity.claim} already exists, bound to ${cluster.claim.volumeName ?? "nothing yet"}, and a claim's volume cannot change. ` +
                `Delete the claim first (kubectl delete pvc -n ${identity.namespace} ${identity.claim}), or unset the key.`);
        }
        return { kind: "existing", volumeName: cluster.claim.volumeName, attached };
    }

    const defaultClass = cluster.defaultStorageClass;
    if (request.attachVolume) {
        const wanted = cluster.volumes.find((v) => v.name === request.attachVolume);
        const refusal = (why: string) =>
            new ConfigError(`monsterstack:attachVolume = ${JSON.stringify(request.attachVolume)} cannot be attached: ${why}.`);
        if (!wanted) throw refusal("there is no PersistentVolume of that name (kubectl get pv)");
        if (!isFree(wanted, identity)) {
            throw refusal(`it is ${wanted.phase}${wanted.claimRef?.name ? ` to ${wanted.claimRef.namespace}/${wanted.claimRef.name}` : ""}; only a Released or Available volume can be attached`);
        }
        if (ownedByAnother(wanted, labels)) {
            throw refusal(`it holds the data of ${wanted.labels[`${LABEL_PREFIX}/project`]}/${wanted.labels[`${LABEL_PREFIX}/stack`]}, not of this stack`);
        }
        const why = misfit(wanted, request, defaultClass);
        if (why) throw refusal(why);
        return { kind: "rebind", volume: wanted, attached: attachedTo(wanted), others: [], refused: [] };
    }

    const ours = cluster.volumes.filter((v) => isOwnedBy(v, labels) && isFree(v, identity));
    if (request.startEmpty) return { kind: "provision", refused: [], leftAlone: ours };
    const refused: Refusal[] = [];
    const fitting: VolumeState[] = [];
    for (const volume of ours) {
        const why = misfit(volume, request, defaultClass);
        if (why) refused.push({ volume, reason: why }); else fitting.push(volume);
    }
    if (fitting.length === 0) return { kind: "provision", refused, leftAlone: [] };
    const [newest, ...others] = [...fitting].sort((a, b) => b.created.getTime() - a.created.getTime());
    return { kind: "rebind", volume: newest, attached: attachedTo(newest), others, refused };
}

/** "3 hours ago", for a trainee reading a preview. */
export function age(from: Date, now: Date): string {
    const seconds = Math.max(0, Math.round((now.getTime() - from.getTime()) / 1000));
    const units: Array<[number, string]> = [[86400, "day"], [3600, "hour"], [60, "minute"], [1, "second"]];
    for (const [size, unit] of units) {
        const n = Math.floor(seconds / size);
        if (n >= 1) return `${n} ${unit}${n > 1 ? "s" : ""} ago`;
    }
    return "just now";
}

function describe(volume: VolumeState, now: Date): string {
    return `${volume.name} (${volume.capacity}, class ${volume.storageClass || "(none)"}, created ${age(volume.created, now)})`;
}

/** What the preview and the update tell the trainee about the data, in plain words. */
export function planMessages(plan: DataVolumePlan, claimRef: string, now: Date): Array<{ severity: "info" | "warn"; text: string }> {
    const messages: Array<{ severity: "info" | "warn"; text: string }> = [];
    if (plan.kind === "rebind") {
        messages.push({ severity: "info", text:
            `Data: the retained volume ${describe(plan.volume, now)} is attached again to claim ${claimRef}: its data comes back.` });
        if (plan.others.length > 0) {
            messages.push({ severity: "info", text:
                `Data: other retained volumes of this stack are left untouched: ${plan.others.map((v) => describe(v, now)).join("; ")}.` });
        }
    }
    if (plan.kind === "rebind" || plan.kind === "provision") {
        for (const { volume, reason } of plan.refused) {
            messages.push({ severity: "warn", text:
                `Data: the retained volume ${describe(volume, now)} of this stack does not fit: ${reason}. It is left untouched` +
                (plan.kind === "provision" ? "; a new volume is provisioned." : ".") });
        }
    }
    if (plan.kind === "provision" && plan.leftAlone.length > 0) {
        messages.push({ severity: "info", text:
            `Data: startEmpty is true: a new volume is provisioned, and the retained volumes ${plan.leftAlone.map((v) => describe(v, now)).join("; ")} are left untouched.` });
    }
    return messages;
}

/** The `dataVolumeOrigin` output: where the data of the claim's volume comes from. */
export function dataOrigin(plan: DataVolumePlan): string {
    switch (plan.kind) {
        case "render": return "renderYamlTo mode: no cluster was read; the claim gets a new volume when the manifests are applied";
        case "rebind": return "re-attached: a retained volume";
        case "existing": return plan.attached ? "re-attached: a retained volume" : "newly provisioned";
        case "provision": return "newly provisioned";
    }
}
