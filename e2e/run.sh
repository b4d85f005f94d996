#!/usr/bin/env bash
# npm run test:e2e: builds (or reuses) the Pulumi toolchain and the local control plane,
# starts a cluster on 127.0.0.1, runs the e2e suite with the real CLI, stops the cluster.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

t0=$(date +%s)
bash e2e/toolchain/build.sh
bash e2e/cluster/build.sh
t1=$(date +%s)
# shellcheck source=toolchain/env.sh
source e2e/toolchain/env.sh

state="$(mktemp -d "${TMPDIR:-/tmp}/monsterstack-e2e-cluster.XXXXXX")"
trap 'bash "$repo/e2e/cluster/stop.sh" "$state" >/dev/null 2>&1 || true' EXIT
# A default StorageClass "standard" that provisions hostPath volumes under /tmp, as minikube's does.
E2E_STORAGECLASS=standard bash e2e/cluster/start.sh "$state" >/dev/null
export KUBECONFIG="$state/kubeconfig"
t2=$(date +%s)

status=0
npx mocha --config e2e/mocharc.json || status=$?
t3=$(date +%s)
echo "e2e timings: toolchain+cluster build/check $((t1 - t0))s, cluster start $((t2 - t1))s, suite $((t3 - t2))s"
exit "$status"
