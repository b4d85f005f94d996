// monsterstack: the course's three-tier app (frontend, imagebackend, Redis) in one
// namespace per trainee stack. Config is parsed and validated first, and the cluster read
// for the stack's namespace and data volume; nothing is registered when either fails.
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig, MonsterstackConfig } from "./config";
import { clusterReader } from "./clusterReads";
import { requireOwnStackId, requireUsableNamespace } from "./clusterReads/namespace";
import { TraineeCluster } from "./components/cluster";
import { knownNow, StackId } from "./components/stackId";
import { DATA_CLAIM_NAME, DataClaim } from "./components/dataClaim";
import { AppIngress, appTraffic } from "./components/appIngress";
import { Frontend, FRONTEND_SERVICE_NAME, frontendAccess } from "./components/frontend";
import { ImageBackend } from "./components/imageBackend";
import { VolumeReclaimPolicy } from "./components/reclaimPolicy";
import { Redis, REDIS_SERVICE_NAME } from "./components/redis";
import { RedisPassword } from "./components/redisPassword";
import { BACKUP_CLAIM_NAME, BACKUP_MOUNT_PATH, ScheduledBackup } from "./components/scheduledBackup";
import { serviceDnsNames, TlsCertificate } from "./components/tlsCertificate";
import { STACK_ID_LABEL } from "./core/identity";
import { redisSize, SIZES } from "./core/resources";
import { TraineeAccess } from "./components/traineeAccess";
import { DataVolumeDecision, decideDataVolume } from "./dataVolume/decide";
import { afterApply, RENDERED_KUBECONFIG } from "./render/afterApply";
import { dataOrigin } from "./dataVolume/plan";
import { requireFreshBuild } from "./startup/freshBuild";

export = async () => {
    requireFreshBuild(__filename);
    const config = loadStackConfig();
    // The stack creates its namespace, and deletes it at destroy: only its own, or the class's
    // for a trainee's own stack, is ever taken. Rendered YAML has no cluster to read.
    const labels = config.renderYamlTo === undefined ? await clusterReader.namespaceLabels(config) : undefined;
    if (config.renderYamlTo === undefined) requireUsableNamespace(config, pulumi.getProject(), labels);
    // The trainer preparing a shared cluster: the trainee's namespace and access, no app;
    // the trainee then runs their own stack there (namespaceOwner class). Otherwise the app,
    // whose volumes are read first too.
    const volumes = config.tenancy === "only" ? undefined : await decideVolumes(config);
    // Which deployment of this project and stack name owns the namespace: the id in this stack's state tells.
    const stackId = config.namespaceOwner === "stack" ? new StackId("stack-id") : undefined;
    if (stackId) requireOwnStackId(config, labels, await knownNow(stackId.hex));
    return volumes === undefined ? traineeNamespace(config, stackId) : monsterstack(config, volumes, stackId);
};

/**
 * Which volume holds the data, and the scheduled backups': the claim's own, a retained one of this
 * stack, or a new one; and whether their class binds at first use (rendered YAML: no cluster, no wait).
 */
async function decideVolumes(config: MonsterstackConfig) {
    return {
        bindsAtFirstUse: config.renderYamlTo === undefined && await clusterReader.bindsAtFirstUse(config),
        data: await decideDataVolume(config, DATA_CLAIM_NAME),
        // Found again like the data's; attachVolume and startEmpty are the data's only.
        backups: config.backupSchedule === undefined ? undefined
            : await decideDataVolume({ ...config, attachVolume: undefined, startEmpty: false }, BACKUP_CLAIM_NAME),
    };
}

/**
 * The trainee's own access to a shared cluster, and what it is sized for. A namespace the
 * trainee deploys into themselves (`tenancy only`) is ready for whatever their stack may
 * choose: a scheduled backup and its claim.
 */
function traineeAccess(config: MonsterstackConfig, cluster: TraineeCluster, ownStack: boolean): TraineeAccess {
    const scheduled = ownStack || config.backupSchedule !== undefined;
    return new TraineeAccess("trainee", {
        namespace: cluster.namespaceName, namespaceName: config.namespace, instance: config.namespace,
        // Rendered YAML: the kubeconfig is made after `kubectl apply`, for the cluster applied to.
        cluster: config.renderYamlTo === undefined ? clusterReader.current(config) : undefined,
        workloads: [
            { size: SIZES.frontend, replicas: config.frontendReplicas },
            { size: SIZES.imagebackend, replicas: config.imagebackendReplicas },
            { size: redisSize(config.redisMemory), replicas: 1 },
            ...(scheduled ? [{ size: SIZES.backup, replicas: 1 }] : []),
        ],
        claimSize: config.redisStorageSize,
        claims: scheduled ? 2 : 1,
        ownStack,
    }, cluster.inCluster);
}

/** `tenancy: only`: the namespace and the trainee's access, for the trainee's own stack. */
function traineeNamespace(config: MonsterstackConfig, stackId: StackId | undefined) {
    const cluster = new TraineeCluster("cluster", { config, stackId: stackId?.hex });
    const access = traineeAccess(config, cluster, true);
    // The trainee's own stack may schedule backups and choose its frontend's port.
    new AppIngress("app-ingress", { namespace: cluster.namespaceName, ...appTraffic(config.namespace, { scheduled: true, frontendPort: "any" }) }, cluster.inCluster);
    const none = "(none: tenancy only prepares the namespace; the trainee deploys the app with their own stack)";
    return {
        namespaceName: cluster.namespaceName,
        stackId: stackId?.hex ?? "(none)",
        frontendUrl: none,
        dataVolume: none,
        traineeKubeconfig: access.kubeconfig ?? RENDERED_KUBECONFIG,
        ...afterApply(config, [], true),
    };
}

/** The app: data, Redis, image backend, TLS, frontend, and the volume's reclaim policy. */
function monsterstack(config: MonsterstackConfig, volumes: Awaited<ReturnType<typeof decideVolumes>>, stackId: StackId | undefined) {
    const instance = config.namespace;
    const { plan } = volumes.data;
    const dataVolume = volumeOf(volumes.data);
    const backupVolume = volumes.backups;

    // Where: an explicit provider for the trainee's cluster, and the trainee's namespace.
    const cluster = new TraineeCluster("cluster", { config, stackId: stackId?.hex });
    const inCluster = cluster.inCluster;
    // The volumes carry the stack's id too: `class down --purge` deletes only its own stack's.
    const ownedBy: Record<string, pulumi.Input<string>> = stackId ? { [STACK_ID_LABEL]: stackId.hex } : {};
    const namespace = cluster.namespaceName;

    // Data: the claim outlives the workloads; with Retain its volume outlives the stack.
    const data = new DataClaim("redis-data", {
        namespace, instance,
        storageClass: config.storageClass,
        size: config.redisStorageSize,
        reclaimPolicy: config.reclaimPolicy,
        attached: dataVolume.attached,
        bindsAtFirstUse: volumes.bindsAtFirstUse,
    }, inCluster);

    const password = config.redisAuth ? new RedisPassword("redis-password", { namespace, instance }, inCluster) : undefined;

    // Backups, whose claim Redis mounts too: bound with the data's during `pulumi up`, so its
    // volume gets the reclaim policy then, whatever the StorageClass' binding mode.
    const backups = backupVolume && config.backupSchedule !== undefined ? new ScheduledBackup("redis-backup", {
        namespace, instance,
        schedule: config.backupSchedule,
        keep: config.backupKeep,
        image: config.redisImage,
        podSecurity: config.podSecurity,
        redisHost: REDIS_SERVICE_NAME,
        password: password?.envSource,
        storageClass: config.storageClass,
        size: config.redisStorageSize,
        reclaimPolicy: config.reclaimPolicy,
        attached: volumeOf(backupVolume).attached,
        bindsAtFirstUse: volumes.bindsAtFirstUse,
    }, inCluster) : undefined;

    const redis = new Redis("redis", {
        namespace, instance,
        kind: config.redisKind,
        image: config.redisImage,
        podSecurity: config.podSecurity,
        memory: config.redisMemory,
        claimName: data.claimName,
        password: password?.envSource,
        backups: backups ? { claimName: backups.claim.claimName, mountPath: BACKUP_MOUNT_PATH } : undefined,
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


    // The reclaim policy and the stack's identity go on the volume the claim is bound to;
    // rendered YAML has no bound volume, so that mode leaves it to `kubectl patch pv` (see README).
    const reclaim = plan.kind === "render" ? undefined : new VolumeReclaimPolicy("redis-data-policy", {
        claim: data.claim, claimRef: `${config.namespace}/${DATA_CLAIM_NAME}`,
        volumeName: dataVolume.volumeName,
        identityLabels: { ...dataVolume.identityLabels, ...ownedBy },
        policy: config.reclaimPolicy, instance, after: [redis.workload],
    }, inCluster);
    const backupsReclaim = plan.kind === "render" || !backups || !backupVolume ? undefined : new VolumeReclaimPolicy("redis-backup-policy", {
        claim: backups.claim.claim, claimRef: `${config.namespace}/${BACKUP_CLAIM_NAME}`,
        volumeName: volumeOf(backupVolume).volumeName,
        identityLabels: { ...backupVolume.labels, ...ownedBy },
        policy: config.reclaimPolicy, instance, after: [redis.workload],
    }, { ...inCluster, aliases: [{ parent: backups }] }); // it was the ScheduledBackup's child

    // Each tier takes connections from its own clients only; in the class's namespace, the class made these.
    if (config.namespaceOwner === "stack") {
        new AppIngress("app-ingress", { namespace, ...appTraffic(instance, { scheduled: backups !== undefined, frontendPort: config.frontendPort }) }, inCluster);
    }

    // A trainee of a shared cluster gets their own access, and nothing beyond their namespace.
    const access = config.tenancy === "on" ? traineeAccess(config, cluster, false) : undefined;

    return {
        namespaceName: namespace,
        stackId: stackId?.hex ?? "(none: the class owns the namespace)",
        frontendUrl: frontend.service.status.apply((status) => frontendAccess({
            target: config.target,
            serviceType: config.frontendServiceType,
            namespace: config.namespace,
            port: config.frontendPort,
            nodePort: config.frontendNodePort,
            loadBalancerAddress: status?.loadBalancer?.ingress?.[0]?.ip ?? status?.loadBalancer?.ingress?.[0]?.hostname,
        })),
        dataClaim: pulumi.interpolate`${namespace}/${data.claimName}`,
        dataVolume: reclaim?.volumeName ?? "(renderYamlTo mode: bound at kubectl apply time)",
        dataVolumeOrigin: dataOrigin(plan),
        reclaimPolicy: config.reclaimPolicy,
        backupVolume: backupsReclaim ? backupsReclaim.volumeName : "(none: backupSchedule is unset)",
        redisKind: config.redisKind,
        tlsCertificatePem: tlsCertificate.certPem,
        redisPassword: password ? password.password : "(none: redisAuth is false)",
        traineeKubeconfig: access ? access.kubeconfig ?? RENDERED_KUBECONFIG
            : config.namespaceOwner === "class" ? "(none: the class gave this trainee their kubeconfig)" : "(none: tenancy is off)",
        ...afterApply(config, [
            { claim: DATA_CLAIM_NAME, identityLabels: { ...dataVolume.identityLabels, ...ownedBy } },
            ...(backupVolume && backups ? [{ claim: BACKUP_CLAIM_NAME, identityLabels: { ...backupVolume.labels, ...ownedBy } }] : []),
        ], access !== undefined),
    };
}

/** Where a claim's volume comes from, as the ScheduledBackup takes it. */
function volumeOf({ plan, labels }: DataVolumeDecision) {
    return {
        attached: plan.kind === "rebind" || plan.kind === "existing" ? plan.attached : undefined,
        volumeName: plan.kind === "rebind" ? plan.volume.name : plan.kind === "existing" ? plan.volumeName : undefined,
        identityLabels: labels,
        render: plan.kind === "render",
    };
}
