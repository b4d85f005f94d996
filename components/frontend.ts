// The Flask frontend: configured by a ConfigMap read key by key, given its TLS
// certificate as a file, exposed by a Service whose type comes from the stack config.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import type { ImageSpec, PodSecurityLevel, Probe, ServiceType, Target } from "../config";
import { AppIdentity, recommendedLabels, selectorLabels } from "../core/labels";
import { containerResources, SIZES } from "../core/resources";
import type { SecretKeySource } from "../core/secretKeySource";
import { containerSecurityContext, podSecurityContext, RUN_AS, SCRATCH } from "../core/security";
import { serviceAwaitAnnotations } from "../core/serviceAwait";
import { CERT_KEY, PRIVATE_KEY_KEY } from "./tlsCertificate";

export const FRONTEND_SERVICE_NAME = "frontend";
export const FRONTEND_CONFIG_NAME = "frontend-config";
export const CERT_PATH = "/etc/mycert.pem";
export const PRIVATE_KEY_PATH = "/etc/mykey.pem";
/** r--r----- : root and the pod's fsGroup (the app's own group) only; nobody writes. */
export const TLS_FILE_MODE = 0o440;

export interface FrontendSettings {
    /** CONTEXT: DEV or PROD. */
    context: string;
    /** REDIS_DOMAIN: the in-cluster name of the Redis Service. */
    redisDomain: string;
    /** IMAGEBACKEND_DOMAIN: the in-cluster name of the image backend Service. */
    imagebackendDomain: string;
}

export interface FrontendArgs {
    namespace: pulumi.Input<string>;
    instance: string;
    image: ImageSpec;
    replicas: number;
    /** The port the app listens on; the Service exposes the same port. */
    port: number;
    probe: Probe;
    podSecurity: PodSecurityLevel;
    settings: pulumi.Input<FrontendSettings>;
    serviceType: ServiceType;
    nodePort?: number;
    /** Name of the Secret holding `mycert.pem` and `mykey.pem`. */
    tlsSecretName: pulumi.Input<string>;
    /** The public certificate: a change of certificate rolls the pods. */
    certPem: pulumi.Input<string>;
    /** Where the Redis password comes from, when Redis requires one. */
    redisPassword?: SecretKeySource<pulumi.Input<string>>;
}

export function frontendIdentity(instance: string): AppIdentity {
    return { name: "frontend", instance, component: "web" };
}

/** The ConfigMap's data: exactly the three variables the course names. */
export function frontendConfigData(settings: FrontendSettings): Record<string, string> {
    return {
        CONTEXT: settings.context,
        REDIS_DOMAIN: settings.redisDomain,
        IMAGEBACKEND_DOMAIN: settings.imagebackendDomain,
    };
}

/** Each ConfigMap key becomes one environment variable, read with valueFrom.configMapKeyRef. */
export function configMapEnv(configMapName: string, keys: string[]): k8s.types.input.core.v1.EnvVar[] {
    return keys.map((key) => ({ name: key, valueFrom: { configMapKeyRef: { name: configMapName, key } } }));
}

/** A short, stable digest: put on the pod template so that a change of its input rolls the pods. */
export function digest(value: unknown): string {
    return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16);
}

/**
 * The kubelet's check of the app. TCP by default: every version of the course's image
 * accepts a connection, not all have /healthz, and a GET on / would count a visit.
 */
export function frontendProbe(probe: Probe): k8s.types.input.core.v1.Probe {
    return probe.kind === "tcp"
        ? { tcpSocket: { port: "http" } }
        : { httpGet: { path: probe.path, port: "http" } };
}

/** What to run or open to reach the frontend, per target and Service type. */
export function frontendAccess(args: {
    target: Target;
    serviceType: ServiceType;
    namespace: string;
    port: number;
    nodePort?: number;
    loadBalancerAddress?: string;
}): string {
    const { namespace: ns, port } = args;
    if (args.serviceType === "ClusterIP") {
        return `kubectl port-forward -n ${ns} service/${FRONTEND_SERVICE_NAME} ${port}:${port}  # then open http://localhost:${port}`;
    }
    if (args.target === "minikube") {
        return `minikube service ${FRONTEND_SERVICE_NAME} -n ${ns} --url`;
    }
    if (args.serviceType === "LoadBalancer") {
        return args.loadBalancerAddress
            ? `http://${args.loadBalancerAddress}:${port}`
            : `kubectl get service ${FRONTEND_SERVICE_NAME} -n ${ns} -w  # the load balancer has no address yet`;
    }
    return `http://<any node's external IP>:${args.nodePort ?? "<nodePort>"}  # kubectl get nodes -o wide`;
}

export class Frontend extends pulumi.ComponentResource {
    readonly configMap: k8s.core.v1.ConfigMap;
    readonly deployment: k8s.apps.v1.Deployment;
    readonly service: k8s.core.v1.Service;

    constructor(name: string, args: FrontendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("monsterstack:frontend:Frontend", name, {}, opts);
        const app = frontendIdentity(args.instance);
        const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: recommendedLabels(app) });
        const data = pulumi.output(args.settings).apply(frontendConfigData);

        this.configMap = new k8s.core.v1.ConfigMap(`${name}-config`, {
            metadata: metadata(FRONTEND_CONFIG_NAME),
            data,
        }, { parent: this });

        const env = configMapEnv(FRONTEND_CONFIG_NAME, ["CONTEXT", "REDIS_DOMAIN", "IMAGEBACKEND_DOMAIN"]);
        if (args.redisPassword) env.push({ name: "REDIS_PASSWORD", valueFrom: args.redisPassword });

        const probe = frontendProbe(args.probe);
        this.deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: metadata(FRONTEND_SERVICE_NAME),
            spec: {
                replicas: args.replicas,
                selector: { matchLabels: selectorLabels(app) },
                template: {
                    metadata: {
                        labels: recommendedLabels(app),
                        annotations: {
                            // Variables are read at start-up and subPath files never refresh:
                            // a new config or certificate must roll the pods.
                            "monsterstack.io/config-digest": data.apply(digest),
                            "monsterstack.io/tls-cert-digest": pulumi.output(args.certPem).apply(digest),
                        },
                    },
                    spec: {
                        automountServiceAccountToken: false,
                        // The app's settings come from the ConfigMap only: no service-link variables
                        // such as REDIS_PORT=tcp://10.96.x.y:6379, which break apps that read REDIS_PORT.
                        enableServiceLinks: false,
                        // fsGroup is the app's group: it gives the app read access to the TLS files.
                        securityContext: podSecurityContext(args.podSecurity, RUN_AS.frontend),
                        containers: [{
                            name: "frontend",
                            image: args.image.ref,
                            imagePullPolicy: args.image.pullPolicy,
                            env,
                            ports: [{ name: "http", containerPort: args.port }],
                            readinessProbe: { ...probe, initialDelaySeconds: 2, periodSeconds: 5 },
                            livenessProbe: { ...probe, initialDelaySeconds: 15, periodSeconds: 10, failureThreshold: 3 },
                            resources: containerResources(SIZES.frontend),
                            securityContext: containerSecurityContext(args.podSecurity),
                            // subPath: one file at the course's path, not a directory.
                            volumeMounts: [
                                { name: "tls", mountPath: CERT_PATH, subPath: CERT_KEY, readOnly: true },
                                { name: "tls", mountPath: PRIVATE_KEY_PATH, subPath: PRIVATE_KEY_KEY, readOnly: true },
                                SCRATCH.mount,
                            ],
                        }],
                        volumes: [{
                            name: "tls",
                            secret: { secretName: args.tlsSecretName, defaultMode: TLS_FILE_MODE },
                        }, SCRATCH.volume],
                    },
                },
            },
            // Its pods read the ConfigMap once, at start: rolled beside the ConfigMap's update, a new pod
            // could start before it and keep the old values (the digest above names the data, not the object).
        }, { parent: this, dependsOn: [this.configMap] });

        this.service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: { ...metadata(FRONTEND_SERVICE_NAME), annotations: serviceAwaitAnnotations(args.serviceType) },
            spec: {
                type: args.serviceType,
                selector: selectorLabels(app),
                ports: [{
                    name: "http",
                    port: args.port,
                    targetPort: "http",
                    nodePort: args.serviceType === "ClusterIP" ? undefined : args.nodePort,
                }],
            },
        }, { parent: this });

        this.registerOutputs({ configMapName: this.configMap.metadata.name, serviceName: this.service.metadata.name });
    }
}
