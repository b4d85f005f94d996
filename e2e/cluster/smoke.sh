#!/usr/bin/env bash
# Smoke test of a cluster started by start.sh: checks what the e2e tests rely on.
#
# Usage: bash e2e/cluster/smoke.sh [STATEDIR]     (default: $E2E_CLUSTER_DIR)
#
#  1. static PV (hostPath, storageClassName "standard", 1Gi, Retain) + PVC -> Bound
#  2. Deployment (redis:7, 2 replicas) -> Available (pods Running/Ready via kwok)
#  3. Service ClusterIP -> gets a clusterIP
#  4. Service LoadBalancer -> accepted, nodePort allocated, ingress IP from kwok
#  5. deleting the Retain PVC -> PV Released (directory kept)
#  6. static PV with reclaimPolicy Delete: deleting its PVC -> PV and directory
#     removed by the hostPath deleter (paths under /tmp only) -- reports what happens
#  7. if a default StorageClass exists (start.sh with E2E_STORAGECLASS): a PVC
#     is provisioned dynamically and a StatefulSet with a volumeClaimTemplate
#     becomes ready
#  8. garbage collection: deleting the Deployment removes its ReplicaSet and pods
#  9. deleting the namespace completes
# Exits non-zero on the first failed check.
set -euo pipefail

state="${1:-${E2E_CLUSTER_DIR:-}}"
[ -n "$state" ] || { echo "usage: smoke.sh STATEDIR (or set E2E_CLUSTER_DIR)" >&2; exit 2; }
state="$(cd "$state" && pwd)"
export KUBECONFIG="$state/kubeconfig"
k() { "${KUBECTL:-kubectl}" "$@"; }
ns="smoke-$RANDOM"
vol="$state/volumes/$ns"
mkdir -p "$vol/retain" "$vol/delete"
T0=$SECONDS
ok() { printf '[smoke.sh +%3ss] ok: %s\n' "$((SECONDS - T0))" "$*"; }
die() { printf '[smoke.sh +%3ss] FAILED: %s\n' "$((SECONDS - T0))" "$*" >&2; exit 1; }
# until_eq <timeout> <expected> <kubectl args...>: polls a jsonpath value
until_eq() {
  local want=$2 got="" deadline=$((SECONDS + $1))
  shift 2
  while [ $SECONDS -lt $deadline ]; do
    if got="$(k "$@" 2>/dev/null)" && [ "$got" = "$want" ]; then return 0; fi
    sleep 0.5
  done
  echo "  expected '$want', last got '$got' ($*)" >&2
  return 1
}

k create namespace "$ns" >/dev/null
until_eq 60 default get serviceaccount default -n "$ns" -o jsonpath='{.metadata.name}' || die "serviceaccount default in new namespace"
ok "namespace $ns with serviceaccount default"

pv() { # name path policy
  cat <<EOF
apiVersion: v1
kind: PersistentVolume
metadata: {name: $1, labels: {smoke: $ns}}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: $3
  storageClassName: standard
  hostPath: {path: $2, type: DirectoryOrCreate}
EOF
}
pvc() { # name volumeName
  cat <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: $1, namespace: $ns}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: standard
  resources: {requests: {storage: 1Gi}}
  volumeName: $2
EOF
}

# 1. static PV + PVC
{ pv "$ns-retain" "$vol/retain" Retain; echo ---; pvc data-retain "$ns-retain"; } | k apply -f - >/dev/null
until_eq 60 Bound get pvc data-retain -n "$ns" -o jsonpath='{.status.phase}' || die "PVC data-retain Bound"
until_eq 30 Bound get pv "$ns-retain" -o jsonpath='{.status.phase}' || die "PV $ns-retain Bound"
ok "static PV $ns-retain + PVC data-retain: Bound"

# 2. Deployment
k apply -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: redis, namespace: $ns}
spec:
  replicas: 2
  selector: {matchLabels: {app: redis}}
  template:
    metadata: {labels: {app: redis}}
    spec:
      containers:
      - name: redis
        image: redis:7
        ports: [{containerPort: 6379}]
        resources: {requests: {cpu: 100m, memory: 128Mi}}
        readinessProbe: {tcpSocket: {port: 6379}}
        volumeMounts: [{name: data, mountPath: /data}]
      volumes: [{name: data, persistentVolumeClaim: {claimName: data-retain}}]
EOF
k wait deployment/redis -n "$ns" --for=condition=Available --timeout=90s >/dev/null || die "Deployment Available"
until_eq 30 2 get deployment redis -n "$ns" -o jsonpath='{.status.readyReplicas}' || die "2 ready replicas"
ok "Deployment redis Available, 2/2 ready; pods: $(k get pods -n "$ns" -o jsonpath='{range .items[*]}{.metadata.name}={.status.phase}/{.spec.nodeName}/{.status.podIP} {end}')"

# 3. + 4. Services
k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Service
metadata: {name: redis, namespace: $ns}
spec: {selector: {app: redis}, ports: [{port: 6379}]}
---
apiVersion: v1
kind: Service
metadata: {name: front, namespace: $ns}
spec: {type: LoadBalancer, selector: {app: redis}, ports: [{port: 80, targetPort: 6379}]}
EOF
ip="$(k get svc redis -n "$ns" -o jsonpath='{.spec.clusterIP}')"
{ [ -n "$ip" ] && [ "$ip" != None ]; } || die "ClusterIP allocated"
ok "Service redis ClusterIP $ip"
np="$(k get svc front -n "$ns" -o jsonpath='{.spec.ports[0].nodePort}')"
[ -n "$np" ] || die "LoadBalancer nodePort allocated"
until_eq 30 127.0.0.1 get svc front -n "$ns" -o jsonpath='{.status.loadBalancer.ingress[0].ip}' || die "LoadBalancer ingress IP (kwok stage)"
ok "Service front type LoadBalancer accepted: clusterIP $(k get svc front -n "$ns" -o jsonpath='{.spec.clusterIP}'), nodePort $np, ingress 127.0.0.1"
until_eq 30 xx get endpointslices -n "$ns" -l kubernetes.io/service-name=redis -o jsonpath='{range .items[*].endpoints[*]}x{end}' || die "EndpointSlice with 2 endpoints"
ok "EndpointSlice for redis has 2 endpoints"

# 8. garbage collection (before 5: the pods hold the claim)
k delete deployment redis -n "$ns" --wait=false >/dev/null
until_eq 60 "" get replicasets,pods -n "$ns" -l app=redis -o name || die "GC of ReplicaSet and pods"
ok "Deployment deleted: ReplicaSet and pods garbage-collected"

# 5. Retain
k delete pvc data-retain -n "$ns" --wait=true --timeout=60s >/dev/null || die "PVC data-retain deleted (pvc-protection finalizer)"
until_eq 60 Released get pv "$ns-retain" -o jsonpath='{.status.phase}' || die "PV Released"
[ -d "$vol/retain" ] || die "retained directory still there"
ok "PVC deleted; PV $ns-retain (Retain) Released, directory kept"
k delete pv "$ns-retain" --wait=true --timeout=60s >/dev/null || die "PV deleted"

# 6. Delete
{ pv "$ns-delete" "$vol/delete" Delete; echo ---; pvc data-delete "$ns-delete"; } | k apply -f - >/dev/null
until_eq 60 Bound get pvc data-delete -n "$ns" -o jsonpath='{.status.phase}' || die "PVC data-delete Bound"
touch "$vol/delete/file"
k delete pvc data-delete -n "$ns" --wait=true --timeout=60s >/dev/null
deadline=$((SECONDS + 60))
while k get pv "$ns-delete" >/dev/null 2>&1 && [ "$(k get pv "$ns-delete" -o jsonpath='{.status.phase}')" != Failed ] && [ $SECONDS -lt $deadline ]; do sleep 0.5; done
if k get pv "$ns-delete" >/dev/null 2>&1; then
  phase="$(k get pv "$ns-delete" -o jsonpath='{.status.phase}')"
  msg="$(k get pv "$ns-delete" -o jsonpath='{.status.message}')"
  echo "  note: PV $ns-delete (Delete, $vol/delete) is $phase: $msg" >&2
  case "$vol" in /tmp/?*) die "PV with reclaimPolicy Delete under /tmp was not deleted" ;; esac
  ok "PV with reclaimPolicy Delete outside /tmp: $phase (expected: the hostPath deleter only handles /tmp/.+)"
  k delete pv "$ns-delete" --wait=false >/dev/null
else
  [ -e "$vol/delete" ] && die "PV deleted but directory $vol/delete still there"
  ok "PVC deleted; PV $ns-delete (Delete) deleted and its directory removed by the hostPath deleter"
fi

# 7. dynamic provisioning (only with a default StorageClass)
sc="$(k get storageclass -o jsonpath='{range .items[?(@.metadata.annotations.storageclass\.kubernetes\.io/is-default-class=="true")]}{.metadata.name}{end}')"
if [ -n "$sc" ]; then
  k apply -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: $ns}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres:16, volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
EOF
  until_eq 60 Bound get pvc data-db-0 -n "$ns" -o jsonpath='{.status.phase}' || die "dynamically provisioned PVC Bound"
  until_eq 60 1 get statefulset db -n "$ns" -o jsonpath='{.status.readyReplicas}' || die "StatefulSet ready"
  pvname="$(k get pvc data-db-0 -n "$ns" -o jsonpath='{.spec.volumeName}')"
  path="$(k get pv "$pvname" -o jsonpath='{.spec.hostPath.path}')"
  [ -d "$path" ] || die "provisioned directory $path exists"
  ok "StorageClass $sc: PVC data-db-0 provisioned as $pvname ($path), StatefulSet db ready"
  k delete statefulset db -n "$ns" --wait=true --timeout=60s >/dev/null
  k delete pvc data-db-0 -n "$ns" --wait=true --timeout=60s >/dev/null
  deadline=$((SECONDS + 60))
  while k get pv "$pvname" >/dev/null 2>&1 && [ $SECONDS -lt $deadline ]; do sleep 0.5; done
  k get pv "$pvname" >/dev/null 2>&1 && die "provisioned PV $pvname not deleted"
  [ -e "$path" ] && die "provisioned directory $path not removed"
  ok "provisioned PV $pvname and $path deleted with the claim"
else
  ok "no default StorageClass: dynamic provisioning not checked (start.sh with E2E_STORAGECLASS=standard enables it)"
fi

# 9. namespace deletion (with a few objects left in it)
k create configmap leftover -n "$ns" --from-literal=a=b >/dev/null
k delete namespace "$ns" --wait=true --timeout=120s >/dev/null || die "namespace deletion"
ok "namespace $ns deleted"
rm -rf "$vol"
echo "smoke.sh: all checks passed in $((SECONDS - T0))s"
