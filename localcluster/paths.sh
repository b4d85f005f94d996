# shellcheck shell=bash
# Where npm start keeps the local cluster, the stack's file backend and its passphrase, and
# the env file a user's shell sources; the lock that lets one of npm start, stop and delete run at
# a time. Sourced by start.sh, stop.sh and delete.sh.
LOCAL_DIR="${MONSTERSTACK_LOCAL_DIR:-${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/local}"
LOCAL_CLUSTER="$LOCAL_DIR/cluster"
LOCAL_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/procs.sh
source "$LOCAL_REPO/localcluster/lib/procs.sh"

# with_local_lock COMMAND SCRIPT ARGS...: runs SCRIPT again holding $LOCAL_DIR/.lock, and exits
# with its status. Two terminals at once would otherwise start, stop or remove one cluster together.
# The lock is flock(1)'s alone (-o): the cluster's daemons that SCRIPT starts do not hold it.
with_local_lock() {
  [ -z "${MONSTERSTACK_LOCAL_LOCKED:-}" ] || return 0
  local command=$1 status=0
  shift
  mkdir -p "$LOCAL_DIR"
  MONSTERSTACK_LOCAL_LOCKED=1 flock -n -o -E 75 "$LOCAL_DIR/.lock" bash "$@" || status=$?
  [ "$status" != 75 ] ||
    echo "$command: another npm start, npm stop or npm run delete of $LOCAL_DIR is running (another terminal?); wait for it to end. Nothing was changed." >&2
  exit "$status"
}

local_cluster_running() {
  [ -s "$LOCAL_CLUSTER/pids" ] && [ -f "$LOCAL_CLUSTER/env" ] && [ -d "$LOCAL_CLUSTER/node" ] || return 1
  procs running "$LOCAL_CLUSTER/pids" >/dev/null || return 1 # every recorded process still runs
  kubectl --kubeconfig "$LOCAL_CLUSTER/kubeconfig" get --raw /readyz >/dev/null 2>&1
}

# $LOCAL_DIR/env: the toolchain, the cluster, the backend (a file one in $LOCAL_DIR unless
# the user is logged in somewhere) and the passphrase (a file of its own, mode 0600).
write_local_env() {
  mkdir -p "$LOCAL_DIR"
  chmod 700 "$LOCAL_DIR"
  # A shell that sourced this file already carries its values: they are still npm start's own.
  local backend=""
  if [ "${PULUMI_BACKEND_URL:-}" = "file://$LOCAL_DIR/state" ] || { [ -z "${PULUMI_BACKEND_URL:-}" ] && ! pulumi whoami >/dev/null 2>&1; }; then
    mkdir -p "$LOCAL_DIR/state"
    backend="export PULUMI_BACKEND_URL='file://$LOCAL_DIR/state'"
  fi
  local passphrase=""
  if [ "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" = "$LOCAL_DIR/passphrase" ] || [ -z "${PULUMI_CONFIG_PASSPHRASE:-}${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    [ -s "$LOCAL_DIR/passphrase" ] || (umask 077 && head -c 24 /dev/urandom | base64 >"$LOCAL_DIR/passphrase")
    passphrase="export PULUMI_CONFIG_PASSPHRASE_FILE='$LOCAL_DIR/passphrase'"
  fi
  (umask 077 && cat >"$LOCAL_DIR/env" <<ENV
# npm start's environment: source it to run pulumi and kubectl against the local cluster.
export MONSTERSTACK_E2E_CACHE='$MONSTERSTACK_E2E_CACHE'
source '$LOCAL_REPO/localcluster/toolchain/env.sh'
source '$LOCAL_CLUSTER/env'
$backend
$passphrase
ENV
  )
}
