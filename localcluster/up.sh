#!/usr/bin/env bash
# Starts the whole local cluster, our minikube, in ordered, named steps, as kind creates a cluster:
#
#   controlplane  etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok on
#                 127.0.0.1 (controlplane/start.sh); LoadBalancer Services get the real node's
#                 address (node/common.sh), where kube-proxy answers
#   storage       minikube's storage provisioner and its default class `standard` (storage/start.sh)
#   node          one real node running the images (node/start.sh), in the slot of E2E_NODE_SLOT
#                 (lib/slot.sh: 0, npm start's, unless set; the e2e suite's is 1)
#   netpol        NetworkPolicy enforcement on that node (netpol/start.sh)
#   loadbalancer  with --cloud only: MetalLB's controller gives each LoadBalancer Service an
#                 address of its own, routed to the node (loadbalancer/start.sh)
#   images-env    the images the node has, appended to STATEDIR/env
#
# --cloud makes it behave as a managed cluster: the default StorageClass binds a claim when its
# first pod is scheduled (volumeBindingMode WaitForFirstConsumer), and load balancers come from
# MetalLB instead of kwok's stamp of the node's address. The mode is the cluster's for good:
# a stopped cluster resumes in the mode it was created in (STATEDIR/mode), else up.sh refuses.
#
# Each step prints "[up <name>] ..." on stderr when it begins and when it is done, with its time;
# the steps' own progress lines come between (node/start.sh's "node e2e-node ready in <n>s"
# among them: npm start reads it). On a failure or Ctrl-C, down.sh stops what was started.
# Needs root and setup.sh done.
#
# Usage: dir=$(bash localcluster/up.sh [--cloud] [STATEDIR]); source "$dir/env"; ...; bash localcluster/down.sh "$dir"
# A STATEDIR that `down.sh --keep` stopped is resumed: same objects, same volumes (controlplane/start.sh).
# STATEDIR is printed on the last line of stdout (the only thing up.sh prints there). $dir/env sets
# KUBECONFIG, the node's address (E2E_NODE_IP: NodePorts answer there) and the images to
# configure (E2E_REDIS_IMAGE, E2E_FRONTEND_IMAGE, E2E_IMAGEBACKEND_IMAGE).
set -Eeuo pipefail # -E: the ERR trap below fires inside step() too
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mode=plain
[ "${1:-}" = --cloud ] && { mode=cloud; shift; }
state="${1:-$(mktemp -d "${TMPDIR:-/tmp}/monsterstack-cluster.XXXXXX")}"
# The same command twice: the cluster that runs there is left alone (the failure trap below would stop it).
# shellcheck source=lib/procs.sh
source "$here/lib/procs.sh"
still="$(procs running "$state/pids" | head -n1)" || true
[ -z "$still" ] || { echo "up.sh: $state already has a running cluster ($still); nothing was changed. To start it again: bash $here/down.sh $state, then up.sh" >&2; exit 1; }
# A cluster keeps the mode it was created in: its StorageClass and its load balancers' objects are made for it.
was="$(cat "$state/mode" 2>/dev/null || { [ -s "$state/ports" ] && echo plain; } || true)"
if [ -n "$was" ] && [ "$was" != "$mode" ]; then
  with() { [ "$1" = cloud ] && echo "with --cloud" || echo "without --cloud"; }
  echo "up.sh: the cluster in $state was created $(with "$was"); it cannot resume $(with "$mode"). Nothing was changed, its data is kept. Start it $(with "$was"), or delete it first (npm run delete, or bash $here/down.sh $state) for a new one." >&2
  exit 1
fi
current=
# A stopped cluster's directory (down.sh --keep) is resumed; a failure then keeps its data too.
keep=
[ -s "$state/ports" ] && keep=--keep
trap 'echo "up.sh: step ${current:-?} failed; stopping what was started${keep:+ (the data is kept)}" >&2; bash "$here/down.sh" $keep "$state" >/dev/null 2>&1' ERR
# shellcheck source=lib/slot.sh
source "$here/lib/slot.sh"
mkdir -p "$state"
[ -n "$keep" ] || record_slot "$state" # a new cluster takes E2E_NODE_SLOT's; a resumed one keeps its own
use_slot "$state"

t_up=$SECONDS
# step <name> <command...>: runs one step; its stdout is dropped (STATEDIR is up.sh's only output).
step() {
  current=$1
  shift
  local t0=$SECONDS
  echo "[up $current] starting" >&2
  "$@" >/dev/null
  echo "[up $current] done in $((SECONDS - t0))s" >&2
}

# The images' references, from images/build.sh's output, for the stack's settings.
images_env() {
  local images="${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/images/images.env"
  # A failed `source` would end up.sh without the ERR trap, leaving the cluster running.
  [ -f "$images" ] || { echo "up.sh: $images is missing: bash $here/images/build.sh" >&2; return 1; }
  # shellcheck source=/dev/null # images/build.sh's output
  source "$images"
  cat >>"$state/env" <<ENV
# the images the node has (loaded by hand, as with minikube image load): use imagePullPolicy Never
export E2E_REDIS_IMAGE='$REDIS_IMAGE' E2E_FRONTEND_IMAGE='$FRONTEND_IMAGE' E2E_IMAGEBACKEND_IMAGE='$IMAGEBACKEND_IMAGE'
ENV
}

record_mode() { echo "$mode" >"$state/mode" && echo "export E2E_CLUSTER_MODE=$mode" >>"$state/env"; }
if [ "$mode" = cloud ]; then
  step controlplane env E2E_LB_INGRESS_IP=none bash "$here/controlplane/start.sh" "$state"
  step mode record_mode
  step storage env E2E_VOLUME_BINDING_MODE=WaitForFirstConsumer bash "$here/storage/start.sh" "$state" standard
else
  step controlplane env E2E_LB_INGRESS_IP="$NODE_IP" bash "$here/controlplane/start.sh" "$state"
  step mode record_mode
  step storage bash "$here/storage/start.sh" "$state" standard
fi
step node bash "$here/node/start.sh" "$state"
step netpol bash "$here/netpol/start.sh" "$state"
[ "$mode" = plain ] || step loadbalancer bash "$here/loadbalancer/start.sh" "$state"
step images-env images_env
echo "[up] cluster ready in $((SECONDS - t_up))s: source $state/env" >&2
echo "$state"
