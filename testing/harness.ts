// Runs the real program (index.ts) under Pulumi mocks and records what it registers,
// as the engine would receive it: type, name, inputs, and the options that matter here.
import * as pulumi from "@pulumi/pulumi";
import type { ReadResourceRequest, RegisterResourceRequest } from "@pulumi/pulumi/proto/resource_pb";
import type { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { createHash } from "crypto";
import * as path from "path";
import { clusterReader } from "../clusterReads";
import type { ClusterState, VolumeState } from "../clusterReads/volumes";

const PROGRAM = path.join(__dirname, "..", "index.ts");
// Pulumi's wire marker for a secret value.
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface Registered {
    type: string;
    /** Pulumi resource name (not the Kubernetes name). */
    name: string;
    /** Inputs with secrets unwrapped. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Pulumi mocks' untyped inputs (any resource type), read by path in assertions
    inputs: any;
    /** True when this is a `.get` read of an existing object, not a managed resource. */
    read: boolean;
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
    /** Input properties whose change forces a replacement. */
    replaceOnChanges: string[];
    /** Types this resource was formerly registered as (type-only aliases). */
    aliasTypes: string[];
    /** Pulumi names of the parents this resource formerly had (parent aliases). */
    aliasParents: string[];
    /** Top-level input properties sent to the engine as secrets. */
    secretInputs: string[];
    /** Pulumi names of the resources this one was told to wait for (`dependsOn`). */
    dependsOn: string[];
}

export interface ProgramRun {
    stack: string;
    resources: Registered[];
    /** Volumes whose claimRef the program made point at the stack's claim (`pulumi up` only). */
    released: string[];
    /** What the program logged (pulumi.log), as the CLI would show under Diagnostics. */
    logs: Array<{ severity: "info" | "warn"; message: string }>;
    /** The program's stack outputs, resolved; `secretOutputs` names the secret ones. */
    outputs: Record<string, unknown>;
    secretOutputs: string[];
}

/** A Kubernetes object registered by the program (reads excluded). */
export interface KubeObject extends Registered {
    kind: string;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a part of the untyped inputs above (any kind of object), read by path in assertions
    metadata: any;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a part of the untyped inputs above (any kind of object), read by path in assertions
    spec: any;
}

function containsSecret(value: unknown): boolean {
    if (value === null || typeof value !== "object") return false;
    const record = value as Record<string, unknown>;
    if (record["4dabf18193072939515e22adb298388d"] === SECRET_SIG) return true;
    return Object.values(record).some(containsSecret);
}

/** Replaces each secret wrapper by the value it wraps. */
function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value === null || typeof value !== "object") return value;
    const record = value as Record<string, unknown>;
    if (record["4dabf18193072939515e22adb298388d"] === SECRET_SIG) return unwrapSecrets(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
}

/** Waits for every request the program sent the (mock) engine; internal to the SDK, hence untyped. */
const waitForRPCs = (): Promise<void> => (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();

// The SDK's wire marker for a value not known yet (in a preview).
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * What a cluster would add: ids, a bound volume for a claim, an address for a load balancer.
 * In a preview of a new stack nothing exists yet: new objects have no id, so a read of
 * the claim gets an unknown id and learns nothing, as with the real engine.
 */
function simulatedState(args: pulumi.runtime.MockResourceArgs, previewOfNewStack: boolean, stackId: string | null): { id: string; state: Record<string, unknown> } {
    const inputs = args.inputs ?? {};
    const meta = inputs.metadata ?? {};
    if (previewOfNewStack) {
        return args.id === UNKNOWN ? { id: "", state: {} } : { id: args.id ?? "", state: { ...inputs } };
    }
    const id = args.id || (meta.name ? (meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name) : `${args.name}-id`);
    const state: Record<string, unknown> = { ...inputs };
    if (args.type === "kubernetes:core/v1:PersistentVolumeClaim" && args.id) {
        // A `.get` of the claim: the cluster has bound it to a provisioned volume.
        state.metadata = { name: args.id.split("/")[1], namespace: args.id.split("/")[0] };
        state.spec = { volumeName: `pvc-${createHash("sha256").update(args.id).digest("hex").slice(0, 12)}` };
    }
    if (args.type === "kubernetes:core/v1:Service" && inputs.spec?.type === "LoadBalancer") {
        state.status = { loadBalancer: { ingress: [{ ip: "203.0.113.10" }] } };
    }
    if (args.type === "kubernetes:core/v1:Secret" && inputs.type === "kubernetes.io/service-account-token") {
        // The token controller fills the Secret in for the ServiceAccount it names.
        const b64 = (v: string) => Buffer.from(v).toString("base64");
        state.data = { "token": b64(`mock-token-${meta.namespace}`), "ca.crt": b64("mock-cluster-ca"), "namespace": b64(meta.namespace) };
    }
    if (args.type === "tls:index/privateKey:PrivateKey") {
        state.privateKeyPem = `-----BEGIN PRIVATE KEY-----\nmock-${args.name}\n-----END PRIVATE KEY-----\n`;
    }
    if (args.type === "tls:index/selfSignedCert:SelfSignedCert") {
        state.certPem = `-----BEGIN CERTIFICATE-----\nmock-${args.name}\n-----END CERTIFICATE-----\n`;
    }
    if (args.type === "random:index/randomPassword:RandomPassword") {
        state.result = "mock-password-0123456789abcdef";
    }
    if (args.type === "random:index/randomId:RandomId" && stackId !== null) {
        state.hex = stackId;
    }
    return { id, state };
}

/** The id a stack's state holds, unless a test says otherwise. */
export const MOCK_STACK_ID = "5eed0123456789ab";

/** A namespace as `tenancy: only` leaves it. */
const PREPARED_NAMESPACE = { "monsterstack.io/tenancy": "only" };

/** Marks an output whose value a preview does not know yet. */
export const UNKNOWN_OUTPUT = "<unknown in preview>";

async function resolve<T>(value: pulumi.Input<T> | undefined): Promise<T | typeof UNKNOWN_OUTPUT | undefined> {
    if (value === undefined) return undefined;
    const output = pulumi.output(value);
    // `apply` never calls back for an unknown value.
    if (!await (output as unknown as { isKnown: Promise<boolean> }).isKnown) return UNKNOWN_OUTPUT;
    return new Promise((done) => output.apply((v) => { done(v as T); return v; }));
}

export interface RunOptions {
    /**
     * Evaluate as `pulumi preview` rather than as the update: of a stack that has nothing in
     * the cluster yet, or of a deployed stack (whose objects and bound volume exist).
     */
    preview?: "newStack" | "deployedStack";
    /** What the cluster holds, as the program reads it (an Error: the read fails); default: nothing of this stack. */
    clusterState?: ClusterState | Error;
    /** Called when the program reads the cluster. */
    onRead?: () => void;
    /**
     * The labels of the stack's namespace as the cluster has it (null: it does not exist); default:
     * the one the config expects, prepared by the class for `namespaceOwner: class`, none otherwise.
     */
    namespaceLabels?: Record<string, string> | null;
    /** The claims' StorageClass binds at first use (WaitForFirstConsumer); default: at once, as minikube's `standard`. */
    bindsAtFirstUse?: boolean;
    /** Called when the program reads the stack's namespace. */
    onNamespaceRead?: () => void;
    /** The id in the stack's state (StackId); null: none yet. Default: MOCK_STACK_ID. */
    stackId?: string | null;
    program?: string;
}

/**
 * Evaluates index.ts for `stack` with `config` (keys without the `monsterstack:` prefix), as
 * `pulumi up` does, or as the preview of a new stack. Rejects with the program's own
 * error when the config is refused.
 */
export async function runProgram(stack: string, config: Record<string, string> = {}, options: RunOptions = {}): Promise<ProgramRun> {
    const { preview, program = PROGRAM, clusterState = { volumes: [] }, onRead, onNamespaceRead } = options;
    const previewOfNewStack = preview === "newStack";
    const resources: Registered[] = [];
    const logs: ProgramRun["logs"] = [];
    const released: string[] = [];
    // Mocks have no cluster: the program reads this state instead.
    clusterReader.read = async () => {
        onRead?.();
        if (clusterState instanceof Error) throw clusterState;
        return clusterState;
    };
    clusterReader.releaseToClaim = async (_config, volume: VolumeState) => { released.push(volume.name); };
    clusterReader.current = () => ({ name: "training", server: "https://training.example.com:6443" });
    clusterReader.namespaceLabels = async (config) => {
        onNamespaceRead?.();
        if (options.namespaceLabels !== undefined) return options.namespaceLabels ?? undefined;
        return config.namespaceOwner === "class" ? PREPARED_NAMESPACE : undefined;
    };
    clusterReader.bindsAtFirstUse = async () => options.bindsAtFirstUse ?? false;
    await pulumi.runtime.setMocks({
        newResource: (args) => simulatedState(args, previewOfNewStack, options.stackId === undefined ? MOCK_STACK_ID : options.stackId),
        call: (args) => args.inputs,
    }, "monsterstack", stack, preview !== undefined);
    // Mocks have no engine to send log messages to: keep them for the tests.
    const log = pulumi.log as { info: (message: string) => Promise<void>; warn: (message: string) => Promise<void> };
    log.info = async (message: string) => { logs.push({ severity: "info", message }); };
    log.warn = async (message: string) => { logs.push({ severity: "warn", message }); };

    // Record each request as the engine would see it, then let the mock answer it.
    // Under mocks the monitor is a MockMonitor, its requests the engine's protobuf messages.
    const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
    type Callback = Parameters<MockMonitor["registerResource"]>[1];
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: RegisterResourceRequest, callback: Callback) => {
        const raw = req.getObject()?.toJavaScript() ?? {};
        resources.push({
            type: req.getType(), name: req.getName(), read: false,
            inputs: unwrapSecrets(pulumi.runtime.deserializeProperties(req.getObject()!)),
            retainOnDelete: req.getRetainondelete() === true,
            deleteBeforeReplace: req.getDeletebeforereplace() === true,
            replaceOnChanges: req.getReplaceonchangesList(),
            aliasTypes: req.getAliasesList().map((a) => a.getSpec()?.getType()).filter((t): t is string => Boolean(t)),
            aliasParents: req.getAliasesList().map((a) => a.getSpec()?.getParenturn()?.split("::").pop()).filter((p): p is string => Boolean(p)),
            secretInputs: Object.keys(raw).filter((k) => containsSecret(raw[k])),
            // split() returns one element at least: pop() has a string to give.
            dependsOn: req.getDependenciesList().map((urn) => urn.split("::").pop() as string),
        });
        return register(req, callback);
    };
    const read = monitor.readResource.bind(monitor);
    monitor.readResource = (req: ReadResourceRequest, callback: Callback) => {
        resources.push({
            type: req.getType(), name: req.getName(), read: true,
            inputs: unwrapSecrets(pulumi.runtime.deserializeProperties(req.getProperties()!)),
            retainOnDelete: false, deleteBeforeReplace: false, replaceOnChanges: [], aliasTypes: [], aliasParents: [], secretInputs: [],
            dependsOn: req.getDependenciesList().map((urn) => urn.split("::").pop() as string),
        });
        return read(req, callback);
    };

    const prefixed: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) prefixed[`monsterstack:${key}`] = value;
    pulumi.runtime.setAllConfig(prefixed);

    delete require.cache[require.resolve(program)];
    let exported: Record<string, unknown>;
    try {
        // The program is an async function (it reads the cluster first); its result holds the outputs.
        // A path known at run time, evaluated afresh (dropped from require.cache above), whose
        // `export =` is the function itself: import() would wrap it in a namespace object.
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- a run-time path, evaluated afresh each run (see above)
        const main = require(program);
        exported = typeof main === "function" ? await main() : main;
    } catch (err) {
        // Tell the caller how far the program got before it gave up.
        await waitForRPCs();
        throw Object.assign(err as Error, { registeredBeforeError: resources.length });
    }

    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [key, value] of Object.entries(exported)) {
        if (pulumi.Output.isInstance(value) && await (value as unknown as { isSecret: Promise<boolean> }).isSecret) secretOutputs.push(key);
        outputs[key] = await resolve(value as pulumi.Input<unknown>);
    }
    // Let every registration the outputs did not wait for reach the mock monitor.
    await waitForRPCs();
    return { stack, resources, released, logs, outputs, secretOutputs };
}

/** Kubernetes objects the run manages (not reads, not the provider, not components). */
export function kubeObjects(run: ProgramRun): KubeObject[] {
    return run.resources
        .filter((r) => !r.read && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:"))
        .map((r) => ({ ...r, kind: r.type.split(":")[2], metadata: r.inputs.metadata ?? {}, spec: r.inputs.spec ?? {} }));
}

/** The single object of `kind` named `name`; fails loudly when there are none or several. */
export function findObject(run: ProgramRun, kind: string, name: string): KubeObject {
    const found = kubeObjects(run).filter((o) => o.kind === kind && o.metadata.name === name);
    if (found.length !== 1) {
        const seen = kubeObjects(run).map((o) => `${o.kind}/${o.metadata.name}`).join(", ");
        throw new Error(`expected exactly one ${kind}/${name}, found ${found.length} (registered: ${seen})`);
    }
    return found[0];
}

export function hasObject(run: ProgramRun, kind: string, name: string): boolean {
    return kubeObjects(run).some((o) => o.kind === kind && o.metadata.name === name);
}
