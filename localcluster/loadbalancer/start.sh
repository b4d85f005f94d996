#!/usr/bin/env bash
# Gives the cluster of STATEDIR load balancers as a managed cluster has (npm start -- --cloud):
# MetalLB's controller, in the real node's network namespace as an add-on runs on a node, hands
# each LoadBalancer Service an address of its own from its slot's LB_POOL (../lib/slot.sh). The pool is local
# to the node's network namespace, where kube-proxy's rules send each address to its Service's
# pods, and the host routes it there through the node's veth, and nowhere else: both routes go
# with the namespace when the node stops. Logs and pids in STATEDIR/loadbalancer.
#
# Usage: bash localcluster/loadbalancer/start.sh STATEDIR      (root; ../node/start.sh first)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
LOG_PREFIX=loadbalancer/start.sh
# shellcheck source=../node/common.sh
source "$here/../node/common.sh"

state="${1:-${E2E_CLUSTER_DIR:-}}"
{ [ -n "$state" ] && [ -d "$state" ]; } || die "usage: start.sh STATEDIR (or set E2E_CLUSTER_DIR)"
[ "$(id -u)" = 0 ] || die "start.sh must run as root (routes on the host and in the node's network namespace)"
state="$(cd "$state" && pwd)"
use_slot "$state" # its node's network namespace, veth and LB_POOL (../lib/slot.sh)
dir="$state/loadbalancer"
kc="$state/node/kubeconfig"
bin="${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/metallb-$METALLB_VERSION/bin"
{ [ -f "$kc" ] && [ -e "/run/netns/$NETNS" ]; } || die "no real node runs for $state: start it first (bash localcluster/up.sh)"
[ -x "$bin/metallb-controller" ] || die "$bin/metallb-controller is missing: bash $here/build.sh (or localcluster/setup.sh)"
running="$(procs running "$dir/pids" metallb-controller)" && die "metallb-controller already runs for $state ($running)"
namespace=metallb-system

t0=$SECONDS
# The CRDs as released (server-side: the largest is over kubectl's last-applied annotation limit).
nsn "$KUBECTL" --kubeconfig "$kc" apply --server-side --force-conflicts -f "$bin/crds" >/dev/null
nsn "$KUBECTL" --kubeconfig "$kc" wait --for condition=established --timeout=60s -f "$bin/crds" >/dev/null
nsn "$KUBECTL" --kubeconfig "$kc" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Namespace
metadata:
  name: $namespace
  labels: { $OWNER_LABEL: "true" }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: local
  namespace: $namespace
spec:
  addresses: ["$LB_POOL"]
  # No .0 or .255 (some clients refuse them), as on a cloud no network or broadcast address is handed out.
  avoidBuggyIPs: true
YAML

# Addresses of the pool are the node's own (an unassigned one refuses, it never loops back to the
# host); the host sends the pool to the node and nowhere else.
nsn ip route replace local "$LB_POOL" dev lo
ip route replace "$LB_POOL" via "$NODE_IP" dev "$HOST_IF"

mkdir -p "$dir"
# --port=0: its metrics server (no flag for its address) takes any free port, inside the node's namespace.
setsid nsenter --net="/run/netns/$NETNS" env KUBECONFIG="$kc" "$bin/metallb-controller" \
  --namespace="$namespace" --webhook-mode=disabled --port=0 --log-level=info \
  >>"$dir/metallb-controller.log" 2>&1 </dev/null &
echo "metallb-controller $!" >"$dir/pids"
# Ready once it has read the pool: it writes the pool's free addresses in its status.
until [ "$(nsn "$KUBECTL" --kubeconfig "$kc" get ipaddresspool -n "$namespace" local -o jsonpath='{.status.availableIPv4}' 2>/dev/null)" -gt 0 ] 2>/dev/null; do
  [ $((SECONDS - t0)) -lt 60 ] || die "MetalLB's controller did not read its pool in 60 s; see $dir/metallb-controller.log"
  if [ $((SECONDS - t0)) -gt 2 ] && ! procs running "$dir/pids" metallb-controller >/dev/null; then
    die "metallb-controller exited: $(tail -n 5 "$dir/metallb-controller.log")"
  fi
  sleep 0.3
done
echo "export E2E_LB_POOL='$LB_POOL'" >>"$state/env"
log "MetalLB v$METALLB_VERSION hands out $LB_POOL to LoadBalancer Services (pid $(awk '{ print $2 }' "$dir/pids")), routed to $NETNS; ready in $((SECONDS - t0))s"
