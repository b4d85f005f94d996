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
