#!/bin/sh
# Boots the stand-in as the course's monster_icon image boots (its TP's boot.sh): Flask's own
# server when CONTEXT is DEV, uWSGI otherwise, serving the same app. --die-on-term: uWSGI
# would otherwise reload on the SIGTERM Kubernetes sends, and every rollout wait 30 s.
# Writes nothing: the pod's root file system is read-only.
set -eu
if [ "${CONTEXT:-}" = DEV ]; then
  exec python3 /app/frontend/app.py
fi
exec uwsgi --plugin http,python3 --http "0.0.0.0:${PORT:-5000}" --wsgi-file /app/frontend/app.py --callable app \
  --master --processes 2 --die-on-term --stats 127.0.0.1:9191
