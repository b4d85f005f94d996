#!/usr/bin/env bash
# Smoke test of the real node (node/start.sh) with the e2e images: in a fresh
# namespace, on node $E2E_REAL_NODE_NAME,
#  1. pods Running/Ready: redis (REDIS_IMAGE, Service "redis" of type NodePort)
#     and a client (REDIS_IMAGE running sleep), imagePullPolicy Never
#  2. kubectl logs redis shows "Ready to accept connections"
#  3. kubectl exec client: `getent hosts redis` and
#     `redis.<ns>.svc.cluster.local` give the Service's ClusterIP (CoreDNS)
#  4. kubectl exec client: `redis-cli -h redis ping` -> PONG (DNS, ClusterIP,
#     kube-proxy, pod-to-pod through the CNI bridge)
#  5. from the host netns: PING to $E2E_NODE_IP:<nodePort> -> +PONG (kube-proxy)
#  6. kubectl port-forward to the redis pod -> +PONG on 127.0.0.1
#  7. a pause-image pod (the sandbox image as a container) gets Ready
# The namespace is deleted at the end (also on failure). Exits 1 on the first
# failure. Needs the images' images.env (E2E_NODE_IMAGES or the e2e cache).
#
# Usage: bash e2e/node/smoke.sh STATEDIR
set -euo pipefail
state="${1:-${E2E_CLUSTER_DIR:-}}"
[ -f "$state/node/env" ] || { echo "usage: smoke.sh STATEDIR (with a node from node/start.sh)" >&2; exit 2; }
source "$state/node/env"
export KUBECONFIG="$state/kubeconfig"
imgs="${E2E_NODE_IMAGES:-${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/images}"
REDIS_IMAGE="$(. "$imgs/images.env" 2>/dev/null && echo "${REDIS_IMAGE:-}")" || true
[ -n "$REDIS_IMAGE" ] || { echo "smoke.sh: no REDIS_IMAGE in $imgs/images.env (build e2e/images)" >&2; exit 1; }
k() { "${KUBECTL:-kubectl}" "$@"; }
ns="node-smoke-$RANDOM"
T0=$SECONDS
ok() { printf '[node/smoke.sh +%3ss] ok: %s\n' "$((SECONDS - T0))" "$*"; }
die() { printf '[node/smoke.sh +%3ss] FAILED: %s\n' "$((SECONDS - T0))" "$*" >&2; k get pods -n "$ns" -o wide >&2; exit 1; }
pf=
cleanup() {
  [ -n "$pf" ] && kill "$pf" 2>/dev/null
  k delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
}
trap cleanup EXIT

k create namespace "$ns" >/dev/null
k apply -n "$ns" -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: redis, labels: {app: redis}}
spec:
  nodeSelector: {kubernetes.io/hostname: $E2E_REAL_NODE_NAME}
  containers: [{name: redis, image: "$REDIS_IMAGE", imagePullPolicy: Never,
    args: [redis-server, --protected-mode, "no"], ports: [{containerPort: 6379}],
    readinessProbe: {exec: {command: [redis-cli, ping]}, periodSeconds: 1}}]
---
apiVersion: v1
kind: Service
metadata: {name: redis}
spec: {type: NodePort, selector: {app: redis}, ports: [{port: 6379, targetPort: 6379}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeSelector: {kubernetes.io/hostname: $E2E_REAL_NODE_NAME}
  terminationGracePeriodSeconds: 0
  containers: [{name: client, image: "$REDIS_IMAGE", imagePullPolicy: Never, command: [sleep, infinity]}]
---
apiVersion: v1
kind: Pod
metadata: {name: pause}
spec:
  nodeSelector: {kubernetes.io/hostname: $E2E_REAL_NODE_NAME}
  terminationGracePeriodSeconds: 0
  containers: [{name: pause, image: "$E2E_PAUSE_IMAGE", imagePullPolicy: Never}]
EOF
k wait -n "$ns" --for=condition=Ready pod/redis pod/client pod/pause --timeout=120s >/dev/null || die "pods not Ready"
ok "pods redis, client, pause Running/Ready on $E2E_REAL_NODE_NAME"

k logs -n "$ns" redis | grep 'Ready to accept connections' >/dev/null || die "kubectl logs redis"
ok "kubectl logs"

cip="$(k get svc -n "$ns" redis -o jsonpath='{.spec.clusterIP}')"
for name in redis "redis.$ns.svc.cluster.local"; do
  got="$(k exec -n "$ns" client -- getent hosts "$name" | awk '{print $1}')" || die "kubectl exec getent hosts $name"
  [ "$got" = "$cip" ] || die "$name resolved to '$got', expected $cip"
done
ok "kubectl exec; redis and redis.$ns.svc.cluster.local resolve to $cip (CoreDNS)"

for _ in $(seq 20); do
  pong="$(k exec -n "$ns" client -- redis-cli -h redis ping 2>&1)" && [ "$pong" = PONG ] && break
  sleep 0.5
done
[ "$pong" = PONG ] || die "redis-cli -h redis ping from a pod: $pong"
ok "pod -> Service redis (ClusterIP $cip): PONG"

redis_ping() { # host port: PING over plain TCP from this (host) network namespace
  timeout 5 bash -c 'exec 3<>/dev/tcp/$0/$1; printf "PING\r\n" >&3; head -c 5 <&3' "$1" "$2" 2>/dev/null
}
np="$(k get svc -n "$ns" redis -o jsonpath='{.spec.ports[0].nodePort}')"
for _ in $(seq 20); do [ "$(redis_ping "$E2E_NODE_IP" "$np")" = "+PONG" ] && break; sleep 0.5; done
[ "$(redis_ping "$E2E_NODE_IP" "$np")" = "+PONG" ] || die "NodePort $E2E_NODE_IP:$np from the host"
ok "host -> NodePort $E2E_NODE_IP:$np: +PONG"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
k port-forward -n "$ns" pod/redis "$port:6379" >/dev/null 2>&1 &
pf=$!
for _ in $(seq 40); do [ "$(redis_ping 127.0.0.1 "$port")" = "+PONG" ] && break; sleep 0.25; done
[ "$(redis_ping 127.0.0.1 "$port")" = "+PONG" ] || die "kubectl port-forward to redis"
ok "kubectl port-forward 127.0.0.1:$port -> redis: +PONG"
echo "node smoke test passed in $((SECONDS - T0))s"
