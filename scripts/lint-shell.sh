#!/usr/bin/env bash
# Runs shellcheck (following sourced files; settings in /.shellcheckrc) on every shell
# script of the repository (git ls-files '*.sh'); exits non-zero on any finding.
# Usage: bash scripts/lint-shell.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v shellcheck >/dev/null || { echo "lint-shell.sh: shellcheck not found; install it: apt-get install shellcheck" >&2; exit 1; }
mapfile -t scripts < <(git ls-files --cached --others --exclude-standard '*.sh')
existing=()
for f in "${scripts[@]}"; do [ -f "$f" ] && existing+=("$f"); done
shellcheck -x "${existing[@]}"
echo "lint-shell.sh: ${#existing[@]} scripts clean (shellcheck $(shellcheck --version | sed -n 's/^version: //p'))"
