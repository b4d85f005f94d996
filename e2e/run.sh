#!/usr/bin/env bash
# npm run test:e2e: readies the machine (localcluster/setup.sh: packages, builds, images), starts the
# local cluster with its real node (localcluster/up.sh), runs the e2e suite with the real
# Pulumi CLI, then stops the cluster and gives the host back as it was.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

t0=$(date +%s)
bash localcluster/setup.sh
t1=$(date +%s)
# shellcheck source=../localcluster/toolchain/env.sh
source localcluster/toolchain/env.sh
# The trainees' stacks are passphrase-protected, as `pulumi stack init` makes them; a test passphrase.
export PULUMI_CONFIG_PASSPHRASE=monsterstack-e2e-passphrase
state="$(mktemp -d "${TMPDIR:-/tmp}/monsterstack-e2e-cluster.XXXXXX")"
trap 'bash "$repo/localcluster/down.sh" "$state" >/dev/null 2>&1 || true' EXIT
bash localcluster/up.sh "$state" >/dev/null
# shellcheck source=/dev/null # written by localcluster/up.sh at run time
source "$state/env"
t2=$(date +%s)

status=0
# The specs run side by side (mocharc.json: each in its own namespaces and backend), then those
# that need the cluster to themselves one at a time (mocharc.alone.json).
npx mocha --config e2e/mocharc.json || status=$?
t_concurrent=$(date +%s)
if [ "$status" = 0 ]; then npx mocha --config e2e/mocharc.alone.json || status=$?; fi
# npm start runs a local cluster of its own, and a machine has one real node: the suite's goes first.
bash localcluster/down.sh "$state" >/dev/null 2>&1
t3=$(date +%s)
if [ "$status" = 0 ]; then npx mocha --config e2e/local/mocharc.json || status=$?; fi
t4=$(date +%s)

# Every Pulumi process the suite started (CLI, language host, plugins) must be gone by now:
# one left behind is a test that does not stop what it started.
toolchain_processes() {
  local exe target
  for exe in /proc/[0-9]*/exe; do
    target=$(readlink "$exe" 2>/dev/null) || continue
    case $target in "$MONSTERSTACK_PULUMI_TOOLCHAIN"/*) exe=${exe#/proc/}; echo "${exe%/exe} $target" ;; esac
  done
}
for _ in 1 2 3 4 5; do [ -z "$(toolchain_processes)" ] && break; sleep 1; done
left="$(toolchain_processes)"
if [ -n "$left" ]; then
  printf 'e2e: these Pulumi processes outlived the suite (killed now):\n%s\n' "$left" >&2
  mapfile -t pids < <(cut -d' ' -f1 <<<"$left")
  kill -9 "${pids[@]}" 2>/dev/null || true
  status=1
fi
echo "e2e timings: setup (installs, builds) $((t1 - t0))s, cluster and node start $((t2 - t1))s, suite $((t3 - t2))s (side by side $((t_concurrent - t2))s), npm start and stop $((t4 - t3))s"
exit "$status"
