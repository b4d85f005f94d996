#!/usr/bin/env bash
# Starts a local Kubernetes control plane on 127.0.0.1 only, as envtest/kwok do:
#
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler   (no kubelet,
#   no container runtime, no kube-proxy, no CNI, no DNS)
#   kwok, which plays one fake node `kwok-node-0` (32 cpu, 256Gi, 110 pods,
#   Ready, no taints) and moves the pods scheduled there to Running/Ready, and
#   which also gives every Service of type LoadBalancer the ingress IP
#   127.0.0.1 (a kwok Stage; E2E_LB_INGRESS_IP changes it; "none": no Stage,
#   for a cluster whose load balancers MetalLB gives, ../loadbalancer).
# A real node can be added afterwards with node/start.sh (the API server
# already has the kubelet client certificate and address types it needs).
#
# Usage:  bash localcluster/controlplane/start.sh [STATEDIR]
#         export KUBECONFIG=STATEDIR/kubeconfig     (or: source STATEDIR/env)
#         ...
#         bash localcluster/down.sh STATEDIR         (the control plane's stop, see down.sh)
#
# STATEDIR: $1, else $E2E_CLUSTER_DIR, else a new `mktemp -d` directory. It
# receives kubeconfig (admin, system:masters, everything embedded), env
# (KUBECONFIG=..., ports), pids ("<name> <pid>" lines, read by ../down.sh),
# logs/<component>.log, pki/, etcd/ (data). The directory's path is printed on the last line of
# stdout. start.sh returns once /readyz is ok, the controller manager and the
# scheduler are healthy, the node is Ready and the ServiceAccount "default"
# exists in the namespace "default". On failure it prints the logs' tails,
# stops what it started and exits non-zero (E2E_KEEP_ON_FAILURE=1 keeps it all).
#
# Storage: none here; ../up.sh adds minikube's provisioner (../storage).
#
# Binaries: built by build.sh into
# ${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/k8s-<version>/bin;
# kubectl is taken from $KUBECTL or PATH. Needs openssl, curl, python3.
# Parts: pki.sh (certificates, kubeconfig), procs.sh (run, wait_for, fail),
# components.sh (each component's command line).
set -Eeuo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
LOG_PREFIX=controlplane/start.sh
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"
# shellcheck source=../lib/slot.sh
source "$here/../lib/slot.sh"

bin="${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/k8s-$K8S_VERSION/bin"
for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
  [ -x "$bin/$b" ] || die "$bin/$b missing; run: bash $here/build.sh"
done
command -v "${KUBECTL:-kubectl}" >/dev/null || die "kubectl not found (set KUBECTL)"
for t in openssl curl python3 setsid; do
  command -v "$t" >/dev/null || die "$t not found"
done

NODE_NAME="${E2E_NODE_NAME:-kwok-node-0}"
# The ingress IP kwok gives LoadBalancer Services. With a real node (../node)
# its IP (10.200.0.2) makes kube-proxy answer on <that IP>:<service port>.
LB_INGRESS_IP="${E2E_LB_INGRESS_IP:-127.0.0.1}"

state="${1:-${E2E_CLUSTER_DIR:-}}"
if [ -z "$state" ]; then
  state="$(mktemp -d "${TMPDIR:-/tmp}/monsterstack-e2e-cluster.XXXXXX")"
fi
mkdir -p "$state"
state="$(cd "$state" && pwd)"
still="$(procs running "$state/pids" | head -n1)" || true
[ -z "$still" ] || die "$state already has a running cluster ($still); stop it first: bash $here/../down.sh $state"
pki="$state/pki"
kc="$state/kubeconfig"
# A cluster that `down.sh --keep` stopped is resumed: its etcd data, certificates, kubeconfig and
# ports are kept (the trainees' kubeconfigs name the API server's port).
resume=
if [ -s "$state/ports" ] && [ -d "$state/etcd/member" ] && [ -f "$pki/ca.key" ] && [ -f "$kc" ]; then
  resume=1
  rm -rf "$state/logs" "$state/pids" "$state/env"
else
  rm -rf "$state/etcd" "$pki" "$state/logs" "$state/pids" "$kc" "$state/env" "$state/ports"
  [ -f "$state/slot" ] || record_slot "$state" # up.sh records it first, to give kwok its node's address
fi
touch "$state/.monsterstack-e2e-cluster" # lets ../down.sh remove the directory
mkdir -p "$pki" "$state/logs" "$state/etcd" "$state/kwok-home"
chmod 700 "$state/etcd" "$pki"
: >"$state/pids"

t_start=$(date +%s.%N)
# shellcheck source=procs.sh
source "$here/procs.sh"
# shellcheck source=components.sh
source "$here/components.sh"
trap 'fail "failed at line $LINENO"' ERR

# ---- ports on 127.0.0.1: free ones (all reserved at once, so distinct), or the resumed cluster's ----
if [ -n "$resume" ]; then
  read -r ETCD_PORT ETCD_PEER_PORT APISERVER_PORT KCM_PORT SCHEDULER_PORT KWOK_PORT <"$state/ports"
  # shellcheck disable=SC2086 # six port numbers
  # SO_REUSEADDR, as the components' own listeners: connections a crash left in TIME_WAIT do not count.
  taken="$(python3 -c '
import socket, sys
for port in sys.argv[1:]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try: s.bind(("127.0.0.1", int(port)))
    except OSError: print(port)
' $ETCD_PORT $ETCD_PEER_PORT $APISERVER_PORT $KCM_PORT $SCHEDULER_PORT $KWOK_PORT)"
  [ -z "$taken" ] || die "cannot resume the cluster in $state: its port(s) ${taken//$'\n'/ } on 127.0.0.1 are taken by another program; stop that program, or delete the cluster and its data: bash $here/../down.sh $state"
  log "resuming the cluster stopped in $state: its etcd data, certificates and ports are kept"
else
  # Below the kernel's ephemeral range: a stopped cluster keeps its ports, and the local port of any
  # program's outgoing connection, picked from that range, could take one before the next start.
  read -r ETCD_PORT ETCD_PEER_PORT APISERVER_PORT KCM_PORT SCHEDULER_PORT KWOK_PORT < <(python3 -c '
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
ss, ports = [], list(range(10000, low)) or list(range(10000, 65536))
random.shuffle(ports)
for port in ports:
    s = socket.socket()
    try: s.bind(("127.0.0.1", port))
    except OSError: s.close(); continue
    ss.append(s)
    if len(ss) == 6: break
print(*(s.getsockname()[1] for s in ss))
')
  # ---- PKI and the admin kubeconfig ----------------------------------------------
  bash "$here/pki.sh" "$state" "$APISERVER_PORT"
  echo "$ETCD_PORT $ETCD_PEER_PORT $APISERVER_PORT $KCM_PORT $SCHEDULER_PORT $KWOK_PORT" >"$state/ports"
fi

# ---- the components -------------------------------------------------------------------
start_etcd "$ETCD_PORT" "$ETCD_PEER_PORT"
wait_for "etcd /health" etcd sh -c "curl -fsS http://127.0.0.1:$ETCD_PORT/health | grep -q '\"health\":\"true\"'"
start_apiserver "$APISERVER_PORT" "$ETCD_PORT"
wait_for "kube-apiserver /readyz" kube-apiserver k get --raw /readyz
start_controller_manager "$KCM_PORT"
start_scheduler "$SCHEDULER_PORT"
start_kwok "$KWOK_PORT" "$LB_INGRESS_IP"

sed "s/\${NODE_NAME}/$NODE_NAME/g" "$here/kwok/node.yaml" >"$state/node.yaml"
k apply -f "$state/node.yaml" >/dev/null # a resumed cluster has it already

wait_for "kube-controller-manager /healthz" kube-controller-manager curl -fsk "https://127.0.0.1:$KCM_PORT/healthz"
wait_for "kube-scheduler /healthz" kube-scheduler curl -fsk "https://127.0.0.1:$SCHEDULER_PORT/healthz"
# kwok 0.7.0 may die as it starts: its stage controllers build their CEL environments side by side, and
# easycel 0.6.0 writes a global map without a lock (once in about 60 starts here). It keeps no state: one more start.
for _ in $(seq 20); do
  curl -fs "http://127.0.0.1:$KWOK_PORT/healthz" >/dev/null 2>&1 && break
  if crashed_with kwok "fatal error: concurrent map (writes|read and map write)"; then
    log "kwok crashed as it started (a race of its own, logs/kwok-crashed.log): starting it again"
    forget kwok && start_kwok "$KWOK_PORT" "$LB_INGRESS_IP"
    break
  fi
  sleep 0.5
done
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
EOF

trap - ERR
log "cluster ready in $(elapsed)s: KUBECONFIG=$kc (Kubernetes v$K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION)"
echo "$state"
