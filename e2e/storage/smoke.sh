#!/usr/bin/env bash
# Checks that a cluster with e2e/storage/start.sh's provisioner stores volumes
# as minikube's storage-provisioner does.
#
# Usage: bash e2e/storage/smoke.sh [STATEDIR [CLASS]]   (default $E2E_CLUSTER_DIR, standard)
#
#  1. two PVCs without storageClassName -> default class CLASS -> Bound to PVs
#     pvc-<claim uid>: hostPath <pv-dir>/<ns>/<claim> (no type), directory mode
#     0777, reclaimPolicy Delete, capacity = request, storageClassName CLASS,
#     annotations pv.kubernetes.io/provisioned-by=k8s.io/minikube-hostpath and
#     hostPathProvisionerIdentity
#  2. PV patched to Retain, claim deleted -> PV Released, directory kept
#  3. claim with a Delete PV deleted -> PV and directory removed
#  4. a StatefulSet's volumeClaimTemplate -> <pv-dir>/<ns>/data-web-0, pod Ready;
#     deleting the namespace -> its PV and directory removed
# Exits non-zero on the first failed check. Leaves the retained directory of 2.
set -euo pipefail

state="${1:-${E2E_CLUSTER_DIR:-}}"
class="${2:-${E2E_MINIKUBE_STORAGECLASS:-standard}}"
[ -n "$state" ] && [ -s "$state/storage-pv-dir" ] || { echo "usage: smoke.sh STATEDIR [CLASS] (after storage/start.sh)" >&2; exit 2; }
state="$(cd "$state" && pwd)"
pvdir="$(cat "$state/storage-pv-dir")"
export KUBECONFIG="$state/kubeconfig"
k() { "${KUBECTL:-kubectl}" "$@"; }
ns="storage-smoke-$RANDOM"
T0=$SECONDS
ok() { printf '[storage/smoke.sh +%3ss] ok: %s\n' "$((SECONDS - T0))" "$*"; }
die() { printf '[storage/smoke.sh +%3ss] FAILED: %s\n' "$((SECONDS - T0))" "$*" >&2; exit 1; }
# until_ok <timeout> <command...>
until_ok() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.5
  done
}
jp() { k get "$@" 2>/dev/null; } # jp <kind> <name> [-n ns] -o jsonpath=...
eq() { [ "$(jp "${@:2}")" = "$1" ]; }
gone() { ! k get "$@" >/dev/null 2>&1; }
pvc() { # name size
  printf 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: %s, namespace: %s}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: %s}}\n' "$1" "$ns" "$2"
}

k create namespace "$ns" >/dev/null
{ pvc keep 1Gi; echo ---; pvc drop 500Mi; } | k apply -f - >/dev/null
for c in keep drop; do
  until_ok 60 eq Bound pvc "$c" -n "$ns" -o jsonpath='{.status.phase}' || die "PVC $c Bound"
done
ok "PVCs keep and drop Bound"

# 1. what the PV looks like
check_pv() { # claim size
  local uid pv path
  uid=$(jp pvc "$1" -n "$ns" -o jsonpath='{.metadata.uid}')
  pv=$(jp pvc "$1" -n "$ns" -o jsonpath='{.spec.volumeName}')
  [ "$pv" = "pvc-$uid" ] || die "PV name $pv, expected pvc-$uid"
  path=$(jp pv "$pv" -o jsonpath='{.spec.hostPath.path}')
  [ "$path" = "$pvdir/$ns/$1" ] || die "hostPath $path, expected $pvdir/$ns/$1"
  [ -d "$path" ] && [ "$(stat -c %a "$path")" = 777 ] || die "$path: not a directory with mode 777 ($(stat -c %a "$path" 2>&1))"
  local got want
  got=$(jp pv "$pv" -o jsonpath='{.spec.hostPath.type}|{.spec.persistentVolumeReclaimPolicy}|{.spec.capacity.storage}|{.spec.storageClassName}|{.spec.accessModes}|{.metadata.annotations.pv\.kubernetes\.io/provisioned-by}|{.spec.claimRef.name}')
  want="|Delete|$2|$class|[\"ReadWriteOnce\"]|k8s.io/minikube-hostpath|$1"
  [ "$got" = "$want" ] || die "PV $pv: got '$got', expected '$want'"
  [ -n "$(jp pv "$pv" -o jsonpath='{.metadata.annotations.hostPathProvisionerIdentity}')" ] || die "PV $pv: no hostPathProvisionerIdentity"
  ok "PV $pv: hostPath $path (mode 777, no type), Delete, $2, class $class, provisioned-by k8s.io/minikube-hostpath, identity annotation"
}
check_pv keep 1Gi
check_pv drop 500Mi

# 2. Retain
keep_pv=$(jp pvc keep -n "$ns" -o jsonpath='{.spec.volumeName}')
keep_path=$(jp pv "$keep_pv" -o jsonpath='{.spec.hostPath.path}')
echo 42 >"$keep_path/marker"
k patch pv "$keep_pv" -p '{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}' >/dev/null
k delete pvc keep -n "$ns" --wait=true >/dev/null
until_ok 30 eq Released pv "$keep_pv" -o jsonpath='{.status.phase}' || die "PV $keep_pv Released"
sleep 3 # give a (wrong) deletion time to happen
eq Released pv "$keep_pv" -o jsonpath='{.status.phase}' && [ "$(cat "$keep_path/marker")" = 42 ] ||
  die "Retain: PV $keep_pv or $keep_path/marker gone"
ok "Retain: claim deleted -> PV $keep_pv Released, $keep_path kept with its data"

# 3. Delete
drop_pv=$(jp pvc drop -n "$ns" -o jsonpath='{.spec.volumeName}')
drop_path=$(jp pv "$drop_pv" -o jsonpath='{.spec.hostPath.path}')
echo 42 >"$drop_path/marker"
k delete pvc drop -n "$ns" --wait=true >/dev/null
until_ok 60 gone pv "$drop_pv" || die "Delete: PV $drop_pv still there ($(jp pv "$drop_pv" -o jsonpath='{.status.phase}'))"
[ ! -e "$drop_path" ] || die "Delete: $drop_path still there"
ok "Delete: claim deleted -> PV $drop_pv and $drop_path removed"

# 4. StatefulSet claim template, then namespace deletion
k apply -n "$ns" -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: redis, image: redis:7, volumeMounts: [{name: data, mountPath: /data}]}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 2Gi}}}
EOF
until_ok 90 eq 1 statefulset web -n "$ns" -o jsonpath='{.status.readyReplicas}' || die "StatefulSet web ready"
sts_pv=$(jp pvc data-web-0 -n "$ns" -o jsonpath='{.spec.volumeName}')
sts_path=$(jp pv "$sts_pv" -o jsonpath='{.spec.hostPath.path}')
[ "$sts_path" = "$pvdir/$ns/data-web-0" ] && [ "$(stat -c %a "$sts_path")" = 777 ] || die "StatefulSet volume $sts_path"
ok "StatefulSet web ready with PV $sts_pv at $sts_path (777)"
echo 42 >"$sts_path/marker"
k delete namespace "$ns" --wait=false >/dev/null
until_ok 120 gone namespace "$ns" || die "namespace $ns deleted"
until_ok 60 gone pv "$sts_pv" || die "namespace deletion: PV $sts_pv still there"
[ ! -e "$sts_path" ] || die "namespace deletion: $sts_path still there"
ok "namespace $ns deleted -> Delete PV $sts_pv and $sts_path removed; Retain PV $keep_pv: $(jp pv "$keep_pv" -o jsonpath='{.status.phase}')"
k delete pv "$keep_pv" >/dev/null
[ -d "$keep_path" ] || die "deleting the Retain PV removed $keep_path"
ok "Retain PV $keep_pv deleted by hand: $keep_path stays (nobody deletes Retain data)"
