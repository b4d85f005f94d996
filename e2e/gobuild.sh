# shellcheck shell=bash
# How every e2e binary is compiled; sourced by toolchain/, cluster/, node/ and storage/build.sh.
#
#   e2e_go_build <output> <package> <extra ldflags> [extra go build flags...]
#
# Cold, these builds are CPU-bound (go build kept 2 cores 94% busy), so the only way to a
# shorter cold CI is less compiler work. Measured on this project's 2-core machine,
# building the random provider from an empty build cache (bench: e2e/README.md):
#   - -gcflags=all=-dwarf=false: 0.89x the CPU time. The binaries are stripped (-s -w),
#     so the debug information the compiler wrote was thrown away at link time anyway;
#     the binary is byte-for-byte the same.
#   - GOGC=off for the compiler and linker (they are Go programs), bounded by GOMEMLIMIT
#     so that a huge package still collects: 0.85x the CPU time again.
e2e_go_build() {
  local out=$1 pkg=$2 ldflags=$3
  shift 3
  GOGC=off GOMEMLIMIT=3GiB go build -p 2 -trimpath -gcflags=all=-dwarf=false "$@" \
    -ldflags "-s -w $ldflags" -o "$out" "$pkg"
}
