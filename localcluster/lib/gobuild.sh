# shellcheck shell=bash
# How every binary of the local cluster is compiled; sourced by the build.sh of toolchain/,
# controlplane/, node/, storage/ and netpol/.
#
#   e2e_go_build <output> <package> <extra ldflags> [extra go build flags...]
#
# Cold, these builds are CPU-bound (go build kept 2 cores 94% busy), so the only way to a
# shorter cold CI is less compiler work:
#   - -gcflags=all=-dwarf=false: the binaries are stripped (-s -w), so the debug information
#     the compiler wrote was thrown away at link time anyway (the build ID and the
#     layout differ, so not byte-for-byte the same file);
#   - GOGC=off for the compiler and linker (they are Go programs), bounded by GOMEMLIMIT so
#     that a huge package still collects.
# Together they cut the CPU time of a build (npm run bench:gobuild; docs/measurements.md).
e2e_go_build() {
  local out=$1 pkg=$2 ldflags=$3
  shift 3
  GOGC=off GOMEMLIMIT=3GiB go build -p 2 -trimpath -gcflags=all=-dwarf=false "$@" \
    -ldflags "-s -w $ldflags" -o "$out" "$pkg"
}

# e2e_build_released <name> <module@version> <package> <bindir>: <bindir>/<name> built as the module
# releases it (in its own directory of the module cache, with its own go.mod and go.sum). Skipped
# when <bindir>/.<name>.version names the module. Sets `src` to the module's directory. Needs `log`.
e2e_build_released() {
  local name=$1 module=$2 pkg=$3 bin=$4 t0=$SECONDS
  export GOTOOLCHAIN=local GOWORK=off GOFLAGS="${GOFLAGS:-} -mod=mod"
  src="$(go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$src" ] || { log "go mod download $module gave no source directory"; return 1; }
  if [ -x "$bin/$name" ] && [ "$(cat "$bin/.$name.version" 2>/dev/null)" = "$module" ]; then
    log "$name ($module): already built, skipping"
    return 0
  fi
  mkdir -p "$bin"
  log "$name: building"
  (cd "$src" && e2e_go_build "$bin/.$name.tmp" "$pkg" "")
  mv -f "$bin/.$name.tmp" "$bin/$name"
  echo "$module" >"$bin/.$name.version"
  log "$name: built in $((SECONDS - t0))s"
}
