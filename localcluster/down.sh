#!/usr/bin/env bash
# Stops the local cluster up.sh (or controlplane/start.sh alone) started, and removes its state;
# with --keep (npm stop), stops it and keeps its data for the next up.sh to resume: etcd's data,
# the certificates, the kubeconfig, the ports and the volumes. It is also the control plane's
# stop: the control plane, the storage provisioner and the volumes share STATEDIR and its pids file.
#
# Usage: bash localcluster/down.sh [--keep] [STATEDIR]      (default: $E2E_CLUSTER_DIR)
#
# NetworkPolicy enforcement (STATEDIR/netpol, netpol/stop.sh), then the real node (STATEDIR/node,
# node/stop.sh: it stops the node and restores the host) go first, if there are any.
# Sends SIGTERM to the processes listed in STATEDIR/pids (and only those; the
# entry is skipped if that PID now belongs to another program), in reverse
# start order, waits up to 20s for each to exit, then SIGKILLs it (lib/procs). Finally it
# deletes STATEDIR (the volumes of storage/ included), but only if controlplane/start.sh created its marker file there
# (.monsterstack-e2e-cluster); E2E_KEEP_STATE=1 keeps it (logs, etcd data).
# Safe to run twice.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_PREFIX=down.sh
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"

keep=
[ "${1:-}" = --keep ] && { keep=1; shift; }
state="${1:-${E2E_CLUSTER_DIR:-}}"
[ -n "$state" ] || { echo "usage: down.sh [--keep] STATEDIR (or set E2E_CLUSTER_DIR)" >&2; exit 2; }
if [ ! -d "$state" ]; then
  log "$state does not exist; nothing to do"
  exit 0
fi
state="$(cd "$state" && pwd)"
kc="$state/kubeconfig"

# The load balancers' controller, NetworkPolicy enforcement, then the real node (node/start.sh) go
# first, while the API server still runs.
if [ -d "$state/loadbalancer" ]; then
  bash "$here/loadbalancer/stop.sh" "$state" || log "loadbalancer/stop.sh reported problems (see above)"
fi
if [ -d "$state/netpol" ]; then
  bash "$here/netpol/stop.sh" "$state" || log "netpol/stop.sh reported problems (see above)"
fi
if [ -d "$state/node" ]; then
  bash "$here/node/stop.sh" "$state" || log "node/stop.sh reported problems (see above)"
fi

if [ -f "$state/pids" ]; then
  procs stop -log down.sh "$state/pids" || log "a process of $state/pids still runs (above)"
  : >"$state/pids"
fi

if [ -n "$keep" ]; then
  log "kept $state: etcd's data, the certificates and the volumes (up.sh resumes the cluster)"
elif [ -n "${E2E_KEEP_STATE:-}" ]; then
  log "E2E_KEEP_STATE set: kept $state"
elif [ -f "$state/.monsterstack-e2e-cluster" ]; then
  rm -rf -- "$state"
  log "removed $state"
else
  log "$state was not created by controlplane/start.sh (no marker); not removing it"
fi
