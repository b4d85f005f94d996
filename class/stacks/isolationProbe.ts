// Whether trainees can reach each other's data over the network, measured on the cluster in
// use: which CNI a cluster runs, and whether its policy option is on, cannot be read reliably
// from the API. One short-lived pod in trainee A's namespace, made with A's own kubeconfig,
// opens TCP to B's Redis and, as the control, to B's frontend Service.
import * as k8s from "@kubernetes/client-node";
import { randomBytes } from "crypto";
import { FRONTEND_SERVICE_NAME } from "../../components/frontend";
import { recommendedLabels } from "../../core/labels";
import { REDIS_PORT, REDIS_SERVICE_NAME } from "../../components/redis";
import { containerResources, SIZES } from "../../core/resources";
import { containerSecurityContext, podSecurityContext, RUN_AS } from "../../core/security";
import { loadKubeConfig } from "../../clusterReads/kubeconfig";
import type { ImageSpec } from "../../config";
import type { Trainee } from "../roster";

export type NetworkIsolation = "enforced" | "not enforced" | "unknown";

export interface IsolationResult {
    isolation: NetworkIsolation;
    /** What was tried and what happened, for the trainer. */
    detail: string;
}

/** Seconds a TCP connection may take before it counts as refused; the whole probe stays within about 15 s. */
const CONNECT_SECONDS = 3;
const PROBE_DEADLINE_MS = 15_000;

/** The verdict from the two connections: the control must answer, or nothing is known. */
export function isolationVerdict(redisOpen: boolean, controlOpen: boolean): NetworkIsolation {
    if (!controlOpen) return "unknown";
    return redisOpen ? "not enforced" : "enforced";
}

/** The probe's script: one line `<name> open|closed` per target. bash's /dev/tcp, in every Debian-based image. */
export function probeScript(targets: Array<{ name: string; host: string; port: number }>): string {
    return targets.map((t) =>
        `if timeout ${CONNECT_SECONDS} bash -c 'exec 3<>/dev/tcp/${t.host}/${t.port}' 2>/dev/null; then echo "${t.name} open"; else echo "${t.name} closed"; fi`).join("\n");
}

/**
 * The probe's image: the Redis image the class deployed for A, from the class's own settings
 * (it has bash, and the node has it already). Never the image of A's running pod, which A may
 * edit into one that prints whatever verdict A likes.
 */
export function probeImage(from: Pick<Trainee, "parsed">): ImageSpec {
    return from.parsed.redisImage;
}

/** The probe's pod: Pod Security restricted, the trainer's image and script, sized for the quota. */
export function probePod(name: string, image: { ref: string; pullPolicy: string }, script: string): k8s.V1Pod {
    return {
        metadata: { name, labels: recommendedLabels({ name: "isolation-probe", instance: name, component: "probe" }) },
        spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            activeDeadlineSeconds: 30,
            securityContext: podSecurityContext("restricted", RUN_AS.redis),
            containers: [{
                name: "probe", image: image.ref, imagePullPolicy: image.pullPolicy,
                command: ["bash", "-c", script],
                resources: containerResources(SIZES.backup),
                securityContext: containerSecurityContext("restricted"),
            }],
        },
    };
}

/** The two trainees of a class the probe runs between: the first two whose stack has the app and gave a kubeconfig. */
export function probePair<T extends { kubeconfigText?: string; frontendUrl?: string }>(outcomes: T[]): [T, T] | undefined {
    const able = outcomes.filter((o) => o.kubeconfigText !== undefined && o.frontendUrl !== undefined);
    return able.length >= 2 ? [able[0], able[1]] : undefined;
}

/**
 * Runs the probe from `from`'s namespace, with `fromKubeconfig` (the trainee's own rights), to
 * `to`'s Redis and frontend. Never throws: a probe that cannot run is "unknown", with why.
 */
export async function probeIsolation(from: Trainee, fromKubeconfig: string, to: Trainee): Promise<IsolationResult> {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(fromKubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const namespace = from.parsed.namespace;
    const name = `isolation-probe-${randomBytes(3).toString("hex")}`;
    const redisHost = `${REDIS_SERVICE_NAME}.${to.parsed.namespace}.svc`;
    try {
        const frontend = await loadKubeConfig(to.parsed).makeApiClient(k8s.CoreV1Api).readNamespacedService({ name: FRONTEND_SERVICE_NAME, namespace: to.parsed.namespace });
        const frontendPort = frontend.spec?.ports?.[0]?.port ?? 0;
        const frontendHost = `${FRONTEND_SERVICE_NAME}.${to.parsed.namespace}.svc`;
        const script = probeScript([{ name: "redis", host: redisHost, port: REDIS_PORT }, { name: "control", host: frontendHost, port: frontendPort }]);
        await core.createNamespacedPod({ namespace, body: probePod(name, probeImage(from), script) });
        const deadline = Date.now() + PROBE_DEADLINE_MS;
        let phase = "";
        while (phase !== "Succeeded" && phase !== "Failed") {
            if (Date.now() > deadline) return { isolation: "unknown", detail: `the probe pod in ${namespace} did not finish within ${PROBE_DEADLINE_MS / 1000} s (${phase || "not started"})` };
            await new Promise((r) => setTimeout(r, 500));
            phase = (await core.readNamespacedPod({ name, namespace })).status?.phase ?? "";
        }
        const log = String(await core.readNamespacedPodLog({ name, namespace }));
        const redisOpen = /^redis open$/m.test(log);
        const controlOpen = /^control open$/m.test(log);
        const isolation = isolationVerdict(redisOpen, controlOpen);
        const where = `a pod in ${from.stack}'s namespace, with ${from.stack}'s rights`;
        const detail = isolation === "unknown"
            ? `${where} could not reach ${to.stack}'s frontend either (${frontendHost}:${frontendPort}), so the test says nothing`
            : `${where} ${redisOpen ? "reached" : "could not reach"} ${to.stack}'s Redis (${redisHost}:${REDIS_PORT}); ${to.stack}'s frontend answered (${frontendHost}:${frontendPort})`;
        return { isolation, detail };
    } catch (err) {
        return { isolation: "unknown", detail: `the probe could not run in ${namespace}: ${(err as Error).message.split("\n")[0]}` };
    } finally {
        await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
    }
}

/** What the trainer reads on stderr when trainees can reach each other's Redis. */
export function notEnforcedWarning(detail: string): string {
    return `class: WARNING: trainees can reach each other's Redis over the network: ${detail}. ` +
        "Any trainee can read, change or FLUSHALL another's data: the cluster does not enforce NetworkPolicies. " +
        "Use a CNI that does (Calico, Cilium; on GKE, AKS or EKS, turn network policy on), " +
        "or set redisAuth=true with a frontend that sends the password.";
}
