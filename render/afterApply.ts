// Rendered YAML (renderYamlTo) holds every object of the stack, guard rails included; only what
// needs the live cluster is not in it: the reclaim policy and labels of the volume a claim gets
// bound to, and the trainee's kubeconfig, made of the token the cluster writes into its Secret.
// This is the script that finishes the job after `kubectl apply`, run as the stack output says:
// `pulumi stack output afterApply | sh`.
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { MonsterstackConfig, ReclaimPolicy } from "../config";
import { volumeFields } from "../components/reclaimPolicy";
import { TRAINEE_SERVICE_ACCOUNT, TRAINEE_TOKEN_SECRET, traineeKubeconfig } from "../components/traineeAccess";

/** Where the provider writes a stack's rendered objects, the namespace first. */
export function renderedManifests(renderDir: string): string {
    return path.join(renderDir, "1-manifest");
}
/** The provider's file name for an object: apiVersion (`/` as `_`), kind, namespace (`default` when cluster-scoped), name. */
export function renderedFile(renderDir: string, object: { apiVersion: string; kind: string; namespace?: string; name: string }): string {
    const file = `${object.apiVersion.replace(/[/:]/g, "_")}-${object.kind.toLowerCase()}-${object.namespace ?? "default"}-${object.name}.yaml`;
    return path.join(renderedManifests(renderDir), file);
}

/** The trainee's kubeconfig, written by the script beside the rendered Secrets (0600). */
export function renderedKubeconfigFile(renderDir: string, namespace: string): string {
    return path.join(renderDir, `${TRAINEE_SERVICE_ACCOUNT}-${namespace}.kubeconfig`);
}

export interface AfterApplyArgs {
    renderDir: string;
    namespace: string;
    /** false when the namespace is the class's (namespaceOwner class): it is not rendered. */
    ownsNamespace: boolean;
    /** Each claim's volume, and the fields the stack sets on it (reclaimPolicy.ts volumeFields). */
    volumes: Array<{ claim: string; fields: object }>;
    /** tenancy: the trainee's token Secret is rendered; its kubeconfig is made once the cluster filled it. */
    kubeconfig: boolean;
}

const quoted = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The trainer's current cluster, read when the script runs: the cluster the files were applied to. */
const CURRENT = (field: string) => `'"$(kubectl config view --minify -o jsonpath='{.clusters[0].${field}}')"'`;

/** The script, one step per line, in order; `#` lines say why. */
export function afterApplyScript(args: AfterApplyArgs): string {
    const ns = args.namespace;
    const lines = ["set -e"];
    if (args.ownsNamespace) lines.push(`kubectl apply -f ${quoted(renderedFile(args.renderDir, { apiVersion: "v1", kind: "Namespace", name: ns }))}`);
    // Before its token's Secret: the cluster deletes a token Secret whose ServiceAccount does not exist yet.
    if (args.kubeconfig) lines.push(`kubectl apply -f ${quoted(renderedFile(args.renderDir, { apiVersion: "v1", kind: "ServiceAccount", namespace: ns, name: TRAINEE_SERVICE_ACCOUNT }))}`);
    lines.push(`kubectl apply -f ${quoted(renderedManifests(args.renderDir))}`);
    const bound = (claim: string, seconds: number) => `kubectl wait -n ${ns} pvc/${claim} --for=jsonpath='{.status.phase}'=Bound --timeout=${seconds}s`;
    const patch = (volume: AfterApplyArgs["volumes"][number]) =>
        `kubectl patch pv "$(kubectl get pvc -n ${ns} ${volume.claim} -o jsonpath='{.spec.volumeName}')" --type merge -p ${quoted(JSON.stringify(volume.fields))}`;
    // Redis mounts every claim (the backups' too), so each is bound once Redis is scheduled.
    for (const volume of args.volumes) lines.push(bound(volume.claim, 300), patch(volume));
    if (args.kubeconfig) {
        // The token goes from the API server into the file: never on a command line.
        const template = traineeKubeconfig({
            cluster: CURRENT("name"), server: CURRENT("cluster.server"), namespace: ns,
            caData: `{{index .data "ca.crt"}}`, token: "{{.data.token | base64decode}}",
        });
        const file = renderedKubeconfigFile(args.renderDir, ns);
        lines.push(`kubectl wait -n ${ns} secret/${TRAINEE_TOKEN_SECRET} --for=jsonpath='{.data.token}' --timeout=60s`);
        lines.push(`(umask 077 && kubectl get secret -n ${ns} ${TRAINEE_TOKEN_SECRET} -o go-template='${template}' > ${quoted(file)})`);
        lines.push(`echo "the trainee's kubeconfig: ${file}"`);
    }
    return lines.join("\n") + "\n";
}

/** A claim whose volume the script labels and gives the reclaim policy, as VolumeReclaimPolicy does. */
export interface RenderedClaim {
    claim: string;
    identityLabels: Record<string, pulumi.Input<string>>;
}

/** The stack output afterApply: the script, once the stack's id (a label) is known. */
export function afterApplyOutput(args: Omit<AfterApplyArgs, "volumes"> & { instance: string; policy: ReclaimPolicy; claims: RenderedClaim[] }): pulumi.Output<string> {
    return pulumi.all(args.claims.map((c) => pulumi.output(c.identityLabels))).apply((labels) => afterApplyScript({
        renderDir: args.renderDir, namespace: args.namespace, ownsNamespace: args.ownsNamespace, kubeconfig: args.kubeconfig,
        volumes: args.claims.map((c, i) => ({ claim: c.claim, fields: volumeFields(args.instance, labels[i], args.policy) })),
    }));
}

export const RENDERED_KUBECONFIG = "(renderYamlTo mode: made after kubectl apply, by the script in the output afterApply)";

/** The stack's output afterApply: only for rendered YAML, where something is left to do after `kubectl apply`. */
export function afterApply(config: MonsterstackConfig, claims: RenderedClaim[], kubeconfig: boolean): { afterApply?: pulumi.Output<string> } {
    if (config.renderYamlTo === undefined) return {};
    return { afterApply: afterApplyOutput({
        renderDir: config.renderYamlTo, namespace: config.namespace, ownsNamespace: config.namespaceOwner === "stack",
        instance: config.namespace, policy: config.reclaimPolicy, claims, kubeconfig,
    }) };
}
