# shellcheck shell=bash
# The local cluster's scripts' shared helpers (sourced). The caller sets LOG_PREFIX first, e.g.
#   LOG_PREFIX=storage/build.sh; source "$here/../lib/common.sh"
#   log MSG...   prints "[<LOG_PREFIX> HH:MM:SS] MSG" on stderr
#   die MSG...   the same, then exit 1
#   k ARGS...    kubectl (${KUBECTL:-kubectl}) with the kubeconfig $kc
#   procs ARGS... which recorded processes still run, and stopping them (procs.sh)
log() { printf '[%s %(%H:%M:%S)T] %s\n' "${LOG_PREFIX:-${0##*/}}" -1 "$*" >&2; }
die() { log "$*"; exit 1; }
k() { "${KUBECTL:-kubectl}" --kubeconfig "${kc:?k: kc (the kubeconfig) is not set}" "$@"; }
# shellcheck source=procs.sh
source "$(dirname "${BASH_SOURCE[0]}")/procs.sh"
