#!/usr/bin/env bash
# bash bench/realNode.sh BENCH.ts: runs a benchmark that needs the whole local cluster (the
# real node: the pods must really run), and prints its figures: `npm run bench:backup`
# (bench/backupBench.ts), `npm run bench:up` (bench/upBench.ts). Readies the machine first
# (localcluster/setup.sh); it takes the e2e suite's slot (localcluster/lib/slot.sh).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash localcluster/setup.sh >/dev/null
# shellcheck source=../localcluster/toolchain/env.sh
source localcluster/toolchain/env.sh
export PULUMI_CONFIG_PASSPHRASE=monsterstack-bench-passphrase

state="$(mktemp -d "${TMPDIR:-/tmp}/monsterstack-bench-node.XXXXXX")"
trap 'bash "$repo/localcluster/down.sh" "$state" >/dev/null 2>&1 || true' EXIT
E2E_NODE_SLOT=1 bash localcluster/up.sh "$state" >/dev/null # the e2e suite's slot: npm start's may run
# shellcheck source=/dev/null # written by localcluster/up.sh at run time
source "$state/env"
npm run --silent build
npx ts-node "${1:?usage: bench/realNode.sh BENCH.ts}"
