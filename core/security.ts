// Pod Security Standards: what each pod says about the user it runs as and what it may do.
// https://kubernetes.io/docs/concepts/security/pod-security-standards/
import type * as k8s from "@pulumi/kubernetes";

/** The Pod Security Standards a stack's namespace may enforce (the setting podSecurity's values). */
export const POD_SECURITY_LEVELS = ["restricted", "baseline"] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

export interface RunAs {
    user: number;
    group: number;
}

/**
 * The user and group of each tier. Redis uses 999, the uid of the `redis` user in the
 * official image, so its entrypoint runs redis-server directly instead of trying to chown.
 * The others need no particular uid: their files only have to be world-readable.
 */
export const RUN_AS = {
    redis: { user: 999, group: 999 },
    frontend: { user: 10001, group: 10001 },
    imagebackend: { user: 10002, group: 10002 },
} satisfies Record<string, RunAs>;

/** Labels that make the API server enforce `level` on every pod of the namespace. */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/enforce-version": "latest",
        // A baseline namespace still tells `kubectl apply` users what restricted would refuse.
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": "latest",
    };
}

/** A pod's security context as plain values: the program's objects and the trainer's tool's pods take it alike. */
export interface PodSecurityContextSpec {
    fsGroup: number;
    fsGroupChangePolicy: string;
    seccompProfile: { type: string };
    runAsNonRoot?: boolean;
    runAsUser?: number;
    runAsGroup?: number;
}

/** A container's security context as plain values. */
export interface SecurityContextSpec {
    allowPrivilegeEscalation: boolean;
    readOnlyRootFilesystem: boolean;
    capabilities?: { drop: string[] };
}

/**
 * The pod-level context. `restricted`: a fixed non-root user and group. `baseline` is for
 * images that must start as root (the official redis image's chown, for one), so the image
 * picks its user. Both keep `fsGroup`: the group that may read mounted secrets and that
 * owns volumes which support it (cloud disks; not minikube's hostPath volumes).
 */
export function podSecurityContext(level: PodSecurityLevel, runAs: RunAs): PodSecurityContextSpec {
    const common = {
        fsGroup: runAs.group,
        // Only walk the volume to change its group when its root is not already right.
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
    };
    if (level === "baseline") return common;
    return { ...common, runAsNonRoot: true, runAsUser: runAs.user, runAsGroup: runAs.group };
}

/**
 * The container-level context; `baseline` keeps the default capabilities a root image needs.
 * The root file system is read-only at both levels: each tier writes only where a volume is
 * mounted (Redis its /data, the apps a scratch /tmp), so nothing a process changes in the image
 * outlives its container, or hides there.
 */
export function containerSecurityContext(level: PodSecurityLevel): SecurityContextSpec {
    if (level === "baseline") return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true };
    return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
}

/**
 * A writable /tmp for an app whose root file system is read-only: Python's tempfile, uWSGI's
 * and Flask's scratch files. An emptyDir, so it goes with the pod.
 */
export const SCRATCH = {
    volume: { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
    mount: { name: "tmp", mountPath: "/tmp" },
} satisfies { volume: k8s.types.input.core.v1.Volume; mount: k8s.types.input.core.v1.VolumeMount };
