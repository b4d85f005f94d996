// Kubernetes recommended labels, one place for all components.
// https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/

/** The Pulumi project's name: the prefix of its settings, and what every object is part of. */
export const PROJECT = "monsterstack";
export const PART_OF = PROJECT;

export interface AppIdentity {
    /** What the application is: frontend, imagebackend, redis. */
    name: string;
    /** Which stack it belongs to; the namespace, unique per trainee. */
    instance: string;
    /** Its role in the architecture: web, backend, database, ... */
    component: string;
}

/** The full set of recommended labels for an object. */
export function recommendedLabels(app: AppIdentity): Record<string, string> {
    return {
        "app.kubernetes.io/name": app.name,
        "app.kubernetes.io/instance": app.instance,
        "app.kubernetes.io/component": app.component,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

/** The labels of the stack's own objects that belong to no tier (the namespace, the trainee's access). */
export function stackLabels(instance: string, component: "namespace" | "tenancy" | "network"): Record<string, string> {
    return recommendedLabels({ name: PART_OF, instance, component });
}

/**
 * The subset used in selectors. Kept small on purpose: a workload's selector is
 * immutable, so it must only hold labels that never change for the life of the stack.
 */
export function selectorLabels(app: AppIdentity): Record<string, string> {
    return {
        "app.kubernetes.io/name": app.name,
        "app.kubernetes.io/instance": app.instance,
    };
}
