// The one thing the lab writes in the cluster: for a trainee's own stack (namespaceOwner class),
// its progress in a ConfigMap of the class's namespace, since the trainer cannot read the
// trainee's backend. Written with the trainee's kubeconfig; never the app's objects or data.
import * as k8s from "@kubernetes/client-node";
import type { MonsterstackConfig } from "../config";
import { loadKubeConfig, refused } from "../clusterReads/kubeconfig";
import { readLabReport } from "../clusterReads/lab";
import type { Progress } from "./judge";
import { LAB_REPORT_CONFIGMAP, reportData } from "./progress";

const WHY = "The lab reports a trainee's own progress to the trainer in the namespace";

/** Writes the report when it differs from what the namespace holds; true when it wrote. */
export async function reportProgress(config: Pick<MonsterstackConfig, "namespace" | "kubeconfig" | "kubeContext">, progress: Progress): Promise<boolean> {
    const data = reportData(progress);
    const held = await readLabReport(config, LAB_REPORT_CONFIGMAP);
    if (held !== undefined && JSON.stringify(held) === JSON.stringify(data)) return false;
    const kc = loadKubeConfig(config);
    const server = kc.getCurrentCluster()!.server;
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const namespace = config.namespace;
    const body: k8s.V1ConfigMap = {
        metadata: { name: LAB_REPORT_CONFIGMAP, namespace, labels: { "app.kubernetes.io/part-of": "monsterstack", "app.kubernetes.io/managed-by": "monsterstack-lab" } },
        data,
    };
    try {
        if (held === undefined) {
            try {
                await core.createNamespacedConfigMap({ namespace, body });
                return true;
            } catch (err) {
                // Made meanwhile by the same command in another terminal: replaced below, with the same steps.
                if ((err as { code?: number }).code !== 409) throw err;
            }
        }
        await core.replaceNamespacedConfigMap({ name: LAB_REPORT_CONFIGMAP, namespace, body });
    } catch (err) {
        throw refused(`write configmap ${namespace}/${LAB_REPORT_CONFIGMAP}`, server, err, WHY);
    }
    return true;
}
