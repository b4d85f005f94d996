#!/usr/bin/env bash
# Stops the real node that node/start.sh added to STATEDIR's cluster and
# restores the host. ../down.sh runs it first when STATEDIR/node exists.
#
# Usage: bash localcluster/node/stop.sh STATEDIR   (default: $E2E_CLUSTER_DIR)
#
#  1. cluster objects (if the API server answers): kwok taint removed, our
#     `kubernetes` EndpointSlice deleted; after the kubelet: the Node deleted
#  2. coredns, kube-proxy, kubelet: SIGTERM by PID (STATEDIR/node/pids, only if
#     /proc/PID/exe still is that program), SIGKILL after 20 s (../lib/procs)
#  3. e2e-cri-clean: every pod sandbox stopped and removed through containerd
#     (containers killed, CNI DEL); then containerd and e2e-apiproxy stopped
#  4. leftovers: processes still in the node's network namespace or cgroups are
#     SIGKILLed (and named); mounts under STATEDIR/node unmounted; the cgroup
#     root removed from every hierarchy; the network namespace deleted (veth,
#     bridge, iptables rules, routes and its ip_forward go with it)
#  5. the lock released; if no other slot's node runs (host.sh), the saved
#     sysctls written back and host paths removed if the first node found them
#     absent (only our files, then empty directories)
#  6. STATEDIR/node removed (E2E_KEEP_STATE=1 keeps it: logs, configs)
# Prints what it could not restore and exits 1 then. Safe to run twice.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../controlplane/versions.env"
LOG_PREFIX=node/stop.sh
source "$here/common.sh"
# shellcheck source=host.sh
source "$here/host.sh"

state="${1:-${E2E_CLUSTER_DIR:-}}"
[ -n "$state" ] || die "usage: stop.sh STATEDIR (or set E2E_CLUSTER_DIR)"
[ -d "$state/node" ] || { log "no node in $state; nothing to do"; exit 0; }
state="$(cd "$state" && pwd)"
[ "$(id -u)" = 0 ] || die "stop.sh must run as root (it unmounts, removes cgroups and the network namespace)"
node_paths "$state"
rc=0
warn() { log "$*"; rc=1; }
REAL_NODE_NAME="$(cat "$node/host/node-name" 2>/dev/null || echo "$REAL_NODE_NAME")"
owner="$(cat "$LOCK" 2>/dev/null)"
if [ -n "$owner" ] && [ "$owner" != "$state" ] && [ -n "$(lock_holders)" ]; then
  die "the machine's real node belongs to $owner, not $state; not touching it"
fi

api=
[ -f "$kc" ] && k --request-timeout=5s get --raw /readyz >/dev/null 2>&1 && api=1
if [ -n "$api" ]; then
  k taint nodes -l type=kwok "${KWOK_TAINT%%=*}:NoSchedule-" >/dev/null 2>&1
  k delete endpointslices -n default -l "$OWNER_LABEL=true" >/dev/null 2>&1
fi

procs stop -log "$LOG_PREFIX" "$node/pids" coredns kube-proxy kubelet || warn "the node's daemons did not all stop (above)"
if [ -n "$api" ]; then
  k delete node "$REAL_NODE_NAME" --wait=false >/dev/null 2>&1 && log "node $REAL_NODE_NAME deleted"
  sed -i "\#$node/env#d" "$state/env" 2>/dev/null
fi
if [ -S "$RUN_DIR/containerd.sock" ] && [ -x "$bin/e2e-cri-clean" ]; then
  "$bin/e2e-cri-clean" -endpoint "unix://$RUN_DIR/containerd.sock" -timeout 60s >&2 ||
    warn "e2e-cri-clean failed; leftovers are killed below"
fi
procs stop -log "$LOG_PREFIX" "$node/pids" containerd e2e-apiproxy || warn "containerd or e2e-apiproxy did not stop (above)"

# ---- leftovers: processes, mounts, cgroups, network namespace -------------------
leftovers() {
  {
    [ -e "/run/netns/$NETNS" ] && ip netns pids "$NETNS"
    for h in $(cgroup_v1_dirs); do
      [ -d "$h$CGROUP_ROOT" ] && find "$h$CGROUP_ROOT" -name cgroup.procs -exec cat {} +
    done
  } 2>/dev/null | sort -un
}
for _ in 1 2 3; do
  pids="$(leftovers)"
  [ -n "$pids" ] || break
  for pid in $pids; do
    warn "killing leftover pid $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-100))"
    kill -KILL "$pid" 2>/dev/null
  done
  sleep 1
done
awk '{ print $5 }' /proc/self/mountinfo | grep -F "$node/" | sort -r | while read -r m; do
  umount "$m" 2>/dev/null || umount -l "$m" || warn "cannot unmount $m"
done
for h in $(cgroup_v1_dirs); do
  [ -d "$h$CGROUP_ROOT" ] || continue
  find "$h$CGROUP_ROOT" -depth -type d -exec rmdir {} + 2>/dev/null
  [ -d "$h$CGROUP_ROOT" ] && warn "cannot remove cgroup $h$CGROUP_ROOT"
done
if [ -e "/run/netns/$NETNS" ]; then
  ip netns del "$NETNS" || warn "cannot delete network namespace $NETNS"
fi
ip link show "$HOST_IF" >/dev/null 2>&1 && { ip link del "$HOST_IF" || warn "cannot delete $HOST_IF"; }

# ---- sysctls, host paths, lock ------------------------------------------------------
find /var/log/containers -maxdepth 1 -type l -lname "$node/*" -delete 2>/dev/null
# After a crash (no CRI teardown): our shims' sockets and libcni result caches.
for b in "$node"/containerd/state/io.containerd.runtime.v2.task/*/*/; do
  [ -d "$b" ] || continue
  a="$(cat "$b/address" 2>/dev/null)"
  case "$a" in unix:///run/containerd/s/*) rm -f "${a#unix://}" ;; esac
  rm -f /var/lib/cni/results/*-"$(basename "$b")"-*
done
rm -rf "$RUN_DIR"
if [ -e "$LOCK" ]; then
  holders="$(lock_holders)"
  if [ -z "$holders" ]; then rm -f "$LOCK"; else warn "lock $LOCK still held by pid(s) $holders"; fi
fi
restore_host_if_last || warn "the host's settings were not all restored (above)"

if [ -n "${E2E_KEEP_STATE:-}" ]; then
  log "E2E_KEEP_STATE set: kept $node"
else
  rm -rf --one-file-system "$node" || warn "cannot remove $node"
fi
if [ $rc = 0 ]; then log "node stopped"; else log "node stopped; see the warnings above"; fi
exit $rc
