#!/usr/bin/env bash
# npm run bench:class: a class of 30 brought up and torn down by `npm run class` on the local
# cluster with fake nodes (control plane, minikube's storage provisioner and kwok, no real
# node), against the floor of `kubectl apply` of the same stacks' rendered YAML. Prints the
# figures of bench/classBench.ts, or of the bench given as $1 on the same cluster
# (npm run bench:cancel: bench/cancelBench.ts). Builds what is missing first (localcluster/:
# toolchain, controlplane, storage).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash localcluster/toolchain/build.sh >/dev/null
bash localcluster/controlplane/build.sh >/dev/null
bash localcluster/storage/build.sh >/dev/null
# shellcheck source=../localcluster/toolchain/env.sh
source localcluster/toolchain/env.sh
export PULUMI_CONFIG_PASSPHRASE=monsterstack-bench-passphrase

state="$(mktemp -d "${TMPDIR:-/tmp}/monsterstack-bench-cluster.XXXXXX")"
trap 'bash "$repo/localcluster/down.sh" "$state" >/dev/null 2>&1 || true' EXIT
bash localcluster/controlplane/start.sh "$state" >/dev/null 2>&1
bash localcluster/storage/start.sh "$state" standard 2>/dev/null
# shellcheck source=/dev/null # written by controlplane/start.sh and storage/start.sh at run time
source "$state/env"
# 30 trainees run 120 pods; one fake node takes 110.
for i in 1 2; do
  sed "s/\${NODE_NAME}/kwok-node-$i/g" localcluster/controlplane/kwok/node.yaml | kubectl create -f - >/dev/null
done
kubectl wait --for=condition=Ready node --all --timeout=60s >/dev/null
npx ts-node "${1:-bench/classBench.ts}"
