#!/usr/bin/env bash
# Starts NetworkPolicy enforcement on the real node of STATEDIR's cluster (../node/start.sh
# first): kube-router's network policy controller alone, in the node's network namespace where
# the pods' traffic passes, beside kube-proxy. It keeps iptables chains and ipsets there, which
# admit or drop each pod's connections as the NetworkPolicies say. Refuses, saying what is
# missing, a kernel without what those rules need. Logs in STATEDIR/netpol.
#
# Usage: bash localcluster/netpol/start.sh STATEDIR      (default: $E2E_CLUSTER_DIR; root)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/versions.env"
LOG_PREFIX=netpol/start.sh
source "$here/../node/common.sh"
source "$here/common.sh"

state="${1:-${E2E_CLUSTER_DIR:-}}"
{ [ -n "$state" ] && [ -d "$state" ]; } || die "usage: start.sh STATEDIR (or set E2E_CLUSTER_DIR)"
[ "$(id -u)" = 0 ] || die "start.sh must run as root (iptables and ipset in the node's network namespace)"
netpol_paths "$(cd "$state" && pwd)"
{ [ -f "$state/node/kubeconfig" ] && [ -e "/run/netns/$NETNS" ]; } || die "no real node runs for $state: start it first (bash localcluster/up.sh)"
[ -x "$netpol_bin" ] || die "$netpol_bin is missing: bash localcluster/netpol/build.sh (or localcluster/setup.sh)"
if running; then
  log "kube-router already runs for $state (pid $(netpol_pid))"
  exit 0
fi

# What kube-router's rules use, tried in a chain and a set of our own, removed at once.
command -v ipset >/dev/null || die "the ipset command is missing: apt-get install ipset (localcluster/node/install.sh does)"
missing=()
nsn ipset create monsterstack-probe hash:ip timeout 0 2>/dev/null || missing+=("ip_set (hash:ip sets)")
nsn iptables -N MONSTERSTACK-PROBE 2>/dev/null
for match in "-m set --match-set monsterstack-probe src" "-m physdev --physdev-is-bridged" "-m conntrack --ctstate NEW" \
  "-m comment --comment probe" "-m mark --mark 0x10000/0x10000" "-m addrtype --src-type LOCAL"; do
  # shellcheck disable=SC2086 # each match is several words
  nsn iptables -A MONSTERSTACK-PROBE $match -j RETURN 2>/dev/null || missing+=("iptables $match")
done
nsn iptables -A MONSTERSTACK-PROBE -j NFLOG --nflog-group 100 2>/dev/null || missing+=("iptables -j NFLOG")
nsn iptables -F MONSTERSTACK-PROBE 2>/dev/null; nsn iptables -X MONSTERSTACK-PROBE 2>/dev/null
nsn ipset destroy monsterstack-probe 2>/dev/null || true
[ ${#missing[@]} -eq 0 ] || die "NetworkPolicies cannot be enforced with this kernel; it lacks: $(IFS=';'; echo "${missing[*]}")"

mkdir -p "$dir"
t0=$SECONDS
setsid nsenter --net="/run/netns/$NETNS" "$netpol_bin" --kubeconfig="$state/node/kubeconfig" \
  --hostname-override="$REAL_NODE_NAME" --run-firewall=true --run-router=false --run-service-proxy=false \
  --enable-cni=false --service-cluster-ip-range="$SERVICE_CIDR" --metrics-port=0 --health-port=0 -v=1 \
  >"$dir/kube-router.log" 2>&1 </dev/null &
echo "kube-router $!" >"$dir/pids"
until own_rules >/dev/null; do
  ! exited || die "kube-router exited; its log: $(tail -n 5 "$dir/kube-router.log")"
  [ $((SECONDS - t0)) -lt 60 ] || die "kube-router added no rule in 60 s; see $dir/kube-router.log"
  sleep 0.2
done
log "kube-router v$KUBE_ROUTER_VERSION enforces NetworkPolicies on $REAL_NODE_NAME: pid $(netpol_pid), iptables and ipset in $NETNS, ready in $((SECONDS - t0))s"
