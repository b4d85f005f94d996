#!/usr/bin/env bash
# Stops the NetworkPolicy enforcement netpol/start.sh started for STATEDIR, and leaves the node's
# network namespace as it was before: kube-router gets SIGTERM by pid (only if it still is
# kube-router), SIGKILL after 15 s; then its jumps, chains and ipsets are removed (it leaves them,
# and its own --cleanup-config removes none here). The cluster and the node keep running,
# without enforcement. ../down.sh runs it first. Exits 1 if a rule, a set or the
# process is left. Safe to run twice.
#
# Usage: bash localcluster/netpol/stop.sh STATEDIR      (default: $E2E_CLUSTER_DIR; root)
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/versions.env"
LOG_PREFIX=netpol/stop.sh
source "$here/../node/common.sh"
source "$here/common.sh"

state="${1:-${E2E_CLUSTER_DIR:-}}"
{ [ -n "$state" ] && [ -d "$state" ]; } || die "usage: stop.sh STATEDIR (or set E2E_CLUSTER_DIR)"
netpol_paths "$(cd "$state" && pwd)"
[ -d "$dir" ] || { log "no NetworkPolicy enforcement in $state; nothing to do"; exit 0; }
rc=0
procs stop -grace 15s -log "$LOG_PREFIX" "$dir/pids" kube-router || rc=1
if own_rules >/dev/null; then
  # The filter table rewritten at once without kube-router's lines: kube-proxy's stay as they are.
  nsn iptables-save -t filter | grep -Ev "kube-router netpol|^:$OWN_CHAINS|^-A $OWN_CHAINS" | nsn iptables-restore -T filter &&
    log "removed kube-router's iptables chains and jumps in $NETNS"
fi
for set in $(own_sets); do nsn ipset destroy "$set" || rc=1; done
own_rules >/dev/null && { log "kube-router's iptables rules are still in $NETNS"; rc=1; }
own_sets >/dev/null && { log "kube-router's ipsets are still in $NETNS"; rc=1; }
running && { log "kube-router (pid $(netpol_pid)) still runs"; rc=1; }
[ $rc -eq 0 ] && rm -rf "$dir"
exit $rc
