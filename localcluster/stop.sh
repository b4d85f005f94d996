#!/usr/bin/env bash
# npm stop: stops the local cluster npm start started and restores the host, keeping the
# cluster's data (down.sh --keep): the next npm start resumes it, objects and volumes. The
# stack's state, backend and passphrase stay in the cache. npm run delete removes the cluster.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
[ "$(id -u)" = 0 ] || { echo "npm stop: the local cluster runs as root: run it as root. Nothing was changed." >&2; exit 1; }
# shellcheck source=paths.sh
source localcluster/paths.sh
with_local_lock "npm stop" "$0" "$@"
# shellcheck source=toolchain/env.sh
source localcluster/toolchain/env.sh 2>/dev/null
if [ ! -d "$LOCAL_CLUSTER" ]; then
  echo "npm stop: no local cluster in $LOCAL_CLUSTER; nothing to stop"
  exit 0
fi
bash localcluster/down.sh --keep "$LOCAL_CLUSTER"
# shellcheck source=node/common.sh
source localcluster/node/common.sh # HOST_SAVED: left while the other slot's real node (the suite's) runs
host="the host restored"
[ -d "$HOST_SAVED" ] && host="the host's sysctls and paths are restored when the other local cluster's node stops"
cat <<DONE
npm stop: the local cluster is stopped and $host. Its data is kept in $LOCAL_CLUSTER:
the next npm start resumes it, same objects, same volumes. npm run delete removes it.
DONE
