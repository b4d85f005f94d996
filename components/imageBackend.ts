// dnmonster, the stateless service that draws the monster icons.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ImageSpec, PodSecurityLevel } from "../config";
import { AppIdentity, recommendedLabels, selectorLabels } from "../core/labels";
import { containerResources, SIZES } from "../core/resources";
import { containerSecurityContext, podSecurityContext, RUN_AS, SCRATCH } from "../core/security";
import { serviceAwaitAnnotations } from "../core/serviceAwait";

export const IMAGEBACKEND_SERVICE_NAME = "imagebackend";
export const IMAGEBACKEND_PORT = 8080;

export interface ImageBackendArgs {
    namespace: pulumi.Input<string>;
    instance: string;
    image: ImageSpec;
    replicas: number;
    podSecurity: PodSecurityLevel;
}

export function imageBackendIdentity(instance: string): AppIdentity {
    return { name: "imagebackend", instance, component: "backend" };
}

export class ImageBackend extends pulumi.ComponentResource {
    readonly deployment: k8s.apps.v1.Deployment;
    readonly service: k8s.core.v1.Service;
    /** In-cluster DNS name of the Service, for IMAGEBACKEND_DOMAIN. */
    readonly serviceName: pulumi.Output<string>;

    constructor(name: string, args: ImageBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("monsterstack:imagebackend:ImageBackend", name, {}, opts);
        const app = imageBackendIdentity(args.instance);
        const metadata = { name: IMAGEBACKEND_SERVICE_NAME, namespace: args.namespace, labels: recommendedLabels(app) };
        const probe = { tcpSocket: { port: "http" } };

        this.deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata,
            spec: {
                replicas: args.replicas,
                selector: { matchLabels: selectorLabels(app) },
                template: {
                    metadata: { labels: recommendedLabels(app) },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: podSecurityContext(args.podSecurity, RUN_AS.imagebackend),
                        containers: [{
                            name: "dnmonster",
                            image: args.image.ref,
                            imagePullPolicy: args.image.pullPolicy,
                            ports: [{ name: "http", containerPort: IMAGEBACKEND_PORT }],
                            readinessProbe: { ...probe, initialDelaySeconds: 2, periodSeconds: 5 },
                            livenessProbe: { ...probe, initialDelaySeconds: 10, periodSeconds: 10 },
                            resources: containerResources(SIZES.imagebackend),
                            securityContext: containerSecurityContext(args.podSecurity),
                            volumeMounts: [SCRATCH.mount],
                        }],
                        volumes: [SCRATCH.volume],
                    },
                },
            },
        }, { parent: this });

        this.service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: { ...metadata, annotations: serviceAwaitAnnotations("ClusterIP") },
            spec: {
                type: "ClusterIP",
                selector: selectorLabels(app),
                ports: [{ name: "http", port: IMAGEBACKEND_PORT, targetPort: "http" }],
            },
        }, { parent: this });
        this.serviceName = this.service.metadata.name;

        this.registerOutputs({ serviceName: this.serviceName });
    }
}
