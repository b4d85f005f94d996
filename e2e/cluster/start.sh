#!/usr/bin/env bash
# Starts a local Kubernetes control plane on 127.0.0.1 only, as envtest/kwok do:
#
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler   (no kubelet,
#   no container runtime, no kube-proxy, no CNI, no DNS)
#   kwok, which plays one fake node `kwok-node-0` (32 cpu, 256Gi, 110 pods,
#   Ready, no taints) and moves the pods scheduled there to Running/Ready, and
#   which also gives every Service of type LoadBalancer the ingress IP
#   127.0.0.1 (a kwok Stage; there is no cloud load-balancer controller;
#   E2E_LB_INGRESS_IP changes it).
# A real node can be added afterwards with e2e/node/start.sh (the API server
# already has the kubelet client certificate and address types it needs).
#
# Usage:  bash e2e/cluster/start.sh [STATEDIR]
#         export KUBECONFIG=STATEDIR/kubeconfig     (or: source STATEDIR/env)
#         ...
#         bash e2e/cluster/stop.sh STATEDIR
#
# STATEDIR: $1, else $E2E_CLUSTER_DIR, else a new `mktemp -d` directory. It
# receives kubeconfig (admin, system:masters, everything embedded), env
# (KUBECONFIG=..., ports), pids ("<name> <pid>" lines, read by stop.sh),
# logs/<component>.log, pki/, etcd/ (data), volumes/ (a place for hostPath
# PersistentVolumes). The directory's path is printed on the last line of
# stdout. start.sh returns once /readyz is ok, the controller manager and the
# scheduler are healthy, the node is Ready and the ServiceAccount "default"
# exists in the namespace "default". On failure it prints the logs' tails,
# stops what it started and exits non-zero (E2E_KEEP_ON_FAILURE=1 keeps it all).
#
# Storage: static hostPath PersistentVolumes under STATEDIR/volumes/, or
# E2E_STORAGECLASS=<name> for a default class with the in-tree test-only
# hostPath provisioner (README.md, "Storage"); cluster/up.sh uses minikube's
# provisioner instead (../storage).
#
# Binaries: built by build.sh into
# ${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/k8s-<version>/bin;
# kubectl is taken from $KUBECTL or PATH. Needs openssl, curl, python3.
set -Eeuo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

bin="${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/k8s-$K8S_VERSION/bin"
for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
  [ -x "$bin/$b" ] || { echo "start.sh: $bin/$b missing; run: bash $here/build.sh" >&2; exit 1; }
done
KUBECTL="${KUBECTL:-kubectl}"
command -v "$KUBECTL" >/dev/null || { echo "start.sh: kubectl not found (set KUBECTL)" >&2; exit 1; }
for t in openssl curl python3 setsid; do
  command -v "$t" >/dev/null || { echo "start.sh: $t not found" >&2; exit 1; }
done

NODE_NAME="${E2E_NODE_NAME:-kwok-node-0}"
SERVICE_CIDR=10.96.0.0/12
POD_CIDR=10.244.0.1/16 # kwok hands out pod IPs from here (no networking behind them)
TIMEOUT="${E2E_START_TIMEOUT:-180}" # seconds, per wait
# The ingress IP kwok gives LoadBalancer Services. With a real node (e2e/node)
# its IP (10.200.0.2) makes kube-proxy answer on <that IP>:<service port>.
LB_INGRESS_IP="${E2E_LB_INGRESS_IP:-127.0.0.1}"

state="${1:-${E2E_CLUSTER_DIR:-}}"
if [ -z "$state" ]; then
  state="$(mktemp -d "${TMPDIR:-/tmp}/monsterstack-e2e-cluster.XXXXXX")"
fi
mkdir -p "$state"
state="$(cd "$state" && pwd)"
if [ -s "$state/pids" ]; then
  while read -r _ pid; do
    if kill -0 "$pid" 2>/dev/null; then
      echo "start.sh: $state already has a running cluster (pid $pid); stop it first: bash $here/stop.sh $state" >&2
      exit 1
    fi
  done <"$state/pids"
fi
rm -rf "$state/etcd" "$state/pki" "$state/logs" "$state/pids" "$state/kubeconfig" "$state/env"
touch "$state/.monsterstack-e2e-cluster" # lets stop.sh remove the directory
mkdir -p "$state/pki" "$state/logs" "$state/etcd" "$state/volumes" "$state/kwok-home"
chmod 700 "$state/etcd" "$state/pki"
: >"$state/pids"

t_start=$(date +%s.%N)
# shellcheck source=procs.sh
source "$here/procs.sh"
trap 'fail "failed at line $LINENO"' ERR

# ---- ports: free ones on 127.0.0.1 (all reserved at once, so distinct) ------
read -r ETCD_PORT ETCD_PEER_PORT APISERVER_PORT KCM_PORT SCHEDULER_PORT KWOK_PORT < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(6)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))
')

# ---- PKI and the admin kubeconfig ----------------------------------------------
bash "$here/pki.sh" "$state" "$APISERVER_PORT"
pki="$state/pki"
kc="$state/kubeconfig"
k() { "$KUBECTL" --kubeconfig "$kc" "$@"; }

# ---- etcd ---------------------------------------------------------------------
run etcd "$bin/etcd" \
  --name=e2e \
  --data-dir="$state/etcd" \
  --listen-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster="e2e=http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster-state=new \
  --unsafe-no-fsync=true \
  --quota-backend-bytes=$((2 * 1024 * 1024 * 1024)) \
  --log-level=warn
wait_for "etcd /health" etcd sh -c "curl -fsS http://127.0.0.1:$ETCD_PORT/health | grep -q '\"health\":\"true\"'"

# ---- kube-apiserver -------------------------------------------------------------
# --endpoint-reconciler-type=none: the Endpoints of Service default/kubernetes
# cannot hold 127.0.0.1 (loopback addresses are invalid there), so don't try.
# The front-proxy (request-header) CA makes the extension-apiserver-authentication
# ConfigMap complete; without it the controller manager and scheduler log errors.
run kube-apiserver "$bin/kube-apiserver" \
  --bind-address=127.0.0.1 \
  --advertise-address=127.0.0.1 \
  --secure-port="$APISERVER_PORT" \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --cert-dir="$pki" \
  --tls-cert-file="$pki/apiserver.crt" \
  --tls-private-key-file="$pki/apiserver.key" \
  --client-ca-file="$pki/ca.crt" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$pki/sa.pub" \
  --service-account-signing-key-file="$pki/sa.key" \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --service-node-port-range=30000-32767 \
  --authorization-mode=RBAC \
  --requestheader-client-ca-file="$pki/front-proxy-ca.crt" \
  --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User \
  --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="$pki/front-proxy-client.crt" \
  --proxy-client-key-file="$pki/front-proxy-client.key" \
  --endpoint-reconciler-type=none \
  --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" \
  --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types=InternalIP,Hostname \
  --allow-privileged=true \
  --profiling=false \
  --v=1
wait_for "kube-apiserver /readyz" kube-apiserver k get --raw /readyz

# Any kubeconfig with system:masters works for the components.
common_flags=(
  --kubeconfig="$kc"
  --authentication-kubeconfig="$kc"
  --authorization-kubeconfig="$kc"
  --bind-address=127.0.0.1
  --leader-elect=false
  --profiling=false
  --v=1
)

# ---- kube-controller-manager ------------------------------------------------------
run kube-controller-manager "$bin/kube-controller-manager" "${common_flags[@]}" \
  --secure-port="$KCM_PORT" \
  --cert-dir="$pki/kcm" \
  --controllers='*' \
  --use-service-account-credentials=false \
  --service-account-private-key-file="$pki/sa.key" \
  --root-ca-file="$pki/ca.crt" \
  --cluster-signing-cert-file="$pki/ca.crt" \
  --cluster-signing-key-file="$pki/ca.key" \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --enable-hostpath-provisioner=true \
  --pvclaimbinder-sync-period=5s

# ---- kube-scheduler ------------------------------------------------------------------
run kube-scheduler "$bin/kube-scheduler" "${common_flags[@]}" \
  --secure-port="$SCHEDULER_PORT" \
  --cert-dir="$pki/scheduler"

# ---- kwok --------------------------------------------------------------------------
# Default node/pod stages are kwok's built-in ones (used when the config has
# none); the config adds one Stage: LoadBalancer Services get an ingress IP.
sed "s/\${LB_INGRESS_IP}/$LB_INGRESS_IP/" "$here/kwok/stage-load-balancer.yaml" >"$state/kwok.yaml"
# HOME is pointed into the state dir so that no ~/.kwok/kwok.yaml is read.
run kwok env HOME="$state/kwok-home" "$bin/kwok" \
  --config="$state/kwok.yaml" \
  --kubeconfig="$kc" \
  --manage-all-nodes=false \
  --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --cidr="$POD_CIDR" \
  --node-ip=127.0.0.1 \
  --node-lease-duration-seconds=40 \
  --server-address="127.0.0.1:$KWOK_PORT"

sed "s/\${NODE_NAME}/$NODE_NAME/g" "$here/kwok/node.yaml" >"$state/node.yaml"
k create -f "$state/node.yaml" >/dev/null

if [ -n "${E2E_STORAGECLASS:-}" ]; then
  k apply -f - >/dev/null <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: $E2E_STORAGECLASS
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/host-path
reclaimPolicy: Delete
volumeBindingMode: Immediate
EOF
  log "StorageClass $E2E_STORAGECLASS (kubernetes.io/host-path, default) created"
fi

wait_for "kube-controller-manager /healthz" kube-controller-manager curl -fsk "https://127.0.0.1:$KCM_PORT/healthz"
wait_for "kube-scheduler /healthz" kube-scheduler curl -fsk "https://127.0.0.1:$SCHEDULER_PORT/healthz"
wait_for "kwok /healthz" kwok curl -fs "http://127.0.0.1:$KWOK_PORT/healthz"
wait_for "node $NODE_NAME Ready" kwok k wait --for=condition=Ready "node/$NODE_NAME" --timeout=2s
wait_for "serviceaccount default/default" kube-controller-manager k get serviceaccount default -n default

cat >"$state/env" <<EOF
# source this file to talk to the e2e cluster
export KUBECONFIG='$kc'
export E2E_CLUSTER_DIR='$state'
export E2E_APISERVER_URL='https://127.0.0.1:$APISERVER_PORT'
export E2E_ETCD_PORT=$ETCD_PORT E2E_APISERVER_PORT=$APISERVER_PORT E2E_KCM_PORT=$KCM_PORT E2E_SCHEDULER_PORT=$SCHEDULER_PORT E2E_KWOK_PORT=$KWOK_PORT
export E2E_NODE_NAME='$NODE_NAME'
export E2E_VOLUMES_DIR='$state/volumes'
EOF

trap - ERR
log "cluster ready in $(python3 -c "import time; print(round(time.time() - $t_start, 1))")s: KUBECONFIG=$kc (Kubernetes v$K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION)"
echo "$state"
