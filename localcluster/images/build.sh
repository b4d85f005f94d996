#!/bin/sh
# Build the e2e container images (OCI archives) from Debian packages; see ../README.md.
# Usage: localcluster/images/build.sh [--force]      (output: $MONSTERSTACK_E2E_CACHE/images)
# A build whose recipe is unchanged is skipped at once. Needs root (or a user with
# subuids) for mmdebstrap's unshare mode; installs mmdebstrap if it is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
python=$(command -v python3)
# Nothing to install when the images are already up to date.
if ! command -v mmdebstrap >/dev/null 2>&1 && ! "$python" "$here/build.py" --check-only 2>/dev/null; then
	echo "[images] installing mmdebstrap (apt-get)" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y --no-install-recommends mmdebstrap >/dev/null \
		|| { apt-get update >/dev/null && apt-get install -y --no-install-recommends mmdebstrap >/dev/null; }
fi
exec "$python" "$here/build.py" "$@"
