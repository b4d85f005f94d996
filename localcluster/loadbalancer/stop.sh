#!/usr/bin/env bash
# Stops MetalLB's controller of STATEDIR (start.sh), before the node: its routes go with the node's
# network namespace and veth. Safe to run twice.
# Usage: bash localcluster/loadbalancer/stop.sh STATEDIR
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_PREFIX=loadbalancer/stop.sh
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"
state="${1:-${E2E_CLUSTER_DIR:-}}"
{ [ -n "$state" ] && [ -d "$state" ]; } || die "usage: stop.sh STATEDIR (or set E2E_CLUSTER_DIR)"
dir="$state/loadbalancer"
[ -d "$dir" ] || { log "no load balancer controller in $state; nothing to do"; exit 0; }
procs stop -log "$LOG_PREFIX" "$dir/pids" metallb-controller || exit 1
rm -f "$dir/pids"
