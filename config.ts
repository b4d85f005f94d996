// Stack configuration: read once, validated once, typed once.
//
// Everything a trainee can get wrong in `pulumi config set` is caught here, before
// a single resource is registered, with a message that names the key, the bad value
// and what is allowed. Components only ever see a `MonsterstackConfig`.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { parseBytes } from "./components/quantities";

/** The Pulumi project (Pulumi.yaml's name), which is also the namespace of its config keys. */
export const PROJECT = "monsterstack";
export const CONFIG_NAMESPACE = PROJECT;

export type Target = "minikube" | "cloud";
export type ReclaimPolicy = "Retain" | "Delete";
export type RedisKind = "StatefulSet" | "Deployment";
export type ServiceType = "ClusterIP" | "NodePort" | "LoadBalancer";
export type PullPolicy = "IfNotPresent" | "Never" | "Always";
/** Pod Security Standards level the namespace enforces. */
export type PodSecurityLevel = "restricted" | "baseline";
/**
 * Whether the stack gives its trainee a restricted access of their own (shared clusters):
 * `on` with the app, `only` without it (the trainer prepares a namespace in which the
 * trainee runs their own stack, see `namespaceOwner`), `off` not at all.
 */
export type Tenancy = "on" | "off" | "only";
/** Who made the namespace: the stack itself, or the trainer's class (`tenancy only`). */
export type NamespaceOwner = "stack" | "class";

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
}

/**
 * Thrown for any bad configuration value; the message is meant for a trainee.
 * A RunError makes `pulumi up` print just the message, without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

/** Every key this program reads; anything else under `monsterstack:` is a typo. */
export const CONFIG_KEYS = [
    "target", "namespace", "storageClass", "reclaimPolicy", "redisKind", "redisStorageSize",
    "redisAuth", "redisImage", "redisImagePullPolicy", "imagebackendImage", "imagebackendImagePullPolicy",
    "imagebackendReplicas", "frontendImage", "frontendImagePullPolicy", "frontendReplicas", "frontendPort",
    "frontendProbePath", "frontendServiceType", "frontendNodePort", "context", "tlsHosts", "podSecurity",
    "kubeContext", "kubeconfig", "renderYamlTo", "startEmpty", "attachVolume", "tenancy", "namespaceOwner",
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

export const DEFAULTS = {
    target: "minikube" as Target,
    reclaimPolicy: "Delete" as ReclaimPolicy,
    redisKind: "StatefulSet" as RedisKind,
    redisStorageSize: "2Gi",
    redisAuth: false,
    // Debian-based image: the same redis-server and redis-cli the course uses.
    redisImage: "redis:7.4",
    imagebackendImage: "amouat/dnmonster:1.0",
    imagebackendReplicas: 1,
    // The course builds its own image from the monster_icon app; this public one is the
    // image its earlier labs use. Set `frontendImage` to your own build.
    frontendImage: "tecpi/monster_icon:0.1",
    frontendReplicas: 2,
    frontendPort: 5000,
    imagePullPolicy: "IfNotPresent" as PullPolicy,
    podSecurity: "restricted" as PodSecurityLevel,
    context: "DEV",
    minikubeStorageClass: "standard",
};

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

function oneOf<T extends string>(raw: RawConfig, key: ConfigKey, allowed: readonly T[], fallback: T): T {
    const value = raw[key];
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
        fail(key, value, `expected one of ${allowed.join(" | ")} (case matters)`);
    }
    return value as T;
}

function integer(raw: RawConfig, key: ConfigKey, fallback: number, min: number, max: number): number {
    const value = raw[key];
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
        fail(key, value, `expected a whole number from ${min} to ${max}`);
    }
    return Number(value);
}

function boolean(raw: RawConfig, key: ConfigKey, fallback: boolean): boolean {
    const value = raw[key];
    if (value === undefined) return fallback;
    if (value !== "true" && value !== "false") fail(key, value, "expected true or false");
    return value === "true";
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
    const value = raw.redisStorageSize ?? DEFAULTS.redisStorageSize;
    const bytes = parseBytes(value);
    if (bytes === undefined || bytes <= 0) {
        fail("redisStorageSize", value,
            "expected a positive Kubernetes quantity such as 2Gi, 500Mi or 1G (suffixes Ki Mi Gi Ti Pi Ei k M G T P E; \"Go\" is French, Kubernetes wants \"Gi\")");
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
const URL_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%\/-]*$/;

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

/**
 * Keys whose default depends on the target or the stack. Pulumi.yaml declares them with
 * an "unset" default (Pulumi requires a default for every declared key): "" for strings,
 * 0 for the nodePort. Those markers mean "not configured".
 */
const DERIVED_DEFAULT_KEYS: ConfigKey[] = ["storageClass", "frontendServiceType", "frontendNodePort", "namespace",
    "frontendProbePath", "kubeContext", "kubeconfig", "renderYamlTo", "attachVolume", "tenancy"];

function withoutUnsetMarkers(raw: RawConfig): RawConfig {
    const cleaned: RawConfig = { ...raw };
    for (const key of DERIVED_DEFAULT_KEYS) {
        if (cleaned[key] === "" || (key === "frontendNodePort" && cleaned[key] === "0")) delete cleaned[key];
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

    const target = oneOf(raw, "target", ["minikube", "cloud"] as const, DEFAULTS.target);
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
        ?? (target === "minikube" ? DEFAULTS.minikubeStorageClass : undefined);

    const frontendServiceType = oneOf(raw, "frontendServiceType", ["ClusterIP", "NodePort", "LoadBalancer"] as const,
        target === "minikube" ? "NodePort" : "LoadBalancer");
    const frontendNodePort = raw.frontendNodePort === undefined
        ? undefined
        : integer(raw, "frontendNodePort", 0, 30000, 32767);
    if (frontendNodePort !== undefined && frontendServiceType === "ClusterIP") {
        fail("frontendNodePort", String(frontendNodePort), "a nodePort needs frontendServiceType NodePort or LoadBalancer, not ClusterIP");
    }

    const image = (key: ConfigKey, policyKey: ConfigKey, fallback: string): ImageSpec => ({
        ref: matching(raw, key, IMAGE_REF, "expected a container image reference such as redis:7.4 or registry.example.com/team/app:1.0") ?? fallback,
        pullPolicy: oneOf(raw, policyKey, ["IfNotPresent", "Never", "Always"] as const, DEFAULTS.imagePullPolicy),
    });
    const frontendPort = integer(raw, "frontendPort", DEFAULTS.frontendPort, 1, 65535);
    const startEmpty = boolean(raw, "startEmpty", false);
    const attachVolume = matching(raw, "attachVolume", DNS1123_SUBDOMAIN, "expected the name of a PersistentVolume (kubectl get pv)");
    if (startEmpty && attachVolume !== undefined) {
        fail("attachVolume", attachVolume, "it cannot be set together with startEmpty true: choose the retained volume or empty data");
    }
    const renderYamlTo = nonEmpty(raw, "renderYamlTo");
    const namespaceOwner = oneOf(raw, "namespaceOwner", ["stack", "class"] as const, "stack");
    // On by default where trainees share a cluster; a trainee's own stack in the class's namespace makes none.
    const tenancy = oneOf(raw, "tenancy", ["on", "off", "only"] as const,
        target === "cloud" && namespaceOwner === "stack" ? "on" : "off");
    if (namespaceOwner === "class" && tenancy !== "off") {
        fail("tenancy", tenancy, "with namespaceOwner class the trainee's access is the class's; a trainee's own stack creates none (tenancy off)");
    }
    if (tenancy === "only" && renderYamlTo !== undefined) {
        fail("tenancy", tenancy, "only prepares a trainee's namespace and access in a cluster; renderYamlTo has no cluster");
    }

    return {
        stack,
        target,
        namespace,
        storageClass,
        reclaimPolicy: oneOf(raw, "reclaimPolicy", ["Retain", "Delete"] as const, DEFAULTS.reclaimPolicy),
        redisKind: oneOf(raw, "redisKind", ["StatefulSet", "Deployment"] as const, DEFAULTS.redisKind),
        redisStorageSize: storageSize(raw),
        redisAuth: boolean(raw, "redisAuth", DEFAULTS.redisAuth),
        redisImage: image("redisImage", "redisImagePullPolicy", DEFAULTS.redisImage),
        imagebackendImage: image("imagebackendImage", "imagebackendImagePullPolicy", DEFAULTS.imagebackendImage),
        imagebackendReplicas: integer(raw, "imagebackendReplicas", DEFAULTS.imagebackendReplicas, 1, 10),
        frontendImage: image("frontendImage", "frontendImagePullPolicy", DEFAULTS.frontendImage),
        frontendReplicas: integer(raw, "frontendReplicas", DEFAULTS.frontendReplicas, 1, 10),
        frontendPort,
        frontendProbe: frontendProbe(raw),
        podSecurity: oneOf(raw, "podSecurity", ["restricted", "baseline"] as const, DEFAULTS.podSecurity),
        frontendServiceType,
        frontendNodePort,
        context: matching(raw, "context", /^[A-Za-z0-9_.-]{1,63}$/, "expected a short word such as DEV or PROD") ?? DEFAULTS.context,
        tlsHosts: tlsHosts(raw),
        kubeContext: nonEmpty(raw, "kubeContext"),
        kubeconfig: nonEmpty(raw, "kubeconfig"),
        renderYamlTo,
        startEmpty,
        attachVolume,
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
