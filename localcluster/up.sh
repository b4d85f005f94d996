#!/usr/bin/env bash
# Starts the whole local cluster, our minikube: the control plane with kwok (controlplane/start.sh),
# minikube's storage provisioner and `standard` class (storage/start.sh), one real
# node running the e2e images (node/start.sh), and NetworkPolicy enforcement on it
# (netpol/start.sh). Needs root and setup.sh done.
#
# Usage: dir=$(bash localcluster/up.sh [STATEDIR]); source "$dir/env"; ...; bash localcluster/down.sh "$dir"
# $dir/env sets KUBECONFIG, the node's address (E2E_NODE_IP: NodePorts answer there) and
# the images to configure (E2E_REDIS_IMAGE, E2E_FRONTEND_IMAGE, E2E_IMAGEBACKEND_IMAGE).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state="${1:-$(mktemp -d "${TMPDIR:-/tmp}/monsterstack-cluster.XXXXXX")}"
trap 'echo "up.sh: failed; stopping what was started" >&2; bash "$here/down.sh" "$state" >/dev/null 2>&1' ERR

# LoadBalancer Services get the real node's address (node/common.sh), where kube-proxy answers.
E2E_LB_INGRESS_IP=10.200.0.2 bash "$here/controlplane/start.sh" "$state" >/dev/null
bash "$here/storage/start.sh" "$state" standard
bash "$here/node/start.sh" "$state" >/dev/null
bash "$here/netpol/start.sh" "$state"

images="${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/images/images.env"
# shellcheck source=/dev/null # images/build.sh's output
source "$images"
cat >>"$state/env" <<ENV
# the images the node has (loaded by hand, as with minikube image load): use imagePullPolicy Never
export E2E_REDIS_IMAGE='$REDIS_IMAGE' E2E_FRONTEND_IMAGE='$FRONTEND_IMAGE' E2E_IMAGEBACKEND_IMAGE='$IMAGEBACKEND_IMAGE'
ENV
echo "$state"
