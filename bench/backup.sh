#!/usr/bin/env bash
# npm run bench:backup: `class backup` and `class restore` of one trainee and of a class on the
# whole local cluster (real node: Redis must really run), against the floor typed by hand,
# `kubectl exec … redis-cli --rdb -`. Prints the figures of bench/backupBench.ts. Readies the
# machine first (localcluster/setup.sh); the real node allows one such cluster per machine.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash localcluster/setup.sh >/dev/null
# shellcheck source=../localcluster/toolchain/env.sh
source localcluster/toolchain/env.sh
export PULUMI_CONFIG_PASSPHRASE=monsterstack-bench-passphrase

state="$(mktemp -d "${TMPDIR:-/tmp}/monsterstack-bench-backup.XXXXXX")"
trap 'bash "$repo/localcluster/down.sh" "$state" >/dev/null 2>&1 || true' EXIT
bash localcluster/up.sh "$state" >/dev/null
# shellcheck source=/dev/null # written by localcluster/up.sh at run time
source "$state/env"
npm run --silent build
npx ts-node bench/backupBench.ts
