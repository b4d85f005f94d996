// The connection to the trainee's cluster and the namespace that holds the stack.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, defaultNamespace, MonsterstackConfig } from "../config";
import { LABEL_PREFIX, stackIdentityLabels } from "../core/identity";
import { stackLabels } from "../core/labels";
import { podSecurityLabels } from "../core/security";
import { STACK_ID_LABEL } from "./stackId";

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

/** On a namespace the trainer's class prepared for a trainee's own stack (`tenancy only`). */
export const PREPARED_BY_CLASS_LABEL = { "monsterstack.io/tenancy": "only" };

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
 * A namespace made by a version of this program from before namespaces carried their stack's
 * identity: it has the recommended labels the program has always written, and no identity.
 */
function isUnidentifiedMonsterstackNamespace(labels: Record<string, string>, name: string): boolean {
    const made = stackLabels(name, "namespace");
    return labels[`${LABEL_PREFIX}/stack`] === undefined &&
        ["app.kubernetes.io/part-of", "app.kubernetes.io/component", "app.kubernetes.io/instance"].every((k) => labels[k] === made[k]);
}

/** Whose a namespace looks like, from the labels it carries, for a trainee reading a refusal. */
function whose(labels: Record<string, string>, name: string): string {
    const listed = (keys: string[]) => keys.map((k) => `${k}=${labels[k]}`).join(", ");
    const identity = Object.keys(labels).filter((k) => k.startsWith(`${LABEL_PREFIX}/`) && k !== STACK_ID_LABEL).sort();
    if (labels[`${LABEL_PREFIX}/stack`] !== undefined) {
        const prepared = labels[Object.keys(PREPARED_BY_CLASS_LABEL)[0]] === "only" ? ", prepared by the trainer's class" : "";
        return `it is stack ${labels[`${LABEL_PREFIX}/stack`]}'s, of project ${labels[`${LABEL_PREFIX}/project`] ?? "(none)"}${prepared} (${listed(identity)})`;
    }
    if (isUnidentifiedMonsterstackNamespace(labels, name)) {
        return "an earlier version of monsterstack made it, before namespaces carried their stack's name, for some stack whose namespace was set to " + name;
    }
    // Kubernetes puts its name on every namespace: not worth showing.
    const own = Object.keys(labels).filter((k) => k !== "kubernetes.io/metadata.name").sort();
    return own.length > 0 ? `it is not monsterstack's: its labels are ${listed(own)}` : "it is not monsterstack's: it carries no label but its name";
}

/**
 * Whether the stack may use the namespace its config names, before a single resource is
 * registered. A stack adopts the namespace it creates if it exists already, relabels it, and
 * deletes it with everything in it at `pulumi destroy`: so it only ever takes one that does not
 * exist yet or is its own, carrying this project's and this stack's identity labels. One made
 * before those labels is its own when it has the stack's default name, which no other stack
 * has. With `namespaceOwner: class`, the namespace must be the one the class prepared.
 * `labels`: the namespace's, undefined when it does not exist. Throws a ConfigError naming it.
 */
export function requireUsableNamespace(config: MonsterstackConfig, project: string, labels: Record<string, string> | undefined): void {
    if (config.namespaceOwner === "class") return requireClassNamespace(config, labels);
    if (labels === undefined) return;
    const identity = stackIdentityLabels({ project, stack: config.stack });
    if (Object.entries(identity).every(([k, v]) => labels[k] === v)) return;
    const byDefault = config.namespace === defaultNamespace(config.stack);
    if (byDefault && isUnidentifiedMonsterstackNamespace(labels, config.namespace)) return;

    const label = Object.entries(identity).map(([k, v]) => `${k}=${v}`).join(" ");
    const claimIt = isUnidentifiedMonsterstackNamespace(labels, config.namespace)
        ? ` If it is this stack's own, say so first: kubectl label namespace ${config.namespace} ${label}.` : "";
    throw new ConfigError(`monsterstack:namespace = ${JSON.stringify(config.namespace)}${byDefault ? " (the default for this stack)" : ""}: ` +
        `namespace ${config.namespace} already exists and is not this stack's: ${whose(labels, config.namespace)}. ` +
        "A stack adopts its namespace, relabels it and deletes it, with everything in it, at `pulumi destroy`, so it only takes its own, " +
        `one labelled ${label}. Nothing was changed. Set monsterstack:namespace to a name of your own` +
        `${byDefault ? "" : ` (or unset it: ${defaultNamespace(config.stack)})`}, or, in a namespace the trainer prepared for you, ` +
        `set monsterstack:namespaceOwner class.${claimIt}`);
}

/**
 * The second half of the check, once the stack's id is known (undefined in the preview of a
 * stack's first run): a namespace labelled with this stack's project and name, but another
 * stack id, belongs to another stack of the same name (another trainer's class on this
 * cluster, on a backend of its own) or to this one before its state was lost. Either way the
 * program cannot tell it is this stack's, and refuses it, saying how to claim it. A namespace
 * made before namespaces carried an id (2722259 and earlier) has none, and stays its stack's.
 */
export function requireOwnStackId(config: MonsterstackConfig, labels: Record<string, string> | undefined, stackId: string | undefined): void {
    const theirs = labels?.[STACK_ID_LABEL];
    if (theirs === undefined || theirs === stackId) return;
    const byDefault = config.namespace === defaultNamespace(config.stack);
    throw new ConfigError(`monsterstack:namespace = ${JSON.stringify(config.namespace)}${byDefault ? " (the default for this stack)" : ""}: ` +
        `namespace ${config.namespace} already exists and is not this stack's: it is the namespace of a stack ${config.stack} of project ` +
        `${labels?.[`${LABEL_PREFIX}/project`] ?? "(none)"}, but of another deployment of it (${STACK_ID_LABEL}=${theirs}; this stack's id is ` +
        `${stackId ?? "drawn at its first `pulumi up`"}): another trainer's class on this cluster, with a backend of its own, or this stack ` +
        "before its state was lost. A stack deletes its namespace, with everything in it, at `pulumi destroy`, so it only takes its own. Nothing was changed. " +
        `Set monsterstack:namespace to a name of your own${byDefault ? "" : ` (or unset it: ${defaultNamespace(config.stack)})`}. ` +
        `If it is this stack's own and its state was lost, say so first: kubectl label namespace ${config.namespace} ${STACK_ID_LABEL}-`);
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
