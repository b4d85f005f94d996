#!/usr/bin/env bash
# Starts a local Kubernetes control plane on 127.0.0.1 only, as envtest/kwok do:
#
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler   (no kubelet,
#   no container runtime, no kube-proxy, no CNI, no DNS)
#   kwok, which plays one fake node `kwok-node-0` (32 cpu, 256Gi, 110 pods,
#   Ready, no taints) and moves the pods scheduled there to Running/Ready, and
#   which also gives every Service of type LoadBalancer the ingress IP
#   127.0.0.1 (a kwok Stage; there is no cloud load-balancer controller).
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
# Storage: there is no CSI driver. Two ways to get volumes:
#  - static PersistentVolumes: create a PV (hostPath under STATEDIR/volumes/,
#    e.g. storageClassName "standard") before (or after) the PVC; the
#    PersistentVolume controller binds them. With reclaimPolicy Retain a
#    deleted claim leaves the PV Released; with Delete the controller's
#    in-tree hostPath deleter removes the directory and the PV, but only for
#    paths matching /tmp/.+ (STATEDIR must then be under /tmp, the default);
#    elsewhere the PV goes Failed.
#  - E2E_STORAGECLASS=<name> (e.g. standard): also creates a default
#    StorageClass <name> with the in-tree provisioner kubernetes.io/host-path
#    (kube-controller-manager runs with --enable-hostpath-provisioner, a
#    testing-only feature), reclaimPolicy Delete; its volumes are
#    directories /tmp/hostpath_pv/<uuid>, removed when the PV is deleted.
#    stop.sh removes those still left.
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
log() { printf '[start.sh %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

fail() {
  echo "start.sh: $*" >&2
  for f in "$state"/logs/*.log; do
    [ -f "$f" ] || continue
    echo "---- tail of $f" >&2
    tail -n 25 "$f" >&2
  done
  if [ -z "${E2E_KEEP_ON_FAILURE:-}" ]; then
    bash "$here/stop.sh" "$state" >&2 || true
  else
    echo "start.sh: E2E_KEEP_ON_FAILURE set: left running; bash $here/stop.sh $state" >&2
  fi
  exit 1
}
trap 'fail "failed at line $LINENO"' ERR

# ---- ports: free ones on 127.0.0.1 (all reserved at once, so distinct) ------
read -r ETCD_PORT ETCD_PEER_PORT APISERVER_PORT KCM_PORT SCHEDULER_PORT KWOK_PORT < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(6)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))
')

# ---- PKI --------------------------------------------------------------------
pki="$state/pki"
(
  trap - ERR
  cd "$pki"
  ossl() { openssl "$@" 2>>openssl.log; }
  ca() { # <name> <CN>
    ossl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 -subj "/CN=$2" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
      -keyout "$1.key" -out "$1.crt"
  }
  ca ca monsterstack-e2e-ca
  ca front-proxy-ca monsterstack-e2e-front-proxy-ca # request-header authn (aggregation layer)
  # sign <name> <subject> <extensions> [<ca>]
  sign() {
    local ca=${4:-ca}
    ossl req -new -newkey rsa:2048 -nodes -subj "$2" -keyout "$1.key" -out "$1.csr"
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" "$3" >"$1.ext"
    ossl x509 -req -sha256 -days 3650 -in "$1.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -extfile "$1.ext" -out "$1.crt"
    rm -f "$1.csr" "$1.ext"
  }
  sign apiserver "/CN=kube-apiserver" \
    "$(printf '%s\n' "extendedKeyUsage=serverAuth" \
      "subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local")"
  sign admin "/O=system:masters/CN=monsterstack-e2e-admin" "extendedKeyUsage=clientAuth"
  sign front-proxy-client "/CN=front-proxy-client" "extendedKeyUsage=clientAuth" front-proxy-ca
  ossl genrsa -out sa.key 2048
  ossl rsa -in sa.key -pubout -out sa.pub
  chmod 600 ./*.key
)

b64() { base64 -w0 <"$1"; }
cat >"$state/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: monsterstack-e2e
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $(b64 "$pki/ca.crt")
users:
- name: monsterstack-e2e-admin
  user:
    client-certificate-data: $(b64 "$pki/admin.crt")
    client-key-data: $(b64 "$pki/admin.key")
contexts:
- name: monsterstack-e2e
  context:
    cluster: monsterstack-e2e
    user: monsterstack-e2e-admin
    namespace: default
current-context: monsterstack-e2e
EOF
chmod 600 "$state/kubeconfig"
kc="$state/kubeconfig"
k() { "$KUBECTL" --kubeconfig "$kc" "$@"; }

# ---- process helpers ----------------------------------------------------------
# run <name> <command...>: starts it detached (own session), logs to logs/<name>.log
run() {
  local name=$1
  shift
  setsid "$@" >"$state/logs/$name.log" 2>&1 </dev/null &
  echo "$name $!" >>"$state/pids"
  log "$name started (pid $!)"
}
alive() { # name
  local pid
  pid=$(awk -v n="$1" '$1 == n { print $2 }' "$state/pids")
  kill -0 "$pid" 2>/dev/null || fail "$1 exited; see $state/logs/$1.log"
}
# wait_for <what> <component whose death aborts> <command...>
wait_for() {
  local what=$1 comp=$2 deadline=$((SECONDS + TIMEOUT))
  shift 2
  until "$@" >/dev/null 2>&1; do
    alive "$comp"
    [ $SECONDS -lt $deadline ] || fail "timed out after ${TIMEOUT}s waiting for $what"
    sleep 0.5
  done
  log "$what: ok ($(python3 -c "import time; print(round(time.time() - $t_start, 1))")s since start)"
}

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
cat >"$state/kwok.yaml" <<'EOF'
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: service-load-balancer
spec:
  resourceRef:
    apiGroup: v1
    kind: Service
  selector:
    matchExpressions:
    - key: .spec.type
      operator: In
      values: ["LoadBalancer"]
    - key: .status.loadBalancer.ingress
      operator: DoesNotExist
  next:
    statusTemplate: |
      loadBalancer:
        ingress:
        - ip: 127.0.0.1
          ipMode: VIP
EOF
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

cat >"$state/node.yaml" <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $NODE_NAME
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/hostname: $NODE_NAME
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    node-role.kubernetes.io/agent: ""
    topology.kubernetes.io/region: local
    topology.kubernetes.io/zone: local-a
status:
  capacity: {cpu: "32", memory: 256Gi, pods: "110", ephemeral-storage: 1Ti}
  allocatable: {cpu: "32", memory: 256Gi, pods: "110", ephemeral-storage: 1Ti}
  nodeInfo:
    architecture: amd64
    operatingSystem: linux
    kubeletVersion: fake
    kubeProxyVersion: fake
EOF
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
