#!/usr/bin/env bash
# Adds ONE real node to a cluster started by ../controlplane/start.sh: containerd,
# kubelet, kube-proxy and CoreDNS, all in a network namespace of their own
# (slot 0's "monsterstack-node", veth to the host: host 10.200.0.1, node 10.200.0.2;
# the cluster's slot's, ../lib/slot.sh), plus e2e-apiproxy on the host end of the veth
# forwarding <host>:6443 to the API server on 127.0.0.1. Pods get the slot's /24 (CNI
# bridge), DNS from CoreDNS on the node IP. Kwok nodes (label type=kwok) are tainted NoSchedule.
#
# Usage:  bash localcluster/node/start.sh STATEDIR   (STATEDIR of controlplane/start.sh)
#         source STATEDIR/node/env                   (also sourced by STATEDIR/env)
#         bash localcluster/node/stop.sh STATEDIR    (down.sh calls it too)
# Images: E2E_NODE_IMAGES = a directory (its *.tar are imported; its images.env
# gives PAUSE_IMAGE) or a list of .tar archives; default the images directory
# of the e2e cache. E2E_PAUSE_IMAGE overrides the pause image reference.
# Knobs: E2E_REAL_NODE_NAME (e2e-node), E2E_NODE_TAINT_KWOK=0 (no taint),
# E2E_START_TIMEOUT (s per wait, 180), E2E_KEEP_ON_FAILURE=1, KUBECTL.
# Needs root, one node per slot (lock /run/monsterstack-e2e-node[1].lock).
# What it changes on the host and how stop.sh restores it: ../README.md.
set -Eeuo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../controlplane/versions.env"
source "$here/versions.env"
LOG_PREFIX=node/start.sh
source "$here/common.sh"
# shellcheck source=host.sh
source "$here/host.sh"
# shellcheck source=preflight.sh
source "$here/preflight.sh"

state="${1:-${E2E_CLUSTER_DIR:-}}"
{ [ -n "$state" ] && [ -f "$state/kubeconfig" ] && [ -f "$state/env" ]; } ||
  die "usage: start.sh STATEDIR (a directory of a running controlplane/start.sh cluster)"
state="$(cd "$state" && pwd)"
node_paths "$state"
APISERVER_PORT="$(sed -n 's/.*E2E_APISERVER_PORT=\([0-9]*\).*/\1/p' "$state/env")"
TIMEOUT="${E2E_START_TIMEOUT:-180}"

# ---- preflight: report everything that is missing, then fail ----------------
node_preflight # sets images[] and PAUSE_IMAGE, or adds to missing[]
if [ ${#missing[@]} -gt 0 ]; then
  printf 'node/start.sh: cannot start the real node; missing:\n' >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi
still="$(procs running "$node/pids" | head -n1)" || true
[ -z "$still" ] || die "$node already runs a node ($still); stop it: bash $here/stop.sh $state"
if [ -d "$node" ]; then # left by a crash or E2E_KEEP_STATE: restore the host first
  bash "$here/stop.sh" "$state" || die "cleaning up the previous node in $node failed (see above)"
fi

# ---- the lock: inherited by every daemon, so it is held while any of them lives
exec {lockfd}>>"$LOCK"
flock -n "$lockfd" || { exec {lockfd}>&-; die "another real node runs in slot $SLOT on this machine (lock $LOCK held by pid(s) $(lock_holders)); stop it first: bash $here/stop.sh $(cat "$LOCK" 2>/dev/null)"; }
echo "$state" >"$LOCK"
clean_stale

rm -rf "$node"
mkdir -p "$node/logs" "$node/host" "$node/cni" "$node/pod-logs"
: >"$node/pids"
t_start=$(date +%s.%N)

fail() {
  trap - ERR INT TERM
  exec {lockfd}>&- # else stop.sh would see this shell holding the lock
  log "$*"
  for f in "$node"/logs/*.log; do
    [ -f "$f" ] && { echo "---- tail of $f" >&2; tail -n 25 "$f" >&2; }
  done
  if [ -n "${E2E_KEEP_ON_FAILURE:-}" ]; then
    log "E2E_KEEP_ON_FAILURE set: left running; bash $here/stop.sh $state"
  else
    E2E_KEEP_STATE=1 bash "$here/stop.sh" "$state" >&2 || true
  fi
  exit 1
}
trap 'fail "failed at line $LINENO"' ERR
trap 'fail "interrupted"' INT TERM

# ---- save what the node changes on the host (stop.sh restores it) ------------
echo "$REAL_NODE_NAME" >"$node/host/node-name"
save_host

# ---- network namespace, veth, routes; cgroup root -------------------------------
ip netns add "$NETNS"
ip link add "$HOST_IF" type veth peer name eth0 netns "$NETNS"
ip addr add "$HOST_IP/30" dev "$HOST_IF"
ip link set "$HOST_IF" up
nsn ip link set lo up
nsn ip addr add "$NODE_IP/30" dev eth0
nsn ip link set eth0 up
nsn ip route add default via "$HOST_IP"
ip route add "$POD_CIDR" via "$NODE_IP"     # pod IPs from the host
ip route add "$SERVICE_CIDR" via "$NODE_IP" # ClusterIPs from the host (kube-proxy)
for h in $(cgroup_v1_dirs); do mkdir -p "$h$CGROUP_ROOT"; done
mkdir -p "$RUN_DIR"
log "network namespace $NETNS: node $NODE_IP, host $HOST_IF $HOST_IP; cgroup root $CGROUP_ROOT"

# ---- configuration ----------------------------------------------------------------
export NODE_DIR="$node" RUN_DIR PKI="$state/pki" PAUSE_IMAGE RUNC CNI_BIN_DIR POD_CIDR NODE_IP DNS_IP CGROUP_ROOT REAL_NODE_NAME \
  HOST_IP APIPROXY_PORT OWNER_LABEL
for f in containerd.toml kubelet.yaml kube-proxy.yaml Corefile; do render "$here/templates/$f" "$node/$f"; done
render "$here/templates/cni.conflist" "$node/cni/.10-monsterstack.tmp"
mv -f "$node/cni/.10-monsterstack.tmp" "$node/cni/10-monsterstack.conflist" # atomic: containerd watches the directory
echo "nameserver $DNS_IP" >"$node/resolv.conf"
cp "$state/kubeconfig" "$node/kubeconfig"
k --kubeconfig "$node/kubeconfig" config set-cluster monsterstack-e2e \
  --server="https://$HOST_IP:$APIPROXY_PORT" --tls-server-name=kubernetes >/dev/null

# ---- processes --------------------------------------------------------------------
run host e2e-apiproxy "$bin/e2e-apiproxy" -listen "$HOST_IP:$APIPROXY_PORT" -target "127.0.0.1:$APISERVER_PORT"
wait_for "API server via $HOST_IP:$APIPROXY_PORT" e2e-apiproxy nsn "$KUBECTL" --kubeconfig "$node/kubeconfig" get --raw /readyz
run node containerd containerd --config "$node/containerd.toml" --log-level warn
wait_for "containerd" containerd ctr --address "$RUN_DIR/containerd.sock" version
for a in "${images[@]}"; do
  ctr --address "$RUN_DIR/containerd.sock" -n k8s.io images import "$a" >>"$node/logs/import.log" 2>&1 ||
    fail "importing $a failed (see $node/logs/import.log)"
done
ctr --address "$RUN_DIR/containerd.sock" -n k8s.io images ls -q | grep -Fx "$PAUSE_IMAGE" >/dev/null ||
  fail "pause image $PAUSE_IMAGE is not in the imported archives (${images[*]})"
log "imported ${#images[@]} image archive(s); pause image $PAUSE_IMAGE"
run node kubelet "$bin/kubelet" --config="$node/kubelet.yaml" --kubeconfig="$node/kubeconfig" \
  --root-dir="$node/kubelet" --cert-dir="$node/kubelet/pki" --hostname-override="$REAL_NODE_NAME" --node-ip="$NODE_IP" \
  --node-labels="type=real,topology.kubernetes.io/region=local,topology.kubernetes.io/zone=local-a" --v=1
run node kube-proxy "$bin/kube-proxy" --config="$node/kube-proxy.yaml" --v=1
run node coredns "$bin/coredns" -conf "$node/Corefile"
wait_for "kubelet /healthz" kubelet nsn curl -fs http://127.0.0.1:10248/healthz
wait_for "node $REAL_NODE_NAME Ready" kubelet k wait --for=condition=Ready "node/$REAL_NODE_NAME" --timeout=2s
k label node "$REAL_NODE_NAME" node-role.kubernetes.io/agent= --overwrite >/dev/null # as kwok-node-0
wait_for "kube-proxy /healthz" kube-proxy nsn curl -fs http://127.0.0.1:10256/healthz
wait_for "coredns /ready" coredns nsn curl -fs http://127.0.0.1:8181/ready

# ---- cluster objects: `kubernetes` Service endpoints, kwok taint ---------------------
# The API server runs with --endpoint-reconciler-type=none: give in-cluster
# clients (10.96.0.1:443) the proxy's address.
if [ -z "$(k get endpointslices -n default -l kubernetes.io/service-name=kubernetes -o name)" ]; then
  render "$here/templates/kubernetes-endpointslice.yaml" "$node/kubernetes-endpointslice.yaml"
  k apply -f "$node/kubernetes-endpointslice.yaml" >/dev/null
fi
if [ "${E2E_NODE_TAINT_KWOK:-1}" != 0 ]; then
  k taint nodes -l type=kwok "$KWOK_TAINT" --overwrite >/dev/null
  log "kwok nodes (label type=kwok) tainted $KWOK_TAINT"
fi

# ---- a pod must run ------------------------------------------------------------------
wait_for "serviceaccount kube-system/default" kubelet k get serviceaccount default -n kube-system
render "$here/templates/node-check-pod.yaml" "$node/node-check-pod.yaml"
k apply -f "$node/node-check-pod.yaml" >/dev/null
wait_for "pod kube-system/e2e-node-check Ready" kubelet k wait --for=condition=Ready pod/e2e-node-check -n kube-system --timeout=2s
k delete pod e2e-node-check -n kube-system --wait=false >/dev/null

cat >"$node/env" <<EOF
# source this file to use the real node (STATEDIR/env sources it too)
export E2E_REAL_NODE_NAME='$REAL_NODE_NAME'
export E2E_NODE_IP='$NODE_IP'   # NodePorts: http://\$E2E_NODE_IP:<nodePort>
export E2E_DNS_IP='$DNS_IP'
export E2E_POD_CIDR='$POD_CIDR'
export E2E_NODE_NETNS='$NETNS'
export E2E_PAUSE_IMAGE='$PAUSE_IMAGE'
export E2E_CONTAINERD_ADDRESS='$RUN_DIR/containerd.sock'
EOF
grep -qF "$node/env" "$state/env" || echo "[ -f '$node/env' ] && . '$node/env' # real node" >>"$state/env"
trap - ERR INT TERM
log "node $REAL_NODE_NAME ready in $(elapsed)s (kubelet, kube-proxy v$K8S_VERSION, coredns $COREDNS_VERSION, containerd $(containerd --version | awk '{print $3}'))"
echo "$node/env"
