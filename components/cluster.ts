// The connection to the trainee's cluster and the namespace that holds the stack.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, MonsterstackConfig } from "../config";
import { recommendedLabels } from "./labels";
import { podSecurityLabels } from "./security";

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
}

/** On a namespace the trainer's class prepared for a trainee's own stack (`tenancy only`). */
export const PREPARED_BY_CLASS_LABEL = { "monsterstack.io/tenancy": "only" };

/** The namespace's labels: who it is for, the Pod Security Standard it enforces, and whether the class prepared it. */
export function namespaceLabels(config: MonsterstackConfig): Record<string, string> {
    return {
        ...recommendedLabels({ name: "monsterstack", instance: config.namespace, component: "namespace" }),
        ...podSecurityLabels(config.podSecurity),
        ...(config.tenancy === "only" ? PREPARED_BY_CLASS_LABEL : {}),
    };
}

/**
 * With `namespaceOwner: class`, the stack deploys into a namespace the trainer's class made
 * (`tenancy only`) and never creates or deletes it: refuse anything else, by name, before a
 * single resource is registered. `labels`: the namespace's, undefined when it does not exist.
 */
export function requireClassNamespace(config: MonsterstackConfig, labels: Record<string, string> | undefined): void {
    const [key, value] = Object.entries(PREPARED_BY_CLASS_LABEL)[0];
    if (labels === undefined) {
        throw new ConfigError(`monsterstack:namespaceOwner = "class" but namespace ${config.namespace} does not exist: ` +
            "the trainer makes it with `npm run class -- up --config tenancy=only` (or set monsterstack:namespace to the one you were given).");
    }
    if (labels[key] !== value) {
        throw new ConfigError(`monsterstack:namespaceOwner = "class" but namespace ${config.namespace} was not prepared by the class ` +
            `(it lacks the label ${key}=${value}): this stack would neither create nor delete it. Unset the key if the stack owns it.`);
    }
}

/**
 * An explicit Kubernetes provider plus the namespace of one trainee stack: made by the stack,
 * or, with `namespaceOwner: class`, the one the trainer's class made, used as it is.
 */
export class TraineeCluster extends pulumi.ComponentResource {
    readonly provider: k8s.Provider;
    /** undefined when the class owns the namespace. */
    readonly namespace?: k8s.core.v1.Namespace;
    /** The namespace's name, known before the namespace exists. */
    readonly namespaceName: pulumi.Output<string>;

    constructor(name: string, args: TraineeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("monsterstack:cluster:TraineeCluster", name, {}, opts);
        const { config } = args;

        this.provider = new k8s.Provider(`${name}-provider`, providerArgs(config), { parent: this });

        if (config.namespaceOwner === "stack") {
            this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, {
                metadata: { name: config.namespace, labels: namespaceLabels(config) },
            }, { parent: this, provider: this.provider });
        }
        this.namespaceName = this.namespace ? this.namespace.metadata.name : pulumi.output(config.namespace);

        this.registerOutputs({ namespaceName: this.namespaceName });
    }
}
