#!/usr/bin/env bash
# npm start: the app on this project's own local cluster (our minikube), from a bare machine.
# Readies the machine (setup.sh), starts the local cluster unless it runs, selects stack
# `dev` (created with the node's images) in a file backend of the project's cache unless
# you are logged in somewhere, runs `pulumi up --yes`, and prints the frontend's URL.
# Run again, it changes nothing. npm stop (stop.sh) stops the cluster and keeps its data: npm start
# then resumes it. npm run delete (delete.sh) removes it.
# npm start -- --cloud: the cluster behaves as a managed one (up.sh --cloud: WaitForFirstConsumer
# storage, MetalLB's load balancers) and stack dev deploys with target=cloud; the URL is its load
# balancer's. A cluster keeps the mode it was created in.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
[ "$(id -u)" = 0 ] || { echo "npm start: the local cluster's real node needs root (containerd, a network namespace, iptables): run it as root. Nothing was changed." >&2; exit 1; }
# shellcheck source=paths.sh
source localcluster/paths.sh
with_local_lock "npm start" "$0" "$@"
mode=plain
for arg in "$@"; do
  case "$arg" in
    --cloud) mode=cloud ;;
    *) echo "npm start: unknown option $arg (the only one is --cloud: npm start -- --cloud). Nothing was changed." >&2; exit 2 ;;
  esac
done
# The local cluster, running or stopped, keeps the mode it was created in (up.sh refuses too; said here first).
was="$(cat "$LOCAL_CLUSTER/mode" 2>/dev/null || { [ -s "$LOCAL_CLUSTER/ports" ] && echo plain; } || true)"
if [ -n "$was" ] && [ "$was" != "$mode" ]; then
  flag() { [ "$1" = cloud ] && echo "npm start -- --cloud" || echo "npm start"; }
  echo "npm start: the local cluster in $LOCAL_CLUSTER was made by $(flag "$was"); it cannot become $([ "$mode" = cloud ] && echo "a --cloud one" || echo "a plain one"). Nothing was changed, its data is kept. Run $(flag "$was"), or npm run delete (its volumes too) and then $(flag "$mode")." >&2
  exit 1
fi
target=minikube
DEV_NODE_PORT=30080  # stack dev's frontend: http://<node>:30080/
[ "$mode" = plain ] || target=cloud

t0=$SECONDS
step() { printf '[npm start %dm%02ds] %s\n' $(((SECONDS - t0) / 60)) $(((SECONDS - t0) % 60)) "$*" >&2; }

step "1/4 readying the machine: packages, the Pulumi toolchain, the cluster and the images (cold: 21 to 30 min; then seconds); next: the local cluster"
setup_log="$(mktemp "${TMPDIR:-/tmp}/monsterstack-setup.XXXXXX")"
# setup.sh's steps, and under them each binary a cold build starts and ends (the longest, kube-apiserver, about 7 min).
if ! bash localcluster/setup.sh 2>&1 | tee "$setup_log" | grep --line-buffered -E '^\[setup |^\[[a-z]+/build\.sh [0-9:]+\] .*: (building|built in) ' \
    | sed -u 's/^\[\([a-z]*\/build\.sh\)/    [\1/' >&2; then
  tail -n 40 "$setup_log" >&2
  echo "npm start: localcluster/setup.sh failed (its last lines above; the whole log: $setup_log)" >&2
  exit 1
fi
rm -f "$setup_log"
# shellcheck source=toolchain/env.sh
source localcluster/toolchain/env.sh

# The program runs compiled (Pulumi.yaml): this clone's sources, as they are, built while the cluster
# starts, unless bin/ is newer than all of them (as after npm ci, whose prepare step built it).
build_log="$(mktemp "${TMPDIR:-/tmp}/monsterstack-build.XXXXXX")"
{ node bin/startup/buildIsFresh.js || npm run --silent build; } >"$build_log" 2>&1 &
build_pid=$!
trap 'wait "$build_pid" 2>/dev/null || true; rm -f "$build_log"' EXIT  # never a build left running

step "2/4 the local cluster in $LOCAL_CLUSTER (next: stack dev)"
refresh=
if local_cluster_running; then
  step "    already running: reused"
else
  bash localcluster/down.sh --keep "$LOCAL_CLUSTER" >/dev/null 2>&1 || true  # what a crash or a reboot left running; the data stays
  mkdir -p "$LOCAL_DIR"
  cloud=
  [ "$mode" = plain ] || cloud=--cloud
  E2E_NODE_SLOT=0 bash localcluster/up.sh $cloud "$LOCAL_CLUSTER" >/dev/null 2>"$LOCAL_DIR/cluster-start.log" \
    || { tail -n 30 "$LOCAL_DIR/cluster-start.log" >&2; echo "npm start: the local cluster did not start (above; the whole log: $LOCAL_DIR/cluster-start.log). Its data is kept; npm run delete removes it, volumes and all, for a new cluster" >&2; exit 1; }
  how=started
  # A new cluster (the first, or after npm run delete): stack dev's state may name objects of the
  # deleted one; `pulumi up --refresh` forgets those first.
  refresh=--refresh
  grep -q "resuming the cluster stopped in" "$LOCAL_DIR/cluster-start.log" && { how="resumed with its data"; refresh=; }
  step "    $how (the node ready in $(sed -n 's/.*node e2e-node ready in \([0-9.]*s\).*/\1/p' "$LOCAL_DIR/cluster-start.log"))"
fi
write_local_env
# shellcheck source=/dev/null # written just above
source "$LOCAL_DIR/env"

step "3/4 stack dev, in $(pulumi whoami --verbose 2>/dev/null | sed -n 's/^Backend URL: //p') (next: pulumi up)"
pulumi stack select dev --create >/dev/null
# One `pulumi config set-all`, not a `config set` each: every `pulumi` run costs about 0.2 s of CPU.
settings=(--plaintext "target=$target")
for tier in redis frontend imagebackend; do
  ref_var="E2E_${tier^^}_IMAGE"
  settings+=(--plaintext "${tier}Image=${!ref_var}" --plaintext "${tier}ImagePullPolicy=Never")
done
# The URL printed below stays the app's through the course's `pulumi destroy` and `pulumi up`, as
# `minikube service`'s does: a fixed nodePort, unless the user chose one (Pulumi.yaml's default, 0, lets Kubernetes pick).
case "$(pulumi config get frontendNodePort 2>/dev/null)" in "" | 0) settings+=(--plaintext "frontendNodePort=$DEV_NODE_PORT") ;; esac
pulumi config set-all "${settings[@]}"

wait "$build_pid" || { cat "$build_log" >&2; echo "npm start: npm run build failed (above): fix the sources, then npm start again. The cluster runs." >&2; exit 1; }
step "4/4 pulumi up --yes${refresh:+ $refresh}"
pulumi up --yes $refresh

namespace="$(pulumi stack output namespaceName)"
# A resumed cluster starts the app's pods again: the app answers once they are Ready.
for workload in $(kubectl get deployments,statefulsets -n "$namespace" -o name); do
  kubectl rollout status -n "$namespace" "$workload" --timeout=180s >/dev/null
done
if [ "$mode" = cloud ]; then
  url="$(pulumi stack output frontendUrl)/"  # its load balancer's address
else
  node_port="$(kubectl get service frontend -n "$namespace" -o jsonpath='{.spec.ports[0].nodePort}')"
  url="http://$E2E_NODE_IP:$node_port/"
fi
step "done: the app answers at $url"
cat <<TRY

The app: $url

Try the course's exercise in a shell of your own (first: source $LOCAL_DIR/env):
  curl -s $url | grep visits     # the visit counter
  kubectl delete pod -n $namespace -l app.kubernetes.io/name=redis     # Redis restarts on its volume
  kubectl get pods -n $namespace -w     # until redis is Running again (Ctrl-C), then curl: the counter carries on
  pulumi config set reclaimPolicy Retain && pulumi preview --diff     # two in-place updates, nothing replaced
  npm run lab     # the course's exercise, step by step, each judged on this cluster (-- --lang en)
npm stop stops the local cluster and keeps its data (npm start resumes it); npm run delete removes it (localcluster/README.md).
TRY
