# shellcheck shell=bash
# toolchain_processes TOOLCHAIN RUN: the processes still running an executable of TOOLCHAIN (the
# folder of the Pulumi CLI and its plugins) that this run started, one "PID EXE" a line; those of
# another run on the machine (npm start's spec runs the suite on its own cluster) are not listed.
# Sourced by run.sh; PROC_ROOT is for its test. Always returns 0: run.sh reads it under `set -e`,
# where the status of its last check (a process of another run, or gone) would end the run.
toolchain_processes() {
  local toolchain=$1 run=$2 proc=${PROC_ROOT:-/proc} exe target pid
  for exe in "$proc"/[0-9]*/exe; do
    target=$(readlink "$exe" 2>/dev/null) || continue
    pid=${exe#"$proc"/} && pid=${pid%/exe}
    case $target in
      "$toolchain"/*)
        if tr '\0' '\n' 2>/dev/null <"$proc/$pid/environ" | grep -qxF "MONSTERSTACK_E2E_RUN=$run"; then
          echo "$pid $target"
        fi ;;
    esac
  done
  return 0
}
