// Who a stack and its data are, as labels and annotations on the cluster's objects: how a volume
// is found again with no Pulumi state, and how a namespace tells whose it is.
import { createHash } from "crypto";

/** Who a data volume belongs to; carried by the volume as labels, so no Pulumi state is needed to find it. */
export interface VolumeIdentity {
    project: string;
    stack: string;
    namespace: string;
    claim: string;
}

export const LABEL_PREFIX = "monsterstack.io";
/**
 * What tells two stacks of the same project and name apart (two trainers' classes on one
 * cluster, or a stack created again after its state was lost): a random id kept in the
 * stack's state (components/stackId.ts), labelled on the namespace it owns and its volumes.
 */
export const STACK_ID_LABEL = `${LABEL_PREFIX}/stack-id`;
/** On the claim: the volume it was created bound to (its spec.volumeName, kept on every later run). */
export const ATTACHED_VOLUME_ANNOTATION = `${LABEL_PREFIX}/attached-volume`;
export const ATTACHED_CLASS_ANNOTATION = `${LABEL_PREFIX}/attached-volume-class`;

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A label value for any stack name: itself when it fits, else a readable prefix and a hash. */
export function labelValue(value: string): string {
    if (value.length <= 63 && LABEL_VALUE.test(value)) return value;
    const cleaned = value.replace(/[^-A-Za-z0-9_.]+/g, "-").replace(/^[^A-Za-z0-9]+/, "").slice(0, 50).replace(/[^A-Za-z0-9]+$/, "");
    return `${cleaned}${cleaned ? "-" : ""}${createHash("sha256").update(value).digest("hex").slice(0, 10)}`;
}

/** Who a stack is: the labels every namespace it creates carries, and the first two its data volume carries. */
export function stackIdentityLabels(id: Pick<VolumeIdentity, "project" | "stack">): Record<string, string> {
    return {
        [`${LABEL_PREFIX}/project`]: labelValue(id.project),
        [`${LABEL_PREFIX}/stack`]: labelValue(id.stack),
    };
}

/** The labels that say whose data a volume holds. */
export function identityLabels(id: VolumeIdentity): Record<string, string> {
    return {
        ...stackIdentityLabels(id),
        [`${LABEL_PREFIX}/namespace`]: id.namespace,
        [`${LABEL_PREFIX}/claim`]: id.claim,
    };
}
