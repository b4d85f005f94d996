#!/usr/bin/env bash
# npm stop: stops the local cluster npm start started, and restores the host as
# down.sh does. The stack's state, backend and passphrase stay in the cache.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
[ "$(id -u)" = 0 ] || { echo "npm stop: the local cluster runs as root: run it as root. Nothing was changed." >&2; exit 1; }
# shellcheck source=toolchain/env.sh
source localcluster/toolchain/env.sh 2>/dev/null
# shellcheck source=paths.sh
source localcluster/paths.sh
if [ ! -d "$LOCAL_CLUSTER" ]; then
  echo "npm stop: no local cluster in $LOCAL_CLUSTER; nothing to stop"
  exit 0
fi
bash localcluster/down.sh "$LOCAL_CLUSTER"
cat <<DONE
npm stop: the local cluster is stopped and the host restored.
Stack dev's state is kept in $LOCAL_DIR. The next npm start brings the app back with empty
data, whatever reclaimPolicy says: the volumes lived in the cluster that npm stop removed.
DONE
