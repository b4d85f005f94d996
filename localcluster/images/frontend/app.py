"""The e2e stand-in for the course's monster_icon frontend (Flask, port 5000).

Configured like the original by environment variables: CONTEXT, REDIS_DOMAIN,
IMAGEBACKEND_DOMAIN, and REDIS_PASSWORD when Redis requires one (PORT may override
5000). Like the original, the backends' ports are fixed (6379, 8080): Kubernetes
injects REDIS_PORT=tcp://<ip>:6379 for a Service named redis. `/` counts the visit in
Redis (INCR visits) and shows the count and the settings as plain text lines;
`/monster/<name>` proxies the image backend's PNG; `/healthz` answers without
Redis. Needs no writable file system and no particular user.
"""
import hashlib
import html
import os
import re
import signal
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request

import redis
from flask import Flask, Response, request

SALT = "UNIQUE_SALT"
DEFAULT_NAME = "Joe Bloggs"
NAME_RE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$")

app = Flask(__name__)


def settings() -> dict:
    return {
        "CONTEXT": os.environ.get("CONTEXT", ""),
        "REDIS_DOMAIN": os.environ.get("REDIS_DOMAIN", "redis"),
        "IMAGEBACKEND_DOMAIN": os.environ.get("IMAGEBACKEND_DOMAIN", "imagebackend"),
    }


_client = None


def redis_client() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis(
            host=settings()["REDIS_DOMAIN"],
            port=6379,
            password=os.environ.get("REDIS_PASSWORD") or None,
            socket_timeout=3, socket_connect_timeout=3)
    return _client


def name_hash(name: str) -> str:
    return hashlib.sha256((SALT + name).encode()).hexdigest()


@app.route("/", methods=["GET", "POST"])
def mainpage():
    name = DEFAULT_NAME
    if request.method == "POST":
        name = request.form.get("name", DEFAULT_NAME)[:128] or DEFAULT_NAME
    s = settings()
    status = 200
    try:
        visits = str(redis_client().incr("visits"))
    except redis.RedisError as e:
        visits, status = f"unknown (redis error: {e})", 503
    lines = [f"visits: {visits}"] + [f"{k}: {v}" for k, v in s.items()] + [f"hostname: {socket.gethostname()}"]
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines)
    page = f"""<html><head><title>Monster Icon</title></head><body>
<h1>Monster Icon</h1>
{body}
<form method="POST">Hello <input type="text" name="name" value="{html.escape(name, quote=True)}">
<input type="submit" value="submit"></form>
<p>You look like a: <img src="/monster/{name_hash(name)}"/></p>
</body></html>
"""
    return Response(page, status=status, mimetype="text/html")


@app.route("/monster/<name>")
def monster(name: str):
    if not NAME_RE.match(name):
        return Response("bad monster name\n", status=400, mimetype="text/plain")
    backend = settings()["IMAGEBACKEND_DOMAIN"]
    port = "8080"
    url = f"http://{backend}:{port}/monster/{urllib.parse.quote(name)}?size=80"
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return Response(r.read(), mimetype="image/png")
    except (urllib.error.URLError, OSError) as e:
        return Response(f"image backend error: {e}\n", status=502, mimetype="text/plain")


@app.route("/healthz")
def healthz():
    return Response("OK\n", mimetype="text/plain")


def main():
    # As PID 1 a process gets no default SIGTERM action: exit on it, so pods stop at once.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5000")), threaded=True)


if __name__ == "__main__":
    main()
