// Stack configuration: read once, validated once, typed once.
//
// Everything a trainee can get wrong in `pulumi config set` is caught here, before
// a single resource is registered, with a message that names the key, the bad value
// and what is allowed. Components only ever see a `MonsterstackConfig`.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { ConfigError } from "./core/configError";
import { cronProblem } from "./core/cron";
import { PROJECT } from "./core/labels";
import { parseBytes, quantityBytes } from "./core/quantities";
import { POD_SECURITY_LEVELS } from "./core/security";

export { ConfigError, PROJECT };

/** The Pulumi project (Pulumi.yaml's name), which is also the namespace of its config keys. */
export const CONFIG_NAMESPACE = PROJECT;

/** How Pulumi.yaml declares a setting's type. */
export type SettingType = "string" | "integer" | "boolean" | "array";

/** One stack setting, declared once: Pulumi.yaml's `config:` block and the README's table follow from it. */
export interface Setting {
    type: SettingType;
    /**
     * The default `pulumi up` uses when the key is unset, as Pulumi.yaml declares it. A setting
     * whose default depends on the target or the stack (`derived`) declares the "unset" marker:
     * "" for a string, 0 for an integer (Pulumi requires a default for every declared key).
     */
    default: string | number | boolean | readonly string[];
    /** The default in words, when it depends on other settings. */
    derived?: string;
    /** The only values a trainee may set. */
    allowed?: readonly string[];
    min?: number;
    max?: number;
    /** What it does, as `pulumi config` and the README tell a trainee. */
    description: string;
}

/** The StorageClass of minikube's own provisioner, the data claim's class on `target: minikube`. */
export const MINIKUBE_STORAGE_CLASS = "standard";
const PULL_POLICIES = ["IfNotPresent", "Never", "Always"] as const;
const PULL_POLICY_TEXT = "How the kubelet gets the image: `Never` for an image loaded by hand (`minikube image load my-build:dev`).";

/** Every setting of a stack, in the order the README's table shows them. */
export const SETTINGS = {
    target: {
        type: "string", default: "minikube", allowed: ["minikube", "cloud"],
        description: "Where the stack runs. Sets the defaults of storageClass, frontendServiceType and tenancy.",
    },
    storageClass: {
        type: "string", default: "", derived: `minikube: \`${MINIKUBE_STORAGE_CLASS}\`; cloud: the cluster's default class`,
        description: "StorageClass of the Redis data claim: an existing one (`kubectl get storageclass`).",
    },
    reclaimPolicy: {
        type: "string", default: "Delete", allowed: ["Retain", "Delete"],
        description: "Retain: the volume outlives its claim (a destroy, a `kubectl delete` of the claim or the namespace), and the next `pulumi up` of the stack attaches it again. Delete: the volume and its data go with the claim.",
    },
    redisKind: {
        type: "string", default: "StatefulSet", allowed: ["StatefulSet", "Deployment"],
        description: "What runs Redis; both mount the same claim `redis-data` at `/data`.",
    },
    redisStorageSize: {
        type: "string", default: "2Gi",
        description: "Size of the Redis data claim, a Kubernetes quantity (`2Gi`, `500Mi`).",
    },
    redisMemory: {
        type: "string", default: "256Mi",
        description: "Memory limit of Redis, 128Mi–1Gi. A restore needs about 8× the snapshot's size.",
    },
    redisAuth: {
        type: "boolean", default: false,
        description: "true: Redis requires a generated password, handed to Redis and the frontend through a Secret. The course's frontend image connects without one.",
    },
    frontendServiceType: {
        type: "string", default: "", derived: "minikube: `NodePort`; cloud: `LoadBalancer`", allowed: ["ClusterIP", "NodePort", "LoadBalancer"],
        description: "Type of the frontend's Service.",
    },
    frontendNodePort: {
        type: "integer", default: 0, derived: "0: Kubernetes picks one", min: 30000, max: 32767,
        description: "A fixed nodePort for the frontend Service.",
    },
    namespace: {
        type: "string", default: "", derived: "`monsterstack-<stack>`, so two trainee stacks never share one",
        description: "Namespace of the stack, a DNS-1123 label; never one of Kubernetes' own, nor one that is not the stack's.",
    },
    context: {
        type: "string", default: "DEV",
        description: "Value of the frontend's `CONTEXT` variable (`DEV`, `PROD`).",
    },
    tlsHosts: {
        type: "array", default: [],
        description: "Extra DNS names for the frontend's certificate, besides the Service's in-cluster names (`pulumi config set --path 'tlsHosts[0]' monster.example.com`).",
    },
    frontendImage: {
        type: "string", default: "tecpi/monster_icon:0.1",
        description: "Frontend image: the course's monster_icon Flask app (the image its earlier labs use). Set it to your own build.",
    },
    frontendImagePullPolicy: {
        type: "string", default: "IfNotPresent", allowed: PULL_POLICIES, description: PULL_POLICY_TEXT,
    },
    frontendPort: {
        type: "integer", default: 5000, min: 1, max: 65535,
        description: "Port the frontend app listens on: 5000 for the course's image in DEV; some PROD builds listen on 9090.",
    },
    frontendProbePath: {
        type: "string", default: "", derived: "a TCP probe on `frontendPort`, which every version of the app answers",
        description: "An HTTP path (such as `/healthz`) for the frontend's readiness and liveness probes; never `/`, which counts a visit.",
    },
    frontendReplicas: {
        type: "integer", default: 2, min: 1, max: 10,
        description: "Replicas of the frontend.",
    },
    imagebackendImage: {
        type: "string", default: "amouat/dnmonster:1.0",
        description: "Image backend (dnmonster) image, listening on 8080.",
    },
    imagebackendImagePullPolicy: {
        type: "string", default: "IfNotPresent", allowed: PULL_POLICIES, description: PULL_POLICY_TEXT,
    },
    imagebackendReplicas: {
        type: "integer", default: 1, min: 1, max: 10,
        description: "Replicas of the image backend.",
    },
    redisImage: {
        // Debian-based: the same redis-server and redis-cli the course uses.
        type: "string", default: "redis:7.4",
        description: "Redis image: Debian-based, its entrypoint accepts redis-server arguments and runs as uid 999 under podSecurity restricted.",
    },
    redisImagePullPolicy: {
        type: "string", default: "IfNotPresent", allowed: PULL_POLICIES, description: PULL_POLICY_TEXT,
    },
    podSecurity: {
        type: "string", default: "restricted", allowed: POD_SECURITY_LEVELS,
        description: "Pod Security Standard the namespace enforces: restricted (pods run as fixed non-root users) or baseline (for images that must start as root).",
    },
    kubeContext: {
        type: "string", default: "", derived: "the current context",
        description: "kubeconfig context to use.",
    },
    kubeconfig: {
        type: "string", default: "", derived: "`$KUBECONFIG` or `~/.kube/config`, read by the provider itself",
        description: "Path to, or contents of, the kubeconfig to use.",
    },
    renderYamlTo: {
        type: "string", default: "", derived: "apply to the cluster",
        description: "A directory: when set, manifests are written there instead of applied, and the cluster is not read; `pulumi stack output afterApply | sh` applies them and does what needs the cluster (docs/storage.md).",
    },
    tenancy: {
        type: "string", default: "", derived: "cloud: `on`; minikube, and `namespaceOwner: class`: `off`", allowed: ["on", "off", "only"],
        description: "on: with the app, a ServiceAccount `trainee` with a Role for the namespace only, read access to volumes and StorageClasses, a ResourceQuota, a LimitRange, a default-deny NetworkPolicy, and the output traineeKubeconfig (a secret). only: the namespace and that access without the app, plus the right to set the reclaim policy of the namespace's own volumes, for a trainee who runs their own stack there (namespaceOwner class).",
    },
    namespaceOwner: {
        type: "string", default: "stack", allowed: ["stack", "class"],
        description: "class: the namespace and the trainee's access were made by the trainer (`npm run class -- up --config tenancy=only`); the stack creates nothing cluster-scoped and runs with the trainee's own kubeconfig.",
    },
    startEmpty: {
        type: "boolean", default: false,
        description: "true: start from empty data on purpose; a retained volume of the stack is left alone.",
    },
    attachVolume: {
        type: "string", default: "", derived: "the stack's own retained volume, if any",
        description: "The name of a Released or Available PersistentVolume to attach to the stack's claim (`kubectl get pv`): the course's « récupérer les données ».",
    },
    backupSchedule: {
        type: "string", default: "", derived: "no scheduled backup",
        description: "A CronJob schedule (`0 * * * *`, `@daily`, in the cluster's time zone): a job then copies Redis' data (an RDB) into the claim `redis-backups`, which follows reclaimPolicy like the data's.",
    },
    backupKeep: {
        type: "integer", default: 7, min: 1, max: 100,
        description: "How many scheduled backups the claim `redis-backups` keeps; the oldest go first.",
    },
} as const satisfies Record<string, Setting>;

export type ConfigKey = keyof typeof SETTINGS;
/** Every key this program reads; anything else under `monsterstack:` is a typo. */
export const CONFIG_KEYS = Object.keys(SETTINGS) as ConfigKey[];
type Allowed<K extends ConfigKey> = (typeof SETTINGS)[K] extends { allowed: readonly (infer V)[] } ? V : never;
type EnumKey = { [K in ConfigKey]: Allowed<K> extends never ? never : K }[ConfigKey];

export type Target = Allowed<"target">;
export type ReclaimPolicy = Allowed<"reclaimPolicy">;
export type RedisKind = Allowed<"redisKind">;
export type ServiceType = Allowed<"frontendServiceType">;
export type PullPolicy = (typeof PULL_POLICIES)[number];
/** Pod Security Standards level the namespace enforces. */
export type PodSecurityLevel = Allowed<"podSecurity">;
/**
 * Whether the stack gives its trainee a restricted access of their own (shared clusters):
 * `on` with the app, `only` without it (the trainer prepares a namespace in which the
 * trainee runs their own stack, see `namespaceOwner`), `off` not at all.
 */
export type Tenancy = Allowed<"tenancy">;
/** Who made the namespace: the stack itself, or the trainer's class (`tenancy only`). */
export type NamespaceOwner = Allowed<"namespaceOwner">;

/** One container image and how the kubelet gets it. */
export interface ImageSpec {
    ref: string;
    pullPolicy: PullPolicy;
}

/** How the kubelet checks the frontend: a TCP connect, or an HTTP GET on a path. */
export type Probe = { kind: "tcp" } | { kind: "http"; path: string };

export interface MonsterstackConfig {
    /** Pulumi stack name: one stack per trainee. */
    stack: string;
    target: Target;
    /** Namespace holding every object of this stack (DNS-1123 label). */
    namespace: string;
    /** StorageClass of the Redis data claim; undefined = the cluster's default class. */
    storageClass?: string;
    reclaimPolicy: ReclaimPolicy;
    redisKind: RedisKind;
    redisStorageSize: string;
    /** Memory limit of the Redis container, a quantity. */
    redisMemory: string;
    redisAuth: boolean;
    redisImage: ImageSpec;
    imagebackendImage: ImageSpec;
    imagebackendReplicas: number;
    frontendImage: ImageSpec;
    frontendReplicas: number;
    /** Port the frontend app listens on (the course's image: 5000 in DEV, 9090 in some PROD builds). */
    frontendPort: number;
    /** How the kubelet probes the frontend; never `/`, which counts a visit. */
    frontendProbe: Probe;
    /** Pod Security Standards level enforced on the namespace; pods are written for `restricted`. */
    podSecurity: PodSecurityLevel;
    frontendServiceType: ServiceType;
    /** Fixed nodePort for the frontend Service; undefined lets Kubernetes pick one. */
    frontendNodePort?: number;
    /** Value of the frontend's CONTEXT variable. */
    context: string;
    /** Extra DNS names for the frontend's TLS certificate. */
    tlsHosts: string[];
    kubeContext?: string;
    kubeconfig?: string;
    /** When set, manifests are written to this directory instead of applied. */
    renderYamlTo?: string;
    /** A ServiceAccount, Role, quota, limits and NetworkPolicies for the trainee, and their kubeconfig as an output. */
    tenancy: Tenancy;
    /** `class`: the namespace and the trainee's access exist already; the stack creates nothing cluster-scoped. */
    namespaceOwner: NamespaceOwner;
    /** Start from empty data on purpose: a retained volume of the stack is left alone. */
    startEmpty: boolean;
    /** A retained PersistentVolume to attach to the stack's claim (the course's « récupérer les données »). */
    attachVolume?: string;
    /** When set, a CronJob backs the data up into the claim redis-backups on this schedule. */
    backupSchedule?: string;
    /** How many scheduled backups that claim keeps. */
    backupKeep: number;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// A container image reference: [registry[:port]/]path[:tag][@digest], lower-case path.
const IMAGE_REF = /^([a-zA-Z0-9.-]+(:\d+)?\/)?[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/** Raw values as `pulumi config` holds them: key (without namespace) → string. */
export type RawConfig = Partial<Record<string, string>>;

function describe(value: string): string {
    return JSON.stringify(value);
}

function fail(key: string, value: string, allowed: string): never {
    throw new ConfigError(`${CONFIG_NAMESPACE}:${key} = ${describe(value)} is not valid: ${allowed}.`);
}

function oneOf<K extends EnumKey>(raw: RawConfig, key: K, fallback?: Allowed<K>): Allowed<K> {
    const setting: Setting = SETTINGS[key];
    const allowed = setting.allowed ?? [];
    const value = raw[key];
    if (value === undefined) return fallback ?? (setting.default as Allowed<K>);
    if (!allowed.includes(value)) fail(key, value, `expected one of ${allowed.join(" | ")} (case matters)`);
    return value as Allowed<K>;
}

function integer(raw: RawConfig, key: ConfigKey): number {
    const setting: Setting = SETTINGS[key];
    const [min, max] = [setting.min ?? 0, setting.max ?? Number.MAX_SAFE_INTEGER];
    const value = raw[key];
    if (value === undefined) return setting.default as number;
    if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
        fail(key, value, `expected a whole number from ${min} to ${max}`);
    }
    return Number(value);
}

function boolean(raw: RawConfig, key: ConfigKey): boolean {
    const value = raw[key];
    if (value === undefined) return SETTINGS[key].default as boolean;
    if (value !== "true" && value !== "false") fail(key, value, "expected true or false");
    return value === "true";
}

/** A string setting's own default (not for a derived one). */
function defaultOf(key: ConfigKey): string {
    return SETTINGS[key].default as string;
}

function matching(raw: RawConfig, key: ConfigKey, pattern: RegExp, allowed: string): string | undefined {
    const value = raw[key];
    if (value === undefined) return undefined;
    if (!pattern.test(value)) fail(key, value, allowed);
    return value;
}

function nonEmpty(raw: RawConfig, key: ConfigKey): string | undefined {
    const value = raw[key];
    if (value === undefined) return undefined;
    if (value.trim() === "") fail(key, value, "expected a non-empty value (or unset the key)");
    return value;
}

function storageSize(raw: RawConfig): string {
    const value = raw.redisStorageSize ?? defaultOf("redisStorageSize");
    const bytes = parseBytes(value);
    if (bytes === undefined || bytes <= 0) {
        fail("redisStorageSize", value,
            "expected a positive Kubernetes quantity such as 2Gi, 500Mi or 1G (suffixes Ki Mi Gi Ti Pi Ei k M G T P E; \"Go\" is French, Kubernetes wants \"Gi\")");
    }
    return value;
}

/** Redis' memory limit: at least what Redis and a restore's second server need, at most what a trainee's LimitRange allows. */
export const REDIS_MEMORY_RANGE = { min: "128Mi", max: "1Gi" } as const;

function redisMemory(raw: RawConfig): string {
    const value = raw.redisMemory ?? defaultOf("redisMemory");
    const bytes = parseBytes(value);
    const [min, max] = [quantityBytes(REDIS_MEMORY_RANGE.min), quantityBytes(REDIS_MEMORY_RANGE.max)];
    if (bytes === undefined || bytes < min || bytes > max) {
        fail("redisMemory", value, `expected a memory quantity from ${REDIS_MEMORY_RANGE.min} to ${REDIS_MEMORY_RANGE.max}, such as 256Mi or 512Mi`);
    }
    return value;
}

function tlsHosts(raw: RawConfig): string[] {
    const value = raw.tlsHosts;
    if (value === undefined) return [];
    let parsed: unknown;
    try {
        parsed = JSON.parse(value);
    } catch {
        fail("tlsHosts", value, 'expected a JSON list of DNS names, e.g. ["monster.example.com"] (pulumi config set --path \'tlsHosts[0]\' monster.example.com)');
    }
    if (!Array.isArray(parsed) || parsed.some((h) => typeof h !== "string" || !DNS1123_SUBDOMAIN.test(h) || h.length > 253)) {
        fail("tlsHosts", value, "expected a list of lower-case DNS names such as monster.example.com");
    }
    return parsed as string[];
}

// An absolute URL path without query or fragment.
const URL_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;

function frontendProbe(raw: RawConfig): Probe {
    const value = raw.frontendProbePath;
    if (value === undefined) return { kind: "tcp" };
    if (value === "/") {
        fail("frontendProbePath", value, "the app counts a visit on every request to /, so probing it would inflate the counter; use a path such as /healthz, or unset the key for a TCP probe");
    }
    if (!URL_PATH.test(value)) fail("frontendProbePath", value, "expected an absolute URL path such as /healthz (or unset the key for a TCP probe)");
    return { kind: "http", path: value };
}

/**
 * The namespace a stack gets when none is configured: `monsterstack-<stack>`.
 * Stack names may hold capitals, dots or underscores that a namespace cannot; when
 * the name has to be changed to fit, a short hash of the real stack name is appended,
 * so "Alice" and "alice" still get two different namespaces.
 */
export function defaultNamespace(stack: string): string {
    const cleaned = stack.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
    const base = `monsterstack-${cleaned}`.replace(/-+$/, "");
    if (cleaned === stack && base.length <= 63) return base;
    const hash = createHash("sha256").update(stack).digest("hex").slice(0, 8);
    return `${base.slice(0, 63 - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/** Kubernetes' own namespaces: `default` and every `kube-` one. No stack may create, adopt or delete them. */
export function isKubernetesNamespace(name: string): boolean {
    return name === "default" || name.startsWith("kube-");
}

/** A derived setting at its Pulumi.yaml "unset" marker ("" or 0) is not configured. */
function withoutUnsetMarkers(raw: RawConfig): RawConfig {
    const cleaned: RawConfig = { ...raw };
    for (const key of CONFIG_KEYS) {
        const setting: Setting = SETTINGS[key];
        if (setting.derived !== undefined && cleaned[key] === String(setting.default)) delete cleaned[key];
    }
    return cleaned;
}

/** Parses and validates raw stack config; throws ConfigError on the first bad value. */
export function parseConfig(given: RawConfig, stack: string): MonsterstackConfig {
    const raw = withoutUnsetMarkers(given);
    const unknown = Object.keys(raw).filter((k) => !(CONFIG_KEYS as readonly string[]).includes(k));
    if (unknown.length > 0) {
        throw new ConfigError(
            `unknown config key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `${CONFIG_NAMESPACE}:${k}`).join(", ")}: ` +
            `expected one of ${CONFIG_KEYS.join(", ")}.`);
    }

    const target = oneOf(raw, "target");
    const namespace = matching(raw, "namespace", DNS1123_LABEL,
        "expected a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit")
        ?? defaultNamespace(stack);
    if (namespace.length > 63) fail("namespace", namespace, "expected at most 63 characters");
    if (isKubernetesNamespace(namespace)) {
        fail("namespace", namespace, "it is one of Kubernetes' own namespaces (default, kube-system, kube-public, kube-node-lease, kube-*): " +
            "a stack relabels its namespace and deletes it, with everything in it, at `pulumi destroy`; choose a name of your own, or unset the key for " +
            defaultNamespace(stack));
    }

    const storageClass = matching(raw, "storageClass", DNS1123_SUBDOMAIN,
        "expected the name of a StorageClass (lower-case DNS name, see kubectl get storageclass)")
        ?? (target === "minikube" ? MINIKUBE_STORAGE_CLASS : undefined);

    const frontendServiceType = oneOf(raw, "frontendServiceType", target === "minikube" ? "NodePort" : "LoadBalancer");
    const frontendNodePort = raw.frontendNodePort === undefined
        ? undefined
        : integer(raw, "frontendNodePort");
    if (frontendNodePort !== undefined && frontendServiceType === "ClusterIP") {
        fail("frontendNodePort", String(frontendNodePort), "a nodePort needs frontendServiceType NodePort or LoadBalancer, not ClusterIP");
    }

    const image = (key: ConfigKey, policyKey: "redisImagePullPolicy" | "imagebackendImagePullPolicy" | "frontendImagePullPolicy"): ImageSpec => ({
        ref: matching(raw, key, IMAGE_REF, "expected a container image reference such as redis:7.4 or registry.example.com/team/app:1.0") ?? defaultOf(key),
        pullPolicy: oneOf(raw, policyKey),
    });
    const frontendPort = integer(raw, "frontendPort");
    const startEmpty = boolean(raw, "startEmpty");
    const attachVolume = matching(raw, "attachVolume", DNS1123_SUBDOMAIN, "expected the name of a PersistentVolume (kubectl get pv)");
    if (startEmpty && attachVolume !== undefined) {
        fail("attachVolume", attachVolume, "it cannot be set together with startEmpty true: choose the retained volume or empty data");
    }
    const renderYamlTo = nonEmpty(raw, "renderYamlTo");
    const backupSchedule = raw.backupSchedule;
    const scheduleProblem = backupSchedule === undefined ? undefined : cronProblem(backupSchedule);
    if (backupSchedule !== undefined && scheduleProblem !== undefined) fail("backupSchedule", backupSchedule, `${scheduleProblem}; e.g. "0 * * * *" for every hour, or @daily`);
    const namespaceOwner = oneOf(raw, "namespaceOwner");
    // On by default where trainees share a cluster; a trainee's own stack in the class's namespace makes none.
    const tenancy = oneOf(raw, "tenancy",
        target === "cloud" && namespaceOwner === "stack" ? "on" : "off");
    if (namespaceOwner === "class" && tenancy !== "off") {
        fail("tenancy", tenancy, "with namespaceOwner class the trainee's access is the class's; a trainee's own stack creates none (tenancy off)");
    }

    return {
        stack,
        target,
        namespace,
        storageClass,
        reclaimPolicy: oneOf(raw, "reclaimPolicy"),
        redisKind: oneOf(raw, "redisKind"),
        redisStorageSize: storageSize(raw),
        redisMemory: redisMemory(raw),
        redisAuth: boolean(raw, "redisAuth"),
        redisImage: image("redisImage", "redisImagePullPolicy"),
        imagebackendImage: image("imagebackendImage", "imagebackendImagePullPolicy"),
        imagebackendReplicas: integer(raw, "imagebackendReplicas"),
        frontendImage: image("frontendImage", "frontendImagePullPolicy"),
        frontendReplicas: integer(raw, "frontendReplicas"),
        frontendPort,
        frontendProbe: frontendProbe(raw),
        podSecurity: oneOf(raw, "podSecurity"),
        frontendServiceType,
        frontendNodePort,
        context: matching(raw, "context", /^[A-Za-z0-9_.-]{1,63}$/, "expected a short word such as DEV or PROD") ?? defaultOf("context"),
        tlsHosts: tlsHosts(raw),
        kubeContext: nonEmpty(raw, "kubeContext"),
        kubeconfig: nonEmpty(raw, "kubeconfig"),
        renderYamlTo,
        startEmpty,
        attachVolume,
        backupSchedule: backupSchedule?.trim(),
        backupKeep: integer(raw, "backupKeep"),
        tenancy,
        namespaceOwner,
    };
}

/** The `monsterstack:*` keys of a flat Pulumi config map (`project:key` → value). */
export function projectKeys(all: Record<string, string>): RawConfig {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const raw: RawConfig = {};
    for (const [key, value] of Object.entries(all)) {
        if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = value;
    }
    return raw;
}

/** The validated config of the running stack. Call once, before registering any resource. */
export function loadStackConfig(): MonsterstackConfig {
    return parseConfig(projectKeys(pulumi.runtime.allConfig()), pulumi.getStack());
}
