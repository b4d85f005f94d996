// Whether a stack may use the namespace its config names, before a single resource is
// registered: the namespace's labels, read from the cluster, and the checks that say whose it
// is. The program refuses another's namespace here; the trainer's tools read the same labels.
import * as k8s from "@kubernetes/client-node";
import { ConfigError, defaultNamespace, MonsterstackConfig } from "../config";
import { LABEL_PREFIX, STACK_ID_LABEL, stackIdentityLabels } from "../core/identity";
import { stackLabels } from "../core/labels";
import { loadKubeConfig, notFound, refused } from "./kubeconfig";

/** On a namespace the trainer's class prepared for a trainee's own stack (`tenancy only`). */
export const PREPARED_BY_CLASS_LABEL = { "monsterstack.io/tenancy": "only" };

/** The labels of the stack's namespace, or undefined when it does not exist: whose it is, before anything is registered. */
export async function readNamespaceLabels(config: MonsterstackConfig): Promise<Record<string, string> | undefined> {
    const kc = loadKubeConfig(config);
    try {
        const ns = await kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: config.namespace });
        return ns.metadata?.labels ?? {};
    } catch (err) {
        if (notFound(err)) return undefined;
        throw refused(`get namespace ${config.namespace}`, kc.getCurrentCluster()!.server, err, "The program reads it to check that it is this stack's own (or the class's), and never takes another's");
    }
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
