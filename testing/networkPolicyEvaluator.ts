// NetworkPolicy (networking.k8s.io/v1) ingress semantics, for tests that judge the program's
// policies by what they admit rather than by how they are spelled. Written from the API's own
// comments (k8s.io/api/networking/v1 types.go), its defaulting and validation
// (pkg/apis/networking), apimachinery's label selectors, and the concept page
// https://kubernetes.io/docs/concepts/services-networking/network-policies/ — a test that
// passes on a looser evaluator proves nothing about isolation, so nothing here is approximate
// on purpose: what the docs leave to the network plugin is named as such below.
//
// Not modelled: egress (the program leaves it open, and a flow needs both ends to allow it),
// hostNetwork pods (undefined by the docs), and the source-IP rewriting of NodePort and
// LoadBalancer traffic (plugin-defined): an external source arrives with its own address.

export type Labels = Readonly<Record<string, string>>;
export type Protocol = "TCP" | "UDP" | "SCTP";

export interface LabelSelectorRequirement {
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    values?: readonly string[];
}

/** metav1.LabelSelector: `{}` selects everything; a missing selector is not the same as `{}`. */
export interface LabelSelector {
    matchLabels?: Labels;
    matchExpressions?: readonly LabelSelectorRequirement[];
}

export interface IPBlock {
    cidr: string;
    except?: readonly string[];
}

export interface NetworkPolicyPeer {
    podSelector?: LabelSelector;
    namespaceSelector?: LabelSelector;
    ipBlock?: IPBlock;
}

export interface NetworkPolicyPort {
    protocol?: Protocol;
    port?: number | string;
    endPort?: number;
}

export interface NetworkPolicyIngressRule {
    from?: readonly NetworkPolicyPeer[];
    ports?: readonly NetworkPolicyPort[];
}

export interface NetworkPolicy {
    metadata: { name?: string; namespace: string };
    spec: {
        podSelector?: LabelSelector;
        policyTypes?: ReadonlyArray<"Ingress" | "Egress">;
        ingress?: readonly NetworkPolicyIngressRule[];
        egress?: readonly unknown[];
    };
}

/** A namespace's own labels; the control plane adds `kubernetes.io/metadata.name` itself. */
export interface Namespace {
    name: string;
    labels?: Labels;
}

export interface ContainerPort {
    name?: string;
    containerPort: number;
    protocol?: Protocol;
}

/** A pod: where it runs and what it carries; `ports` are its containers' declared ports. */
export interface Pod {
    namespace: string;
    name?: string;
    labels?: Labels;
    ip?: string;
    node?: string;
    ports?: readonly ContainerPort[];
}

/** A client outside the cluster, seen with its own address. */
export interface ExternalSource {
    kind: "external";
    ip: string;
}

/** A node (kubelet probes, host processes). */
export interface NodeSource {
    kind: "node";
    name: string;
    ip?: string;
}

export type Source = Pod | ExternalSource | NodeSource;

/** What the evaluator sees of a cluster: its policies, and its namespaces' labels. */
export interface Cluster {
    policies: readonly NetworkPolicy[];
    /** Namespaces not listed here exist with only their automatic name label. */
    namespaces?: readonly Namespace[];
}

export interface Verdict {
    admitted: boolean;
    /** Why, in words a failing assertion can show. */
    reason: string;
}

/** The label the control plane sets, immutably, on every namespace (its value: the name). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/**
 * Whether a connection from `from` to `to`'s `port` (a number, or the name of one of `to`'s
 * container ports) over `protocol` gets past the ingress policies of `to`'s namespace.
 */
export function admits(cluster: Cluster, from: Source, to: Pod, port: number | string, protocol: Protocol = "TCP"): boolean {
    return verdict(cluster, from, to, port, protocol).admitted;
}

/** As `admits`, with the reason: which policy and rule admitted, or which policies isolate. */
export function verdict(cluster: Cluster, from: Source, to: Pod, port: number | string, protocol: Protocol = "TCP"): Verdict {
    for (const policy of cluster.policies) validatePolicy(policy);
    const portNumber = typeof port === "number" ? port : namedPort(to, port, protocol);

    // "a pod cannot block access to itself", and "traffic to and from the node where a Pod
    // is running is always allowed" (concept page); policies are not consulted.
    if (!("kind" in from) && samePod(from, to)) return { admitted: true, reason: "a pod always reaches itself" };
    if ("kind" in from && from.kind === "node" && to.node !== undefined && from.name === to.node) {
        return { admitted: true, reason: `node ${from.name} is the pod's own node` };
    }

    // Only policies of the pod's own namespace select it, and only those whose (defaulted)
    // policyTypes include Ingress isolate it for ingress.
    const isolating = cluster.policies.filter((p) => p.metadata.namespace === to.namespace && affectsIngress(p) &&
        selectorMatches(p.spec.podSelector ?? {}, to.labels ?? {}));
    if (isolating.length === 0) return { admitted: true, reason: "no Ingress policy selects the pod" };

    for (const policy of isolating) {
        const rules = policy.spec.ingress ?? [];
        for (const [index, rule] of rules.entries()) {
            if (portsMatch(rule.ports, to, portNumber, protocol) && sourceMatches(cluster, policy, rule.from, from)) {
                return { admitted: true, reason: `${describe(policy)} ingress[${index}]` };
            }
        }
    }
    return { admitted: false, reason: `isolated by ${isolating.map(describe).join(", ")}; no rule admits it` };
}

/**
 * Throws what the API server would refuse the policy for (ValidateNetworkPolicySpec), so a
 * test never evaluates a policy that could not exist.
 */
export function validatePolicy(policy: NetworkPolicy): void {
    const where = describe(policy);
    const fail = (path: string, message: string): never => { throw new Error(`${where}: spec.${path}: ${message}`); };
    validateSelector(policy.spec.podSelector ?? {}, "podSelector", fail);
    for (const type of policy.spec.policyTypes ?? []) {
        if (type !== "Ingress" && type !== "Egress") fail("policyTypes", `unsupported value "${type}"`);
    }
    for (const [r, rule] of (policy.spec.ingress ?? []).entries()) {
        for (const [i, p] of (rule.ports ?? []).entries()) {
            const path = `ingress[${r}].ports[${i}]`;
            if (p.protocol !== undefined && !["TCP", "UDP", "SCTP"].includes(p.protocol)) fail(`${path}.protocol`, `unsupported value "${p.protocol}"`);
            if (typeof p.port === "number" && !validPortNumber(p.port)) fail(`${path}.port`, "must be between 1 and 65535, inclusive");
            if (typeof p.port === "string" && !/^(?=.*[a-z])(?!-)(?!.*--)[a-z0-9-]{1,15}(?<!-)$/.test(p.port)) fail(`${path}.port`, `"${p.port}" is not a valid port name`);
            if (p.endPort !== undefined) {
                if (p.port === undefined) fail(`${path}.endPort`, "may not be specified when `port` is not specified");
                if (typeof p.port === "string") fail(`${path}.endPort`, "may not be specified when `port` is non-numeric");
                if (!validPortNumber(p.endPort) || p.endPort < (p.port as number)) fail(`${path}.endPort`, "must be a port number greater than or equal to `port`");
            }
        }
        for (const [i, peer] of (rule.from ?? []).entries()) {
            const path = `ingress[${r}].from[${i}]`;
            const set = [peer.podSelector, peer.namespaceSelector, peer.ipBlock].filter((x) => x !== undefined).length;
            if (set === 0) fail(path, "must specify a peer");
            if (peer.ipBlock !== undefined && set > 1) fail(path, "may not specify both ipBlock and another peer");
            if (peer.podSelector) validateSelector(peer.podSelector, `${path}.podSelector`, fail);
            if (peer.namespaceSelector) validateSelector(peer.namespaceSelector, `${path}.namespaceSelector`, fail);
            if (peer.ipBlock) {
                const block = parseCidr(peer.ipBlock.cidr) ?? fail(`${path}.ipBlock.cidr`, `"${peer.ipBlock.cidr}" is not a valid CIDR`);
                for (const [e, text] of (peer.ipBlock.except ?? []).entries()) {
                    const except = parseCidr(text) ?? fail(`${path}.ipBlock.except[${e}]`, `"${text}" is not a valid CIDR`);
                    if (!(except.family === block.family && except.prefix > block.prefix && cidrContains(block, except.network))) {
                        fail(`${path}.ipBlock.except[${e}]`, "must be a strict subset of `cidr`");
                    }
                }
            }
        }
    }
}

/** apimachinery's LabelSelector semantics: every matchLabels pair and every expression must hold. */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
    const has = (key: string) => Object.prototype.hasOwnProperty.call(labels, key);
    return Object.entries(selector.matchLabels ?? {}).every(([key, value]) => has(key) && labels[key] === value) &&
        (selector.matchExpressions ?? []).every((e) => {
            switch (e.operator) {
            case "In": return has(e.key) && (e.values ?? []).includes(labels[e.key]);
            // A pod without the key is *not in* any set of values: it matches.
            case "NotIn": return !has(e.key) || !(e.values ?? []).includes(labels[e.key]);
            case "Exists": return has(e.key);
            case "DoesNotExist": return !has(e.key);
            }
        });
}

/** Whether `ip` lies in `cidr` minus each of `except` (IPv4 and IPv6; families never mix). */
export function ipBlockContains(block: IPBlock, ip: string): boolean {
    const address = parseIp(ip);
    const cidr = parseCidr(block.cidr);
    if (!address || !cidr) throw new Error(`not an address or CIDR: ${ip}, ${block.cidr}`);
    const inside = (c: Cidr) => c.family === address.family && cidrContains(c, address.value);
    return inside(cidr) && !(block.except ?? []).some((e) => {
        const except = parseCidr(e);
        if (!except) throw new Error(`not a CIDR: ${e}`);
        return inside(except);
    });
}

function affectsIngress(policy: NetworkPolicy): boolean {
    // Defaulting (SetDefaults_NetworkPolicy): no policyTypes means Ingress (plus Egress when
    // there are egress rules); so a policy written only with egress rules still isolates ingress.
    const types = policy.spec.policyTypes ?? [];
    return types.length === 0 || types.includes("Ingress");
}

/**
 * "If this field is empty or missing, this rule matches all ports"; a port entry without
 * `port` matches every port of its protocol (TCP when unset), a named one the destination
 * container port of that name and protocol, and `endPort` closes a range from `port`.
 */
function portsMatch(ports: readonly NetworkPolicyPort[] | undefined, to: Pod, port: number, protocol: Protocol): boolean {
    if (ports === undefined || ports.length === 0) return true;
    return ports.some((p) => {
        if ((p.protocol ?? "TCP") !== protocol) return false;
        if (p.port === undefined) return true;
        if (typeof p.port === "string") {
            return (to.ports ?? []).some((c) => c.name === p.port && c.containerPort === port && (c.protocol ?? "TCP") === protocol);
        }
        return p.endPort === undefined ? port === p.port : port >= p.port && port <= p.endPort;
    });
}

/** "If this field is empty or missing, this rule matches all sources"; otherwise any one peer. */
function sourceMatches(cluster: Cluster, policy: NetworkPolicy, peers: readonly NetworkPolicyPeer[] | undefined, from: Source): boolean {
    if (peers === undefined || peers.length === 0) return true;
    return peers.some((peer) => {
        if (peer.ipBlock) {
            // Pods are matched by their address too, as conformant plugins do (the upstream
            // e2e suite builds its ipBlock cases from pod IPs); an unknown address matches nothing.
            return from.ip !== undefined && ipBlockContains(peer.ipBlock, from.ip);
        }
        // Selectors name pods; a node or an outside client is never one.
        if ("kind" in from) return false;
        const inNamespace = peer.namespaceSelector === undefined
            ? from.namespace === policy.metadata.namespace
            : selectorMatches(peer.namespaceSelector, namespaceLabels(cluster, from.namespace));
        // No podSelector beside a namespaceSelector: every pod of those namespaces.
        return inNamespace && (peer.podSelector === undefined || selectorMatches(peer.podSelector, from.labels ?? {}));
    });
}

function namespaceLabels(cluster: Cluster, name: string): Labels {
    const listed = (cluster.namespaces ?? []).find((n) => n.name === name);
    // The automatic label wins: it is immutable and always equals the name.
    return { ...listed?.labels, [NAMESPACE_NAME_LABEL]: name };
}

function namedPort(to: Pod, name: string, protocol: Protocol): number {
    const found = (to.ports ?? []).find((c) => c.name === name && (c.protocol ?? "TCP") === protocol);
    if (!found) throw new Error(`the destination pod has no ${protocol} port named "${name}": ${JSON.stringify(to.ports ?? [])}`);
    return found.containerPort;
}

function samePod(a: Pod, b: Pod): boolean {
    return a === b || (a.name !== undefined && a.name === b.name && a.namespace === b.namespace);
}

function describe(policy: NetworkPolicy): string {
    return `NetworkPolicy ${policy.metadata.namespace}/${policy.metadata.name ?? "(unnamed)"}`;
}

function validPortNumber(port: number): boolean {
    return Number.isInteger(port) && port >= 1 && port <= 65535;
}

function validateSelector(selector: LabelSelector, path: string, fail: (path: string, message: string) => never): void {
    for (const [i, e] of (selector.matchExpressions ?? []).entries()) {
        const count = (e.values ?? []).length;
        if ((e.operator === "In" || e.operator === "NotIn") && count === 0) fail(`${path}.matchExpressions[${i}].values`, "must be specified when `operator` is 'In' or 'NotIn'");
        else if ((e.operator === "Exists" || e.operator === "DoesNotExist") && count > 0) fail(`${path}.matchExpressions[${i}].values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
        else if (!["In", "NotIn", "Exists", "DoesNotExist"].includes(e.operator)) fail(`${path}.matchExpressions[${i}].operator`, `not a valid selector operator: "${e.operator}"`);
    }
}

interface Address { family: 4 | 6; value: bigint }
interface Cidr { family: 4 | 6; prefix: number; network: bigint }

const BITS = { 4: 32, 6: 128 } as const;

function cidrContains(cidr: Cidr, value: bigint): boolean {
    const shift = BigInt(BITS[cidr.family] - cidr.prefix);
    return value >> shift === cidr.network >> shift;
}

function parseCidr(text: string): Cidr | undefined {
    const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
    const address = match ? parseIp(match[1]) : undefined;
    if (!match || !address) return undefined;
    const prefix = Number(match[2]);
    if (prefix > BITS[address.family]) return undefined;
    // Host bits are dropped, as Go's ParseCIDR does for the API server's legacy CIDR fields.
    const shift = BigInt(BITS[address.family] - prefix);
    return { family: address.family, prefix, network: (address.value >> shift) << shift };
}

function parseIp(text: string): Address | undefined {
    const v4 = parseIpv4(text);
    if (v4 !== undefined) return { family: 4, value: v4 };
    const v6 = parseIpv6(text);
    return v6 === undefined ? undefined : { family: 6, value: v6 };
}

function parseIpv4(text: string): bigint | undefined {
    const parts = text.split(".");
    if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
    return parts.reduce((sum, p) => (sum << 8n) + BigInt(Number(p)), 0n);
}

function parseIpv6(text: string): bigint | undefined {
    // A trailing dotted quad ("::ffff:192.0.2.1") stands for the last two groups.
    let groupsText = text;
    let tail: bigint[] = [];
    const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (dotted) {
        const v4 = parseIpv4(dotted[2]);
        if (v4 === undefined) return undefined;
        groupsText = dotted[1].endsWith("::") ? dotted[1] : dotted[1].slice(0, -1);
        tail = [v4 >> 16n, v4 & 0xffffn];
    }
    const halves = groupsText.split("::");
    if (halves.length > 2) return undefined;
    const groups = (half: string) => (half === "" ? [] : half.split(":"));
    const head = groups(halves[0]);
    const rest = halves.length === 2 ? groups(halves[1]) : [];
    if (![...head, ...rest].every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    const given = head.length + rest.length + tail.length;
    if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
    const all = [...head.map((g) => BigInt(`0x${g}`)), ...Array<bigint>(8 - given).fill(0n), ...rest.map((g) => BigInt(`0x${g}`)), ...tail];
    return all.reduce((sum, g) => (sum << 16n) + g, 0n);
}
