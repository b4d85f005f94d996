#!/usr/bin/env bash
# npm run test:e2e [-- SPEC...]: the e2e suite (or the specs named), with the real Pulumi CLI.
# By default on the local cluster: readies the machine (localcluster/setup.sh), starts the
# cluster with its real node in the suite's slot (localcluster/up.sh, slot 1), runs the suite
# and, beside it, `npm start`'s own spec (its cluster takes slot 0, npm start's), then stops the
# cluster and gives the host back as it was. With E2E_KUBECONFIG, on that cluster instead (a
# minikube, a kind): nothing is built or started (docs/testing.md).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
# The trainees' stacks are passphrase-protected, as `pulumi stack init` makes them; a test passphrase.
export PULUMI_CONFIG_PASSPHRASE=monsterstack-e2e-passphrase
# Marks the processes this run starts (they inherit it): those left at the end are this run's, not
# those of another run on the machine (npm start's spec runs the suite on its own cluster).
MONSTERSTACK_E2E_RUN="$$.$(date +%s%N)" && export MONSTERSTACK_E2E_RUN

# The specs run side by side, each in namespaces and a backend of its own (docs/testing.md).
# Longest first: mocha hands the files to its workers in this order, and the last to start ends the run.
LONGEST_FIRST=(course retain class namespaces namespaceHistory backup classInterrupted stacks traineeStack isolation)
if [ "$#" -gt 0 ]; then
  specs=("$@")
else
  specs=("${LONGEST_FIRST[@]/#/e2e/}") && specs=("${specs[@]/%/.e2e.ts}")
  for spec in e2e/*.e2e.ts; do [[ " ${specs[*]} " == *" $spec "* ]] || specs+=("$spec"); done
fi

t0=$(date +%s)
if [ -n "${E2E_KUBECONFIG:-}" ]; then
  missing=""
  for var in E2E_REDIS_IMAGE E2E_FRONTEND_IMAGE E2E_IMAGEBACKEND_IMAGE E2E_NODE_IP; do [ -n "${!var:-}" ] || missing+=" $var"; done
  command -v pulumi >/dev/null || missing+=" pulumi (a Pulumi CLI on PATH)"
  [ -z "$missing" ] || { echo "e2e: on the cluster of E2E_KUBECONFIG, these are needed:$missing (docs/testing.md). Nothing was run." >&2; exit 2; }
  export KUBECONFIG="$E2E_KUBECONFIG"
  # Not the local cluster's, even from a shell that sourced its env: its specs are skipped.
  unset E2E_CLUSTER_DIR E2E_NODE_NETNS
  MONSTERSTACK_PULUMI_TOOLCHAIN="$(dirname "$(readlink -f "$(command -v pulumi)")")"
  export MONSTERSTACK_PULUMI_TOOLCHAIN
  state=""
else
  bash localcluster/setup.sh
  # shellcheck source=../localcluster/toolchain/env.sh
  source localcluster/toolchain/env.sh
  state="$(mktemp -d "${TMPDIR:-/tmp}/monsterstack-e2e-cluster.XXXXXX")"
  trap 'bash "$repo/localcluster/down.sh" "$state" >/dev/null 2>&1 || true' EXIT
  E2E_NODE_SLOT=1 bash localcluster/up.sh "$state" >/dev/null
  # shellcheck source=/dev/null # written by localcluster/up.sh at run time
  source "$state/env"
fi
t1=$(date +%s)

status=0
# npm start's spec, on a cluster of its own in the other slot, while the suite runs: each leaves
# the other's CPU idle at times. Its report follows the suite's.
npm_start_pid=
if [ -n "$state" ] && [ "$#" = 0 ]; then
  npm_start_log="$(mktemp "${TMPDIR:-/tmp}/monsterstack-e2e-npmstart.XXXXXX")"
  npx mocha --config e2e/local/mocharc.json >"$npm_start_log" 2>&1 &
  npm_start_pid=$!
fi
[ "${#specs[@]}" = 0 ] || npx mocha --config e2e/mocharc.json "${specs[@]}" || status=$?
t2=$(date +%s)
if [ -n "$npm_start_pid" ]; then
  wait "$npm_start_pid" || status=1
  cat "$npm_start_log"
  rm -f "$npm_start_log"
fi
t3=$(date +%s)
[ -z "$state" ] || bash localcluster/down.sh "$state" >/dev/null 2>&1

# Every Pulumi process the suite started (CLI, language host, plugins) must be gone by now:
# one left behind is a test that does not stop what it started.
# shellcheck source=lib/leftovers.sh
source "$repo/e2e/lib/leftovers.sh"
for _ in 1 2 3 4 5; do [ -z "$(toolchain_processes "$MONSTERSTACK_PULUMI_TOOLCHAIN" "$MONSTERSTACK_E2E_RUN")" ] && break; sleep 1; done
left="$(toolchain_processes "$MONSTERSTACK_PULUMI_TOOLCHAIN" "$MONSTERSTACK_E2E_RUN")"
if [ -n "$left" ]; then
  printf 'e2e: these Pulumi processes outlived the suite (killed now):\n%s\n' "$left" >&2
  mapfile -t pids < <(cut -d' ' -f1 <<<"$left")
  kill -9 "${pids[@]}" 2>/dev/null || true
  status=1
fi
echo "e2e timings: setup and cluster start $((t1 - t0))s, specs side by side $((t2 - t1))s, then npm start's spec $((t3 - t2))s more"
exit "$status"
