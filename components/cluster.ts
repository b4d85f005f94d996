// The connection to the trainee's cluster and the namespace that holds the stack.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MonsterstackConfig } from "../config";
import { LABEL_PREFIX, STACK_ID_LABEL, stackIdentityLabels } from "../core/identity";
import { stackLabels } from "../core/labels";
import { podSecurityLabels } from "../core/security";
import { PREPARED_BY_CLASS_LABEL } from "../clusterReads/namespace";

/** Provider settings for a stack: which cluster, and whether to apply or render YAML. */
export function providerArgs(config: MonsterstackConfig): k8s.ProviderArgs {
    const cluster: k8s.ProviderArgs = config.renderYamlTo === undefined
        // Unset kubeconfig is an explicit "": client-go then reads $KUBECONFIG (or ~/.kube/config)
        // itself. The value the SDK would take from $KUBECONFIG instead makes the provider copy the
        // whole kubeconfig, admin key included, into a temp file it never deletes.
        ? { context: config.kubeContext, kubeconfig: config.kubeconfig ?? "" }
        // Rendering talks to no cluster, and the provider refuses a kubeconfig alongside it;
        // an explicit "" keeps the SDK from filling one in from $KUBECONFIG.
        // alwaysRender: a deleted or stale directory is written again on every `pulumi up`.
        : { kubeconfig: "", renderYamlToDirectory: config.renderYamlTo, alwaysRender: true };
    return {
        ...cluster,
        // Every object of a stack lives in its own namespace: never fall back to `default`.
        namespace: config.namespace,
        // Objects a trainee created by hand with kubectl (the course mixes both) are adopted
        // rather than failing with AlreadyExists (pulumi-kubernetes >= 4.29 no longer adopts by default).
        upsertExistingObjects: true,
    };
}

export interface TraineeClusterArgs {
    config: MonsterstackConfig;
    /** The stack's id (StackId), labelled on the namespace the stack owns. */
    stackId?: pulumi.Input<string>;
}

/** The namespace's labels: who it is for, whose it is, the Pod Security Standard it enforces, and whether the class prepared it. */
export function namespaceLabels(config: MonsterstackConfig, project: string, stackId?: pulumi.Input<string>): Record<string, pulumi.Input<string>> {
    return {
        ...stackLabels(config.namespace, "namespace"),
        ...stackIdentityLabels({ project, stack: config.stack }),
        ...(stackId === undefined ? {} : { [STACK_ID_LABEL]: stackId }),
        ...podSecurityLabels(config.podSecurity),
        ...(config.tenancy === "only" ? PREPARED_BY_CLASS_LABEL : {}),
    };
}

/** The provider's annotation naming the server-side-apply field manager of an object. */
export const FIELD_MANAGER_ANNOTATION = "pulumi.com/patchFieldManager";

/**
 * Who writes the stack's objects, for server-side apply: a name of the stack's, where the
 * provider would draw one at random into the state. A stack created again after its state was
 * lost (`pulumi stack rm --force`) then owns its objects' fields again: it can change them, and
 * the new key and certificate it generates replace the old ones, instead of conflicting with a
 * field manager nobody has any more.
 */
export function fieldManager(project: string, stack: string): string {
    const identity = stackIdentityLabels({ project, stack });
    return `pulumi-${identity[`${LABEL_PREFIX}/project`]}-${identity[`${LABEL_PREFIX}/stack`]}`;
}

/** Puts the stack's field manager on every Kubernetes object registered with it (not on reads, which have no metadata). */
function withFieldManager(manager: string): pulumi.ResourceTransformation {
    return ({ type, props, opts }) => {
        const metadata = props.metadata;
        if (!type.startsWith("kubernetes:") || metadata === undefined) return undefined;
        if (pulumi.Output.isInstance(metadata) || pulumi.Output.isInstance(metadata.annotations)) {
            throw new Error(`${type}: metadata and its annotations must be plain objects, for the stack's field manager to be added`);
        }
        return { props: { ...props, metadata: { ...metadata, annotations: { ...metadata.annotations, [FIELD_MANAGER_ANNOTATION]: manager } } }, opts };
    };
}

/**
 * An explicit Kubernetes provider plus the namespace of one trainee stack: made by the stack,
 * or, with `namespaceOwner: class`, the one the trainer's class made, used as it is.
 */
export class TraineeCluster extends pulumi.ComponentResource {
    readonly provider: k8s.Provider;
    /** What every object of the stack is registered with: the provider, and the stack's field manager. */
    readonly inCluster: pulumi.ComponentResourceOptions;
    /** undefined when the class owns the namespace. */
    readonly namespace?: k8s.core.v1.Namespace;
    /** The namespace's name, known before the namespace exists. */
    readonly namespaceName: pulumi.Output<string>;

    constructor(name: string, args: TraineeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("monsterstack:cluster:TraineeCluster", name, {}, opts);
        const { config } = args;

        this.provider = new k8s.Provider(`${name}-provider`, providerArgs(config), { parent: this });
        this.inCluster = { provider: this.provider, transformations: [withFieldManager(fieldManager(pulumi.getProject(), config.stack))] };

        if (config.namespaceOwner === "stack") {
            this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, {
                metadata: { name: config.namespace, labels: namespaceLabels(config, pulumi.getProject(), args.stackId) },
            }, { ...this.inCluster, parent: this });
        }
        this.namespaceName = this.namespace ? this.namespace.metadata.name : pulumi.output(config.namespace);

        this.registerOutputs({ namespaceName: this.namespaceName });
    }
}
