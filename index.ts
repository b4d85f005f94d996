// monsterstack: the course's three-tier app (frontend, imagebackend, Redis) in one
// namespace per trainee stack. Config is parsed and validated first; nothing is
// registered when it is wrong.
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./config";
import { TraineeCluster } from "./components/cluster";
import { DATA_CLAIM_NAME, DataClaim } from "./components/dataClaim";
import { Frontend, FRONTEND_SERVICE_NAME, frontendAccess } from "./components/frontend";
import { ImageBackend } from "./components/imageBackend";
import { VolumeReclaimPolicy } from "./components/reclaimPolicy";
import { Redis } from "./components/redis";
import { RedisPassword } from "./components/redisPassword";
import { serviceDnsNames, TlsCertificate } from "./components/tlsCertificate";

const config = loadStackConfig();
const instance = config.namespace;

// Where: an explicit provider for the trainee's cluster, and the trainee's namespace.
const cluster = new TraineeCluster("cluster", { config });
const inCluster = { provider: cluster.provider };
const namespace = cluster.namespaceName;

// Data: the claim outlives the workloads (and, with Retain, the stack).
const data = new DataClaim("redis-data", {
    namespace, instance,
    storageClass: config.storageClass,
    size: config.redisStorageSize,
    reclaimPolicy: config.reclaimPolicy,
}, inCluster);

const password = config.redisAuth ? new RedisPassword("redis-password", { namespace, instance }, inCluster) : undefined;

const redis = new Redis("redis", {
    namespace, instance,
    kind: config.redisKind,
    image: config.redisImage,
    podSecurity: config.podSecurity,
    claimName: data.claimName,
    password: password?.envSource,
}, inCluster);

const imageBackend = new ImageBackend("imagebackend", {
    namespace, instance,
    image: config.imagebackendImage,
    replicas: config.imagebackendReplicas,
    podSecurity: config.podSecurity,
}, inCluster);

const tlsCertificate = new TlsCertificate("frontend-tls", {
    namespace, instance,
    dnsNames: serviceDnsNames(FRONTEND_SERVICE_NAME, config.namespace, config.tlsHosts),
}, inCluster);

const frontend = new Frontend("frontend", {
    namespace, instance,
    image: config.frontendImage,
    replicas: config.frontendReplicas,
    port: config.frontendPort,
    probe: config.frontendProbe,
    podSecurity: config.podSecurity,
    settings: pulumi.all([redis.serviceName, imageBackend.serviceName]).apply(([redisDomain, imagebackendDomain]) => ({
        context: config.context, redisDomain, imagebackendDomain,
    })),
    serviceType: config.frontendServiceType,
    nodePort: config.frontendNodePort,
    tlsSecretName: tlsCertificate.secret.metadata.name,
    certPem: tlsCertificate.certPem,
    redisPassword: password?.envSource,
}, inCluster);

// The reclaim policy goes on the volume the claim is bound to; rendered YAML has no
// bound volume to read, so that mode leaves it to `kubectl patch pv` (see README).
const reclaim = config.renderYamlTo === undefined
    ? new VolumeReclaimPolicy("redis-data-policy", {
        claim: data.claim, claimRef: `${config.namespace}/${DATA_CLAIM_NAME}`,
        policy: config.reclaimPolicy, instance, after: [redis.workload],
    }, inCluster)
    : undefined;

export const namespaceName = namespace;
export const frontendUrl = frontend.service.status.apply((status) => frontendAccess({
    target: config.target,
    serviceType: config.frontendServiceType,
    namespace: config.namespace,
    port: config.frontendPort,
    nodePort: config.frontendNodePort,
    loadBalancerAddress: status?.loadBalancer?.ingress?.[0]?.ip ?? status?.loadBalancer?.ingress?.[0]?.hostname,
}));
export const dataClaim = pulumi.interpolate`${namespace}/${data.claimName}`;
export const dataVolume = reclaim?.volumeName ?? "(renderYamlTo mode: bound at kubectl apply time)";
export const reclaimPolicy = config.reclaimPolicy;
export const redisKind = config.redisKind;
export const tlsCertificatePem = tlsCertificate.certPem;
export const redisPassword = password ? password.password : "(none: redisAuth is false)";
