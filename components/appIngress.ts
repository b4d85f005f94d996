// Who may connect to the app's pods: the frontend from anywhere on its port, each backend from
// its own clients only, and nothing else to any pod of the app. Made with the app on every
// target, tenancy or not: Redis is never open to every pod of the cluster. Tenancy adds the
// namespace's default deny, for the pods a trainee adds (traineeAccess.ts).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { frontendIdentity } from "./frontend";
import { IMAGEBACKEND_PORT, imageBackendIdentity } from "./imageBackend";
import { PART_OF, selectorLabels, stackLabels } from "../core/labels";
import { REDIS_PORT, redisIdentity } from "./redis";
import { backupSelector } from "./scheduledBackup";

type PolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

export interface AppIngressArgs {
    namespace: pulumi.Input<string>;
    instance: string;
    /**
     * The frontend's pods and port: reached from anywhere (NodePort and LoadBalancer traffic);
     * `any` TCP port where the trainee's own stack chooses it.
     */
    frontend: { selector: Record<string, string>; port: number | "any" };
    /** Each backend, and the pods that may reach it: a NetworkPolicy `<backend>-from-<client>` per pair. */
    backends: Array<{ name: string; selector: Record<string, string>; port: number; clients: Array<{ name: string; selector: Record<string, string> }> }>;
}

/**
 * The app's tiers and who reaches each. `scheduled`: a backup job reaches Redis. The trainee's
 * own stack (`tenancy only`) may choose both, and any frontend port.
 */
export function appTraffic(instance: string, opts: { scheduled: boolean; frontendPort: number | "any" }): Omit<AppIngressArgs, "namespace"> {
    const frontend = { name: "frontend", selector: selectorLabels(frontendIdentity(instance)) };
    return {
        instance,
        frontend: { selector: frontend.selector, port: opts.frontendPort },
        backends: [
            { name: "redis", selector: selectorLabels(redisIdentity(instance)), port: REDIS_PORT,
                clients: [frontend, ...(opts.scheduled ? [{ name: "backup", selector: backupSelector(instance) }] : [])] },
            { name: "imagebackend", selector: selectorLabels(imageBackendIdentity(instance)), port: IMAGEBACKEND_PORT, clients: [frontend] },
        ],
    };
}

/** The pods of the app, whatever their tier: the backup job's too. */
export function appPods(instance: string): Record<string, string> {
    return { "app.kubernetes.io/instance": instance, "app.kubernetes.io/part-of": PART_OF };
}

/** The app's policies by name. Egress stays open: pods need DNS, and the course reaches outside. */
export function appIngressPolicies(args: Pick<AppIngressArgs, "instance" | "frontend" | "backends">): Record<string, PolicySpec> {
    const policies: Record<string, PolicySpec> = {
        // Policies add up: this one admits nothing, so a pod of the app takes only what another admits.
        "app-deny-ingress": { podSelector: { matchLabels: appPods(args.instance) }, policyTypes: ["Ingress"] },
        "frontend-from-anywhere": {
            podSelector: { matchLabels: args.frontend.selector },
            policyTypes: ["Ingress"],
            ingress: [{ ports: [args.frontend.port === "any" ? { protocol: "TCP" } : { protocol: "TCP", port: args.frontend.port }] }],
        },
    };
    for (const backend of args.backends) {
        for (const client of backend.clients) {
            policies[`${backend.name}-from-${client.name}`] = {
                podSelector: { matchLabels: backend.selector },
                policyTypes: ["Ingress"],
                ingress: [{ from: [{ podSelector: { matchLabels: client.selector } }], ports: [{ protocol: "TCP", port: backend.port }] }],
            };
        }
    }
    return policies;
}

/**
 * Before 2026-12-04 these policies were the trainee access's (`trainee-<policy>` under the
 * TraineeAccess `trainee`), made with tenancy only: the alias keeps such a stack's policies
 * in place on upgrade instead of creating and deleting objects of the same name.
 */
function formerlyOfTraineeAccess(policyName: string): pulumi.Alias {
    return { name: `trainee-${policyName}`, parent: pulumi.createUrn("trainee", "monsterstack:tenancy:TraineeAccess") };
}

export class AppIngress extends pulumi.ComponentResource {
    /** The names of the NetworkPolicies made. */
    readonly policyNames: string[];

    constructor(name: string, args: AppIngressArgs, opts?: pulumi.ComponentResourceOptions) {
        super("monsterstack:network:AppIngress", name, {}, opts);
        const policies = appIngressPolicies(args);
        for (const [policyName, spec] of Object.entries(policies)) {
            new k8s.networking.v1.NetworkPolicy(`${name}-${policyName}`, {
                metadata: { name: policyName, namespace: args.namespace, labels: stackLabels(args.instance, "network") },
                spec,
            }, { parent: this, aliases: [formerlyOfTraineeAccess(policyName)] });
        }
        this.policyNames = Object.keys(policies);
        this.registerOutputs({});
    }
}
