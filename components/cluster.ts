// The connection to the trainee's cluster and the namespace that holds the stack.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MonsterstackConfig } from "../config";
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

/** An explicit Kubernetes provider plus the namespace of one trainee stack. */
export class TraineeCluster extends pulumi.ComponentResource {
    readonly provider: k8s.Provider;
    readonly namespace: k8s.core.v1.Namespace;
    /** The namespace's name, known before the namespace exists. */
    readonly namespaceName: pulumi.Output<string>;

    constructor(name: string, args: TraineeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("monsterstack:cluster:TraineeCluster", name, {}, opts);
        const { config } = args;

        this.provider = new k8s.Provider(`${name}-provider`, providerArgs(config), { parent: this });

        this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: {
                name: config.namespace,
                labels: {
                    ...recommendedLabels({ name: "monsterstack", instance: config.namespace, component: "namespace" }),
                    ...podSecurityLabels(config.podSecurity),
                },
            },
        }, { parent: this, provider: this.provider });
        this.namespaceName = this.namespace.metadata.name;

        this.registerOutputs({ namespaceName: this.namespaceName });
    }
}
