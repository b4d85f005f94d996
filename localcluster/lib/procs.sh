# shellcheck shell=bash
# procs ARGS...: runs e2e-procs (procs/main.go: which recorded processes still run, and stopping
# them), built on first use into the cache, under a name that follows its source. Sourced by the
# scripts that start and stop the cluster's processes.
procs() {
  local src hash bin
  src="$(dirname "${BASH_SOURCE[0]}")/procs/main.go"
  hash="$(sha256sum "$src" | cut -c1-12)"
  bin="${MONSTERSTACK_E2E_CACHE:-$HOME/.cache/monsterstack-e2e}/procs-$hash/e2e-procs"
  if [ ! -x "$bin" ]; then
    mkdir -p "${bin%/*}"
    if ! (cd "${src%/*}" && GOTOOLCHAIN=local GOWORK=off GOFLAGS='' go build -trimpath -ldflags "-s -w" -o "$bin.$$" main.go); then
      echo "procs: cannot build $src" >&2
      return 2
    fi
    mv -f "$bin.$$" "$bin"
  fi
  "$bin" "$@"
}
