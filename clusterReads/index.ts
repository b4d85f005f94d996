// The cluster access the program uses before it registers anything; tests replace it (Pulumi
// mocks have no cluster).
import { currentCluster } from "./kubeconfig";
import { readNamespaceLabels } from "./namespace";
import { readBindsAtFirstUse, readClusterState, releaseToClaim } from "./volumes";

export const clusterReader = { read: readClusterState, releaseToClaim, current: currentCluster, namespaceLabels: readNamespaceLabels, bindsAtFirstUse: readBindsAtFirstUse };
