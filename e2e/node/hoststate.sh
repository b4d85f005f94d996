#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Prints the host state that a real node could change, normalized, so that two
# snapshots can be diffed (before start.sh / after stop.sh):
#   iptables rules (nft and legacy, v4 and v6; no counters), links, addresses,
#   routes, network namespaces, the sysctls the node touches, mounts, cgroup
#   directories (two levels; without /process_api/*, per-shell cgroups of this
#   VM's agent), the host paths the node may create, processes of the node's
#   programs, the lock file.
# Usage: bash e2e/node/hoststate.sh > before.txt; ...; bash e2e/node/hoststate.sh | diff before.txt -
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"

section() { printf '## %s\n' "$*"; }
for t in iptables-nft iptables-legacy ip6tables-nft ip6tables-legacy; do
  section "$t-save"
  command -v "$t-save" >/dev/null && "$t-save" 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'
done
section links; ip -o link show | awk '{ print $2, $3 }'
section addresses; ip -br addr
section routes; ip route; ip -6 route
section netns; ip netns list
section sysctls
sysctl "${SYSCTLS[@]}" net.ipv4.ip_forward net.ipv6.conf.all.forwarding net.ipv4.conf.all.route_localnet \
  net.bridge.bridge-nf-call-iptables net.netfilter.nf_conntrack_max 2>&1
section mounts; awk '{ print $5, $9 }' /proc/self/mountinfo | sort
section cgroups
for h in $(cgroup_v1_dirs); do find "$h" -mindepth 1 -maxdepth 2 -type d | grep -v /process_api/ | sort; done
section paths
for p in "${HOST_PATHS[@]}" "$LOCK" /etc/cni /opt/cni /opt/containerd /var/lib/containerd; do
  [ -e "$p" ] && echo "present $p" || echo "absent $p"
done
section processes
ps -eo comm= | grep -E '^(containerd|containerd-shim|kubelet|kube-proxy|coredns|e2e-apiproxy|runc|catatonit|redis-server|pause)' | sort | uniq -c
exit 0
