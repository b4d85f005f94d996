// A trainee's own access to a shared cluster: what they may do in their namespace and nowhere
// else, the limits that keep one trainee from starving the others, and their kubeconfig.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stackLabels } from "../core/labels";
import { OwnVolumePatching } from "./ownVolumePatching";
import { cpuMilli, memoryMi, quantityBytes } from "../core/quantities";
import { ContainerSize, TRAINEE_CONTAINER_SIZE } from "../core/resources";

export const TRAINEE_SERVICE_ACCOUNT = "trainee";
export const TRAINEE_TOKEN_SECRET = "trainee-token";

type Rule = k8s.types.input.rbac.v1.PolicyRule;
const ALL_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"];

/**
 * What the course's exercises need in the trainee's own namespace. Port-forward is there for
 * `frontendUrl` with a ClusterIP Service; ReplicaSets are read-only, for `kubectl get all`
 * and `kubectl rollout status`.
 */
export const TRAINEE_NAMESPACE_RULES: Rule[] = [
    { apiGroups: [""], resources: ["pods", "services", "configmaps", "secrets", "persistentvolumeclaims"], verbs: ALL_VERBS },
    { apiGroups: [""], resources: ["pods/exec", "pods/portforward"], verbs: ["create", "get"] },
    { apiGroups: [""], resources: ["pods/log", "events"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["apps"], resources: ["deployments", "statefulsets"], verbs: ALL_VERBS },
    { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["get", "list", "watch"] },
    // A trainee's own stack may schedule backups; the course's `kubectl create job --from=cronjob/…` runs one now.
    { apiGroups: ["batch"], resources: ["cronjobs", "jobs"], verbs: ALL_VERBS },
    { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["get", "list", "watch"] },
    // What Pulumi reads to tell that a Service has its pods, when the trainee runs the stack.
    { apiGroups: [""], resources: ["endpoints"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
];

/**
 * The storage side, which the course asks trainees to look at, read-only; and their own
 * namespace object, which the program reads to check that the class prepared it.
 */
export function traineeClusterRules(namespace: string): Rule[] {
    return [
        { apiGroups: [""], resources: ["persistentvolumes"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["namespaces"], resourceNames: [namespace], verbs: ["get"] },
    ];
}

export interface Workload {
    size: ContainerSize;
    replicas: number;
}

/**
 * The namespace's quota: twice what the stack's own pods request and may use (`npm run bench`
 * prints that per-trainee figure), for a rolling update's extra pod and the exercises' own
 * pods; the stack's claims (the data's, the scheduled backups') and two more, each up to the
 * data claim's size.
 */
export function traineeQuota(workloads: Workload[], claimSize: string, claims: number): Record<string, string> {
    const sum = (f: (w: Workload) => number) => workloads.reduce((n, w) => n + w.replicas * f(w), 0);
    const pods = sum(() => 1);
    return {
        "pods": String(2 * pods),
        "requests.cpu": `${2 * sum((w) => cpuMilli(w.size.requests.cpu))}m`,
        "requests.memory": `${2 * sum((w) => memoryMi(w.size.requests.memory))}Mi`,
        "limits.cpu": `${2 * sum((w) => cpuMilli(w.size.limits.cpu))}m`,
        "limits.memory": `${2 * sum((w) => memoryMi(w.size.limits.memory))}Mi`,
        "persistentvolumeclaims": String(claims + 2),
        "requests.storage": `${(claims + 2) * storageGi(claimSize)}Gi`,
    };
}

/** Whole GiB that hold a storage quantity (redisStorageSize, which config.ts validated). */
function storageGi(size: string): number {
    return Math.ceil(quantityBytes(size) / 2 ** 30);
}

/**
 * The namespace's own policy: every pod denied ingress unless another policy admits it, so a
 * pod the trainee adds takes no connection either. The app's pods are admitted by its own
 * policies (appIngress.ts), made with or without tenancy.
 */
export const NAMESPACE_DENY_POLICY = "default-deny-ingress";

/** A kubeconfig for the trainee's ServiceAccount, limited to their namespace. */
export function traineeKubeconfig(args: { cluster: string; server: string; caData: string; namespace: string; token: string }): string {
    const user = `${TRAINEE_SERVICE_ACCOUNT}@${args.namespace}`;
    return [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        `- name: ${args.cluster}`,
        "  cluster:",
        `    server: ${args.server}`,
        `    certificate-authority-data: ${args.caData}`,
        "users:",
        `- name: ${user}`,
        "  user:",
        `    token: ${args.token}`,
        "contexts:",
        `- name: ${args.namespace}`,
        "  context:",
        `    cluster: ${args.cluster}`,
        `    user: ${user}`,
        `    namespace: ${args.namespace}`,
        `current-context: ${args.namespace}`,
        "",
    ].join("\n");
}

export interface TraineeAccessArgs {
    namespace: pulumi.Input<string>;
    /** The namespace's name, known before it exists (cluster-scoped names derive from it). */
    namespaceName: string;
    instance: string;
    /**
     * The cluster the trainee's kubeconfig points at: the one the stack is deployed to.
     * Undefined for rendered YAML: everything is rendered, and the kubeconfig is made after
     * `kubectl apply` (afterApply.ts), once the cluster has written the token.
     */
    cluster: { name: string; server: string } | undefined;
    workloads: Workload[];
    claimSize: string;
    /** How many claims the stack itself makes. */
    claims: number;
    /**
     * The trainee runs their own stack in this namespace (`tenancy only`): they may also set
     * the reclaim policy of the namespace's own volumes, and nothing else cluster-wide.
     */
    ownStack: boolean;
}

/**
 * The trainee's ServiceAccount, Role and read access to the storage side, a long-lived token
 * and the kubeconfig made of it, a quota, container limits and the namespace's default deny.
 *
 * The token is a `kubernetes.io/service-account-token` Secret rather than a TokenRequest: the
 * kubeconfig is a stack output kept in the state and handed out once for the whole course, so
 * it must not change on every `pulumi up` (a TokenRequest is made anew each time, and expires
 * in the middle of a course); the Secret's token lives exactly as long as the stack, and
 * `pulumi destroy` (or deleting the Secret) revokes it.
 */
export class TraineeAccess extends pulumi.ComponentResource {
    /** The trainee's kubeconfig, a Pulumi secret; none for rendered YAML. */
    readonly kubeconfig: pulumi.Output<string> | undefined;

    constructor(name: string, args: TraineeAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("monsterstack:tenancy:TraineeAccess", name, {}, opts);
        const labels = stackLabels(args.instance, "tenancy");
        const inNamespace = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels });
        const child = { parent: this };

        const account = new k8s.core.v1.ServiceAccount(`${name}-account`, { metadata: inNamespace(TRAINEE_SERVICE_ACCOUNT) }, child);
        const token = new k8s.core.v1.Secret(`${name}-token`, {
            metadata: { ...inNamespace(TRAINEE_TOKEN_SECRET), annotations: { "kubernetes.io/service-account.name": TRAINEE_SERVICE_ACCOUNT } },
            type: "kubernetes.io/service-account-token",
        }, { ...child, dependsOn: [account] });
        const subject = [{ kind: "ServiceAccount", name: TRAINEE_SERVICE_ACCOUNT, namespace: args.namespace }];

        const role = new k8s.rbac.v1.Role(`${name}-role`, { metadata: inNamespace(TRAINEE_SERVICE_ACCOUNT), rules: TRAINEE_NAMESPACE_RULES }, child);
        new k8s.rbac.v1.RoleBinding(`${name}-role-binding`, {
            metadata: inNamespace(TRAINEE_SERVICE_ACCOUNT),
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
            subjects: subject,
        }, child);
        // Cluster-scoped, so named after the namespace: thirty trainees, thirty of them, no collision.
        const storageReader = new k8s.rbac.v1.ClusterRole(`${name}-storage-reader`, {
            metadata: { name: `monsterstack:${args.namespaceName}:storage-reader`, labels },
            rules: traineeClusterRules(args.namespaceName),
        }, child);
        new k8s.rbac.v1.ClusterRoleBinding(`${name}-storage-reader-binding`, {
            metadata: { name: `monsterstack:${args.namespaceName}:storage-reader`, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: storageReader.metadata.name },
            subjects: subject,
        }, child);

        if (args.ownStack) {
            new OwnVolumePatching(`${name}-own-volume`, { namespaceName: args.namespaceName, account: TRAINEE_SERVICE_ACCOUNT, instance: args.instance }, child);
        }

        new k8s.core.v1.ResourceQuota(`${name}-quota`, {
            metadata: inNamespace("trainee-quota"),
            spec: { hard: traineeQuota(args.workloads, args.claimSize, args.claims) },
        }, child);
        // For pods a trainee writes without resources: the quota would refuse them otherwise.
        new k8s.core.v1.LimitRange(`${name}-limits`, {
            metadata: inNamespace("trainee-limits"),
            spec: { limits: [{
                type: "Container",
                defaultRequest: { ...TRAINEE_CONTAINER_SIZE.requests },
                default: { ...TRAINEE_CONTAINER_SIZE.limits },
                max: { cpu: "1", memory: "1Gi" },
            }] },
        }, child);

        new k8s.networking.v1.NetworkPolicy(`${name}-${NAMESPACE_DENY_POLICY}`, {
            metadata: inNamespace(NAMESPACE_DENY_POLICY),
            spec: { podSelector: {}, policyTypes: ["Ingress"] },
        }, child);

        const cluster = args.cluster;
        this.kubeconfig = cluster && pulumi.secret(token.data.apply((data) => traineeKubeconfig({
            cluster: cluster.name,
            server: cluster.server,
            caData: data["ca.crt"],
            namespace: args.namespaceName,
            token: Buffer.from(data["token"], "base64").toString("utf8"),
        })));

        this.registerOutputs({ kubeconfig: this.kubeconfig });
    }
}
