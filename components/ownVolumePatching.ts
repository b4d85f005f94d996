// The one cluster-scoped change a trainee's own stack makes: the reclaim policy (and the
// identity labels) of the volume that holds their data. RBAC can only say "patch any
// PersistentVolume"; a ValidatingAdmissionPolicy narrows that to the volumes claimed from the
// trainee's own namespace, and to those fields.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LABEL_PREFIX } from "../core/identity";
import { stackLabels } from "../core/labels";

/** Label prefixes the program itself puts on a volume (identity and recommended labels). */
export const PROGRAM_LABEL_PREFIXES = [`${LABEL_PREFIX}/`, "app.kubernetes.io/"];
/** Annotation prefix the Pulumi provider may set on an object it patches. */
const PROVIDER_ANNOTATION_PREFIX = "pulumi.com/";

/**
 * Spec fields a trainee may not change. The volume's source (hostPath, a cloud disk, ...) is
 * immutable by the API server's own validation, except CSI's secret references, hence `csi`.
 * Left out on purpose: persistentVolumeReclaimPolicy, and claimRef, checked on its own.
 */
export const FROZEN_SPEC_FIELDS = [
    "capacity", "accessModes", "storageClassName", "mountOptions", "volumeMode", "nodeAffinity",
    "volumeAttributesClassName", "csi",
];

export interface CelValidation {
    expression: string;
    messageExpression: string;
}

function unchanged(path: string, field: string): string {
    // The API server's CEL type-checker cannot see `capacity`, a map of Quantity: it is an
    // "undefined field" of the typed PersistentVolume (the e2e suite found it), so it is read
    // through `dyn`. A volume always has a capacity, so there is no has() to ask.
    if (field === "capacity") return `dyn(object.${path}).capacity == dyn(oldObject.${path}).capacity`;
    return `(has(object.${path}.${field}) == has(oldObject.${path}.${field}) && (!has(object.${path}.${field}) || object.${path}.${field} == oldObject.${path}.${field}))`;
}

/** Every key of `map` on `side` is a program's key, or kept as it was on the other side. */
function onlyProgramKeysChange(map: "labels" | "annotations", prefixes: string[]): string {
    const ours = (k: string) => prefixes.map((p) => `${k}.startsWith('${p}')`).join(" || ");
    const keptFrom = (side: string, other: string) =>
        `(!has(${side}.metadata.${map}) || ${side}.metadata.${map}.all(k, ${ours("k")} || ` +
        `(has(${other}.metadata.${map}) && k in ${other}.metadata.${map} && ${other}.metadata.${map}[k] == ${side}.metadata.${map}[k])))`;
    return `${keptFrom("object", "oldObject")} && ${keptFrom("oldObject", "object")}`;
}

/**
 * The policy's checks, in the order a refusal is explained. The user name of a ServiceAccount,
 * `system:serviceaccount:<namespace>:<name>`, says whose namespace a request comes from; a
 * volume belongs to the namespace its claimRef names.
 */
export function ownVolumeValidations(account: string): CelValidation[] {
    const user = "request.userInfo.username";
    const volume = "'volume ' + oldObject.metadata.name";
    const claimNamespace = "(has(oldObject.spec.claimRef) && has(oldObject.spec.claimRef.namespace) ? oldObject.spec.claimRef.namespace : '(none)')";
    const isUpdate = "request.operation == 'UPDATE'";
    // Each later check is only meaningful for an update, which the first one demands.
    const onUpdate = (expression: string) => `!(${isUpdate}) || (${expression})`;
    return [
        {
            expression: isUpdate,
            messageExpression: `${user} + ' may set the reclaim policy of an existing volume, never ' + request.operation + ' one'`,
        },
        {
            expression: onUpdate(`has(oldObject.spec.claimRef) && has(oldObject.spec.claimRef.namespace) && ` +
                `${user} == 'system:serviceaccount:' + oldObject.spec.claimRef.namespace + ':${account}'`),
            messageExpression: `${volume} + ' holds the data of namespace ' + ${claimNamespace} + ': ' + ${user} + ' may only change volumes claimed from its own namespace'`,
        },
        {
            expression: onUpdate([
                ...FROZEN_SPEC_FIELDS.map((f) => unchanged("spec", f)),
                // The claim it belongs to stays the same; dropping the old claim's uid lets a new claim of that name bind it.
                "has(object.spec.claimRef) && object.spec.claimRef.namespace == oldObject.spec.claimRef.namespace",
                "object.spec.claimRef.name == oldObject.spec.claimRef.name",
                "(!has(object.spec.claimRef.uid) || (has(oldObject.spec.claimRef.uid) && object.spec.claimRef.uid == oldObject.spec.claimRef.uid))",
            ].join(" && ")),
            messageExpression: `${volume} + ': ' + ${user} + ' may change its reclaim policy only, not its ${FROZEN_SPEC_FIELDS.join(", ")} or claim'`,
        },
        {
            expression: onUpdate([
                onlyProgramKeysChange("labels", PROGRAM_LABEL_PREFIXES),
                `(!has(object.metadata.labels) || !('${LABEL_PREFIX}/namespace' in object.metadata.labels) || object.metadata.labels['${LABEL_PREFIX}/namespace'] == oldObject.spec.claimRef.namespace)`,
                onlyProgramKeysChange("annotations", [PROVIDER_ANNOTATION_PREFIX]),
                unchanged("metadata", "finalizers"),
                unchanged("metadata", "ownerReferences"),
            ].join(" && ")),
            messageExpression: `${volume} + ': ' + ${user} + ' may only set the labels ${PROGRAM_LABEL_PREFIXES.map((p) => `${p}*`).join(" and ")}, with ${LABEL_PREFIX}/namespace its own namespace'`,
        },
    ];
}

export interface OwnVolumePolicySpec {
    failurePolicy: "Fail";
    matchConstraints: { resourceRules: Array<{ apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[] }> };
    matchConditions: Array<{ name: string; expression: string }>;
    validations: CelValidation[];
}

/** The policy admitting a trainee's changes to PersistentVolumes, for one trainee's ServiceAccount. */
export function ownVolumePolicySpec(namespace: string, account: string): OwnVolumePolicySpec {
    return {
        failurePolicy: "Fail",
        matchConstraints: {
            resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["persistentvolumes"] }],
        },
        // Every other user (the trainer, the volume controllers) is none of this policy's business.
        matchConditions: [{ name: "this-trainee", expression: `request.userInfo.username == 'system:serviceaccount:${namespace}:${account}'` }],
        validations: ownVolumeValidations(account),
    };
}

export interface OwnVolumePatchingArgs {
    /** The trainee's namespace (cluster-scoped names derive from it). */
    namespaceName: string;
    /** The trainee's ServiceAccount. */
    account: string;
    instance: string;
}

/**
 * A ClusterRole that may patch PersistentVolumes, bound to the trainee's ServiceAccount, and
 * the admission policy that limits it to the trainee's own volume. The binding is created
 * after the policy and deleted before it, so the right never exists unguarded.
 */
export class OwnVolumePatching extends pulumi.ComponentResource {
    readonly policyName: pulumi.Output<string>;

    constructor(name: string, args: OwnVolumePatchingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("monsterstack:tenancy:OwnVolumePatching", name, {}, opts);
        const labels = stackLabels(args.instance, "tenancy");
        const child = { parent: this };
        // Cluster-scoped, so named after the namespace: thirty trainees, thirty of each, no collision.
        const objectName = `monsterstack-${args.namespaceName}-own-volume`;

        const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(`${name}-policy`, {
            metadata: { name: objectName, labels },
            spec: ownVolumePolicySpec(args.namespaceName, args.account),
        }, child);
        const policyBinding = new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(`${name}-policy-binding`, {
            metadata: { name: objectName, labels },
            spec: { policyName: policy.metadata.name, validationActions: ["Deny"] },
        }, child);
        const role = new k8s.rbac.v1.ClusterRole(`${name}-role`, {
            metadata: { name: `monsterstack:${args.namespaceName}:own-volume`, labels },
            rules: [{ apiGroups: [""], resources: ["persistentvolumes"], verbs: ["patch"] }],
        }, child);
        new k8s.rbac.v1.ClusterRoleBinding(`${name}-role-binding`, {
            metadata: { name: `monsterstack:${args.namespaceName}:own-volume`, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: args.account, namespace: args.namespaceName }],
        }, { ...child, dependsOn: [policy, policyBinding] });

        this.policyName = policy.metadata.name;
        this.registerOutputs({ policyName: this.policyName });
    }
}
