// Redis, the stack's only stateful tier: one replica, append-only persistence on the
// data claim mounted at /data, as a StatefulSet or a Deployment.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ImageSpec, PodSecurityLevel, RedisKind } from "../config";
import { AppIdentity, recommendedLabels, selectorLabels } from "../core/labels";
import { containerResources, redisSize } from "../core/resources";
import type { SecretKeySource } from "../core/secretKeySource";
import { containerSecurityContext, podSecurityContext, RUN_AS } from "../core/security";
import { serviceAwaitAnnotations } from "../core/serviceAwait";

export const REDIS_SERVICE_NAME = "redis";
export const REDIS_HEADLESS_SERVICE_NAME = "redis-headless";
export const REDIS_PORT = 6379;
export const DATA_MOUNT_PATH = "/data";

export interface RedisArgs {
    namespace: pulumi.Input<string>;
    instance: string;
    kind: RedisKind;
    image: ImageSpec;
    podSecurity: PodSecurityLevel;
    /** The container's memory limit (redisMemory). */
    memory: string;
    /** Name of the PersistentVolumeClaim that holds the data. */
    claimName: pulumi.Input<string>;
    /** Where the password comes from, when Redis requires one. */
    password?: SecretKeySource<pulumi.Input<string>>;
    /**
     * The scheduled backups' claim, mounted read-only: Redis is its first consumer, so under a
     * WaitForFirstConsumer StorageClass it is bound (and gets its reclaim policy) during
     * `pulumi up`, not at the first scheduled backup after it.
     */
    backups?: { claimName: pulumi.Input<string>; mountPath: string };
}

/** The Redis pod template; the same for both kinds, so switching kinds changes nothing inside the pod. */
export function redisPodTemplate(args: Pick<RedisArgs, "instance" | "image" | "podSecurity" | "memory" | "claimName" | "password" | "backups">): k8s.types.input.core.v1.PodTemplateSpec {
    const app = redisIdentity(args.instance);
    // Clients are other pods, through the Service. Without a password or a config file, Redis'
    // protected mode refuses every client not on loopback; the official image's entrypoint
    // turns it off, a plain Debian redis-server does not: say it here, for any image.
    // A snapshot (`redis-cli --rdb`: the class's backup, the scheduled job's) is sent as to a
    // replica, after a 5 s wait for more replicas to share it by default; this Redis has none.
    const serverArgs = ["redis-server", "--protected-mode", "no", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", DATA_MOUNT_PATH,
        "--repl-diskless-sync-delay", "0"];
    const env: k8s.types.input.core.v1.EnvVar[] = [];
    if (args.password) {
        env.push({ name: "REDIS_PASSWORD", valueFrom: args.password });
        // redis-cli (the probes) reads its password from this variable.
        env.push({ name: "REDISCLI_AUTH", valueFrom: args.password });
        serverArgs.push("--requirepass", "$(REDIS_PASSWORD)");
    }
    // `redis-cli ping` exits 0 even on an auth error: look for the PONG itself.
    const ping = { exec: { command: ["sh", "-c", "redis-cli ping | grep -q PONG"] } };
    return {
        metadata: { labels: recommendedLabels(app) },
        spec: {
            // Redis never talks to the Kubernetes API.
            automountServiceAccountToken: false,
            // As a non-root user, Redis can write /data because the volume lets it: minikube's
            // hostPath directories are world-writable (0777) and fsGroup does not apply to them;
            // a cloud disk is handed to fsGroup (999) by the kubelet.
            securityContext: podSecurityContext(args.podSecurity, RUN_AS.redis),
            containers: [{
                name: "redis",
                image: args.image.ref,
                imagePullPolicy: args.image.pullPolicy,
                // Only args: the official image's entrypoint runs redis-server as given when it
                // does not start as root, and an image without an entrypoint runs it directly.
                args: serverArgs,
                env,
                ports: [{ name: "redis", containerPort: REDIS_PORT }],
                volumeMounts: [
                    { name: "data", mountPath: DATA_MOUNT_PATH },
                    ...(args.backups ? [{ name: "backups", mountPath: args.backups.mountPath, readOnly: true }] : []),
                ],
                readinessProbe: { ...ping, initialDelaySeconds: 2, periodSeconds: 5 },
                livenessProbe: { ...ping, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 },
                resources: containerResources(redisSize(args.memory)),
                securityContext: containerSecurityContext(args.podSecurity),
            }],
            volumes: [
                { name: "data", persistentVolumeClaim: { claimName: args.claimName } },
                ...(args.backups ? [{ name: "backups", persistentVolumeClaim: { claimName: args.backups.claimName, readOnly: true } }] : []),
            ],
        },
    };
}

export function redisIdentity(instance: string): AppIdentity {
    return { name: "redis", instance, component: "database" };
}

export class Redis extends pulumi.ComponentResource {
    readonly workload: k8s.apps.v1.StatefulSet | k8s.apps.v1.Deployment;
    readonly service: k8s.core.v1.Service;
    /** In-cluster DNS name of the Redis Service, for REDIS_DOMAIN. */
    readonly serviceName: pulumi.Output<string>;

    constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("monsterstack:redis:Redis", name, {}, opts);
        const app = redisIdentity(args.instance);
        const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: recommendedLabels(app) });
        // Deleting a workload returns only once its pods are gone: the old Redis has let go of /data.
        const workloadMetadata = {
            ...metadata("redis"),
            annotations: { "pulumi.com/deletionPropagationPolicy": "foreground" },
        };
        const selector = { matchLabels: selectorLabels(app) };
        const template = redisPodTemplate(args);

        // Switching kinds is one resource changing type, not a new one beside the old: the
        // alias ties both kinds to one Pulumi resource, and deleteBeforeReplace removes the
        // old Redis before the new one starts, so two Redis never share the claim.
        const workloadOpts: pulumi.CustomResourceOptions = {
            parent: this,
            aliases: [{ type: args.kind === "StatefulSet" ? "kubernetes:apps/v1:Deployment" : "kubernetes:apps/v1:StatefulSet" }],
            // The provider would call a change of kind an update; it is a replacement.
            replaceOnChanges: ["kind"],
            deleteBeforeReplace: true,
        };

        if (args.kind === "StatefulSet") {
            // The governing Service a StatefulSet requires: stable per-pod DNS names.
            const headless = new k8s.core.v1.Service(`${name}-headless`, {
                metadata: { ...metadata(REDIS_HEADLESS_SERVICE_NAME), annotations: serviceAwaitAnnotations("ClusterIP") },
                spec: { clusterIP: "None", selector: selectorLabels(app), ports: [{ name: "redis", port: REDIS_PORT }] },
            }, { parent: this });
            this.workload = new k8s.apps.v1.StatefulSet(`${name}-workload`, {
                metadata: workloadMetadata,
                spec: { replicas: 1, serviceName: headless.metadata.name, selector, template },
            }, workloadOpts);
        } else {
            this.workload = new k8s.apps.v1.Deployment(`${name}-workload`, {
                metadata: workloadMetadata,
                spec: {
                    replicas: 1,
                    selector,
                    // Never two Redis processes on one ReadWriteOnce claim.
                    strategy: { type: "Recreate" },
                    template,
                },
            }, workloadOpts);
        }

        this.service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: { ...metadata(REDIS_SERVICE_NAME), annotations: serviceAwaitAnnotations("ClusterIP") },
            spec: { type: "ClusterIP", selector: selectorLabels(app), ports: [{ name: "redis", port: REDIS_PORT, targetPort: "redis" }] },
        }, { parent: this });
        this.serviceName = this.service.metadata.name;

        this.registerOutputs({ serviceName: this.serviceName });
    }
}
