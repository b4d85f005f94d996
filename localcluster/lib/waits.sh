# shellcheck shell=bash
# alive, wait_for and elapsed of the scripts that start the cluster's processes (controlplane/start.sh
# and node/start.sh, through their procs.sh and common.sh), sourced. Expects, by the time they run:
# procs_dir (the folder holding pids and logs/), TIMEOUT, t_start, and fail and log.
pid_of() { awk -v n="$1" '$1 == n { print $2 }' "${procs_dir:?}/pids"; }
alive() { # NAME: fails unless the recorded NAME still runs
  kill -0 "$(pid_of "$1")" 2>/dev/null || fail "$1 exited; see $procs_dir/logs/$1.log"
}
wait_for() { # WHAT COMPONENT CMD...: polls CMD; aborts if COMPONENT dies, or after TIMEOUT seconds
  local what=$1 comp=$2 deadline=$((SECONDS + TIMEOUT))
  shift 2
  until "$@" >/dev/null 2>&1; do
    alive "$comp"
    [ $SECONDS -lt $deadline ] || fail "timed out after ${TIMEOUT}s waiting for $what"
    sleep 0.5
  done
  log "$what: ok ($(elapsed)s since start)"
}
elapsed() { python3 -c "import time; print(round(time.time() - ${t_start:?}, 1))"; }
