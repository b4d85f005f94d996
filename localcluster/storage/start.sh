#!/usr/bin/env bash
# Gives a cluster started by ../controlplane/start.sh minikube's default storage:
# starts storage-provisioner (minikube's hostPath provisioner, built by
# build.sh) as a detached host process and creates the default StorageClass
# that minikube's `storageclass` addon creates.
#
# Usage: bash localcluster/storage/start.sh [STATEDIR [CLASS]]
#   STATEDIR  the cluster's state directory ($1, else $E2E_CLUSTER_DIR); its
#             kubeconfig is used.
#   CLASS     StorageClass name ($2, else $E2E_MINIKUBE_STORAGECLASS, else standard)
#   E2E_VOLUME_BINDING_MODE  the class' volumeBindingMode: Immediate (minikube's, the default) or
#             WaitForFirstConsumer (a managed cluster's, kind's): a claim is bound, and its volume
#             provisioned, once a pod that mounts it is scheduled (the provisioner's library waits
#             for the scheduler's selected-node annotation).
#   E2E_PV_DIR  base directory of the volumes (default STATEDIR/hostpath-provisioner;
#             minikube's is /tmp/hostpath-provisioner). Volumes are
#             <E2E_PV_DIR>/<namespace>/<claim>, mode 0777. It must not exist
#             yet (start.sh creates it and marks it with .monsterstack-e2e-storage,
#             so cleanup can remove it whole) unless an earlier run marked it.
#
# The process: `storage-provisioner <pid>` appended to STATEDIR/pids (so
# ../down.sh stops it), log in STATEDIR/logs/storage-provisioner.log.
# Also writes STATEDIR/storage-pv-dir (the base directory, for cleanup) and
# appends `export E2E_PV_DIR=...` to STATEDIR/env. Returns once the controller
# has started. On failure it stops the process it started and exits 1.
set -Eeuo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
LOG_PREFIX=storage/start.sh
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"
prog="${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/storage-minikube-$MINIKUBE_VERSION/bin/storage-provisioner"
[ -x "$prog" ] || die "$prog missing; run: bash $here/build.sh"
TIMEOUT="${E2E_START_TIMEOUT:-180}"

state="${1:-${E2E_CLUSTER_DIR:-}}"
class="${2:-${E2E_MINIKUBE_STORAGECLASS:-standard}}"
binding="${E2E_VOLUME_BINDING_MODE:-Immediate}"
case "$binding" in Immediate|WaitForFirstConsumer) ;; *) die "E2E_VOLUME_BINDING_MODE=$binding: expected Immediate or WaitForFirstConsumer" ;; esac
{ [ -n "$state" ] && [ -f "$state/kubeconfig" ] && [ -f "$state/pids" ]; } ||
  { echo "usage: storage/start.sh STATEDIR [CLASS]  (STATEDIR from controlplane/start.sh, with kubeconfig and pids)" >&2; exit 2; }
state="$(cd "$state" && pwd)"
pvdir="${E2E_PV_DIR:-$state/hostpath-provisioner}"
case "$pvdir" in /*) ;; *) pvdir="$PWD/$pvdir" ;; esac
kc="$state/kubeconfig"

# One provisioner per cluster.
running="$(procs running "$state/pids" storage-provisioner)" && die "storage-provisioner already runs for $state ($running)"
# The base directory must be new (or made by an earlier run: marker), so that
# cleanup may remove it whole. Namespaces cannot start with ".": no clash.
if [ ! -f "$pvdir/.monsterstack-e2e-storage" ]; then
  mkdir "$pvdir" || die "cannot create $pvdir (it must not exist yet; its parent must)"
  touch "$pvdir/.monsterstack-e2e-storage"
fi
echo "$pvdir" >"$state/storage-pv-dir"
mkdir -p "$state/logs"
logf="$state/logs/storage-provisioner.log"
touch "$logf"
skip=$(wc -l <"$logf") # a restart appends: wait for this run's lines only

t0=$SECONDS
setsid "$prog" --kubeconfig="$kc" --pv-dir="$pvdir" --provisioner=k8s.io/minikube-hostpath \
  >>"$logf" 2>&1 </dev/null &
pid=$!
echo "storage-provisioner $pid" >>"$state/pids"
log "storage-provisioner started (pid $pid), volumes under $pvdir"

fail() {
  log "$*"
  tail -n 20 "$logf" >&2
  kill -TERM "$pid" 2>/dev/null || true
  exit 1
}
until awk -v s="$skip" 'NR > s && /Started provisioner controller/ { f = 1 } END { exit !f }' "$logf"; do
  kill -0 "$pid" 2>/dev/null || fail "storage-provisioner exited"
  [ $((SECONDS - t0)) -lt "$TIMEOUT" ] || fail "timed out after ${TIMEOUT}s waiting for the controller to start"
  sleep 0.2
done

# minikube's deploy/addons/storageclass/storageclass.yaml, with the fields the
# API server defaults there (reclaimPolicy, volumeBindingMode) written out.
k apply -f - >/dev/null <<EOF || fail "cannot create StorageClass $class (one with another provisioner exists?)"
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: $class
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
  labels:
    addonmanager.kubernetes.io/mode: EnsureExists
provisioner: k8s.io/minikube-hostpath
reclaimPolicy: Delete
volumeBindingMode: $binding
EOF
others=$(k get storageclass -o \
  jsonpath='{range .items[?(@.metadata.annotations.storageclass\.kubernetes\.io/is-default-class=="true")]}{.metadata.name}{" "}{end}')
[ "${others% }" = "$class" ] || log "warning: more than one default StorageClass: $others"

echo "export E2E_PV_DIR='$pvdir'" >>"$state/env"
log "StorageClass $class (k8s.io/minikube-hostpath, default, $binding) ready in $((SECONDS - t0))s"
