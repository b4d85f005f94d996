#!/usr/bin/env bash
# npm run bench:backup: `class backup` and `class restore` of one trainee and of a class on the
# whole local cluster (real node: Redis must really run), against the floor typed by hand,
# `kubectl exec … redis-cli --rdb -`. Prints the figures of bench/backupBench.ts. Readies the
# machine first (e2e/setup.sh); the real node allows one such cluster per machine.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash e2e/setup.sh >/dev/null
# shellcheck source=../e2e/toolchain/env.sh
source e2e/toolchain/env.sh
export PULUMI_CONFIG_PASSPHRASE=monsterstack-bench-passphrase

state="$(mktemp -d "${TMPDIR:-/tmp}/monsterstack-bench-backup.XXXXXX")"
trap 'bash "$repo/e2e/cluster/stop.sh" "$state" >/dev/null 2>&1 || true' EXIT
bash e2e/cluster/up.sh "$state" >/dev/null
# shellcheck source=/dev/null # written by e2e/cluster/up.sh at run time
source "$state/env"
npm run --silent build
npx ts-node bench/backupBench.ts
