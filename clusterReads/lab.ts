// What the lab (lab/) reads of a trainee's namespace: the workloads and when they were made, whether
// the frontend answers, the data's volume, the frontend's CONTEXT, and Redis' visit counter. Reads
// only: the counter comes from `redis-cli GET`, never from the page, which would count a visit.
import * as k8s from "@kubernetes/client-node";
import type { MonsterstackConfig } from "../config";
import { loadKubeConfig, notFound, refused } from "./kubeconfig";
import { execIn } from "./podExec";

export interface LabClusterView {
    /** The stack's workloads that exist, with their creation time (ms) and readiness. */
    workloads: Partial<Record<"redis" | "frontend" | "imagebackend", { created: number; ready: boolean }>>;
    /** The frontend's Service has a ready endpoint: the app answers. */
    frontendAnswers: boolean;
    /** The volume bound to the claim redis-data. */
    volume?: { name: string; created: number; reclaimPolicy: string };
    /** Redis' counter, read without counting a visit; undefined when it could not be read. */
    visits?: number;
    /** CONTEXT in frontend-config, whether the frontend reads it from there, and what a running frontend has. */
    configMapContext?: string;
    contextFromConfigMap: boolean;
    appContext?: string;
}

const WHY = "The lab judges the exercise on the live cluster";
const time = (t: Date | string | undefined) => (t ? new Date(t).getTime() : 0);

/** Undefined for an object that does not exist; any other refusal is an error that names it. */
async function maybe<T>(what: string, server: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
        return await read();
    } catch (err) {
        if (notFound(err)) return undefined;
        throw refused(what, server, err, WHY);
    }
}

function readyPod(pods: k8s.V1Pod[]): k8s.V1Pod | undefined {
    return pods.find((p) => p.metadata?.deletionTimestamp === undefined && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
}

export async function readLabCluster(config: Pick<MonsterstackConfig, "namespace" | "kubeconfig" | "kubeContext">): Promise<LabClusterView> {
    const kc = loadKubeConfig(config);
    const server = kc.getCurrentCluster()!.server;
    const namespace = config.namespace;
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const discovery = kc.makeApiClient(k8s.DiscoveryV1Api);

    const view: LabClusterView = { workloads: {}, frontendAnswers: false, contextFromConfigMap: false };
    const workload = (w: k8s.V1Deployment | k8s.V1StatefulSet | undefined) => w && {
        created: time(w.metadata?.creationTimestamp),
        ready: (w.status?.readyReplicas ?? 0) >= 1 && (w.status?.readyReplicas ?? 0) >= (w.spec?.replicas ?? 1),
    };
    const redis = await maybe(`read statefulset ${namespace}/redis`, server, () => apps.readNamespacedStatefulSet({ name: "redis", namespace }))
        ?? await maybe(`read deployment ${namespace}/redis`, server, () => apps.readNamespacedDeployment({ name: "redis", namespace }));
    const frontend = await maybe(`read deployment ${namespace}/frontend`, server, () => apps.readNamespacedDeployment({ name: "frontend", namespace }));
    const imagebackend = await maybe(`read deployment ${namespace}/imagebackend`, server, () => apps.readNamespacedDeployment({ name: "imagebackend", namespace }));
    view.workloads = { redis: workload(redis), frontend: workload(frontend), imagebackend: workload(imagebackend) };

    const slices = await maybe(`list the endpoints of ${namespace}/frontend`, server,
        () => discovery.listNamespacedEndpointSlice({ namespace, labelSelector: "kubernetes.io/service-name=frontend" }));
    view.frontendAnswers = (slices?.items ?? []).some((s) => (s.endpoints ?? []).some((e) => e.conditions?.ready === true));

    const claim = await maybe(`read claim ${namespace}/redis-data`, server, () => core.readNamespacedPersistentVolumeClaim({ name: "redis-data", namespace }));
    const volumeName = claim?.spec?.volumeName;
    const pv = volumeName ? await maybe(`read volume ${volumeName}`, server, () => core.readPersistentVolume({ name: volumeName })) : undefined;
    if (pv) view.volume = { name: volumeName!, created: time(pv.metadata?.creationTimestamp), reclaimPolicy: pv.spec?.persistentVolumeReclaimPolicy ?? "" };

    const configMap = await maybe(`read configmap ${namespace}/frontend-config`, server, () => core.readNamespacedConfigMap({ name: "frontend-config", namespace }));
    view.configMapContext = configMap?.data?.CONTEXT;
    const contextEnv = frontend?.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === "CONTEXT");
    view.contextFromConfigMap = contextEnv?.valueFrom?.configMapKeyRef?.name === "frontend-config" && contextEnv.valueFrom.configMapKeyRef.key === "CONTEXT";

    const pods = async (selector: string) => (await maybe(`list the pods of ${namespace}`, server,
        () => core.listNamespacedPod({ namespace, labelSelector: selector })))?.items ?? [];
    const redisPod = readyPod(await pods("app.kubernetes.io/name=redis"));
    if (redisPod) {
        const got = await execIn({ kc, namespace, pod: redisPod.metadata!.name!, container: "redis" }, ["redis-cli", "--no-raw", "GET", "visits"], { timeoutMs: 20_000 }).catch(() => undefined);
        const text = got?.code === 0 ? got.stdout.toString().trim() : undefined;
        // `(nil)`: no visit yet; `"12"`: twelve.
        if (text === "(nil)") view.visits = 0;
        else if (text && /^"?\d+"?$/.test(text)) view.visits = Number(text.replace(/"/g, ""));
    }
    const frontendPod = readyPod(await pods("app.kubernetes.io/name=frontend"));
    if (frontendPod) {
        const got = await execIn({ kc, namespace, pod: frontendPod.metadata!.name!, container: frontendPod.spec!.containers[0].name }, ["printenv", "CONTEXT"], { timeoutMs: 20_000 }).catch(() => undefined);
        if (got?.code === 0) view.appContext = got.stdout.toString().trim();
    }
    return view;
}

/**
 * The lab's report in a namespace (lab/progress.ts's LAB_REPORT_CONFIGMAP), as its data; undefined
 * when there is none. Read with the kubeconfig given: the trainer's tool passes the trainee's own.
 */
export async function readLabReport(config: Pick<MonsterstackConfig, "namespace" | "kubeconfig" | "kubeContext">, name: string): Promise<Record<string, string> | undefined> {
    const kc = loadKubeConfig(config);
    const server = kc.getCurrentCluster()!.server;
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const report = await maybe(`read configmap ${config.namespace}/${name}`, server, () => core.readNamespacedConfigMap({ name, namespace: config.namespace }));
    return report === undefined ? undefined : report.data ?? {};
}
