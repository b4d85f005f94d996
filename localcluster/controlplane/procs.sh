# shellcheck shell=bash
# Process helpers of start.sh (sourced): fail (shows the logs' tails and stops what was
# started), run (starts a component detached, records its PID), crashed_with, forget; alive, wait_for
# and elapsed from ../lib/waits.sh. Expects: state, here, t_start, and log from ../lib/common.sh.
: "${state:?}" "${here:?}" "${t_start:?}"
procs_dir=$state
# shellcheck source=../lib/waits.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/waits.sh"
TIMEOUT="${E2E_START_TIMEOUT:-180}" # seconds, per wait

fail() {
  log "$*"
  for f in "$state"/logs/*.log; do
    [ -f "$f" ] || continue
    echo "---- tail of $f" >&2
    tail -n 25 "$f" >&2
  done
  if [ -z "${E2E_KEEP_ON_FAILURE:-}" ]; then
    bash "$here/../down.sh" "$state" >&2 || true
  else
    log "E2E_KEEP_ON_FAILURE set: left running; bash $here/../down.sh $state"
  fi
  exit 1
}
# run <name> <command...>: starts it detached (own session), logs to logs/<name>.log
run() {
  local name=$1
  shift
  setsid "$@" >"$state/logs/$name.log" 2>&1 </dev/null &
  echo "$name $!" >>"$state/pids"
  log "$name started (pid $!)"
}
# crashed_with <name> <ERE>: <name> has exited, and its log says why in words matching <ERE>.
crashed_with() {
  ! kill -0 "$(pid_of "$1")" 2>/dev/null && grep -Eq "$2" "$state/logs/$1.log"
}
# forget <name>: of an exited component, keeps the log as <name>-crashed.log and drops the PID, which
# down.sh would otherwise signal once the kernel has given it to another process.
forget() {
  mv "$state/logs/$1.log" "$state/logs/$1-crashed.log"
  sed -i "/^$1 /d" "$state/pids"
}
