#!/usr/bin/env python3
"""Build the e2e container images from Debian bookworm packages, as OCI archives.

No registry and no container engine: mmdebstrap (unshare mode) makes the root
file systems, oci.py turns them into layers and image archives that
`ctr -n k8s.io images import` accepts. Output, in $MONSTERSTACK_E2E_CACHE/images
(default ~/.cache/monsterstack-e2e/images): one <name>-<tag>.oci.tar per image
and images.env naming them. Each tag is a short hash of the image's recipe (these
scripts, the package lists, the app sources): when it matches what images.env
records and the archives exist, the build is skipped at once.

Layers: pause = the static catatonit binary alone; redis, frontend and
imagebackend share one base layer (the files the redis and python root file
systems have in common); redis adds its packages; frontend and imagebackend add
the python packages and one app layer holding both apps, so they differ only in
their default command.
"""
import argparse
import fcntl
import hashlib
import json
import os
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oci  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SUITE = "bookworm"
SOURCES = [
    "deb http://deb.debian.org/debian bookworm main",
    "deb http://deb.debian.org/debian bookworm-updates main",
    "deb http://deb.debian.org/debian-security bookworm-security main",
]
# SOURCE_DATE_EPOCH for mmdebstrap (file times are clamped to it, .pyc files are
# hash-checked) and the images' "created" time: 2025-01-01T00:00:00Z.
EPOCH = 1735689600
CREATED = "2025-01-01T00:00:00Z"
REGISTRY = "localhost/monsterstack-e2e"
DPKG_EXCLUDES = [
    "path-exclude=/usr/share/man/*", "path-exclude=/usr/share/info/*",
    "path-exclude=/usr/share/locale/*", "path-include=/usr/share/locale/locale.alias",
    "path-exclude=/usr/share/doc/*", "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/lintian/*",
]
PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Everything the system layers depend on; the app images add APP_FILES.
SYS_FILES = ["build.sh", "build.py", "oci.py",
             "packages/pause.txt", "packages/redis.txt", "packages/python.txt"]
APP_FILES = ["frontend/app.py", "frontend/boot.sh", "imagebackend/app.py"]
NAMES = ["pause", "redis", "frontend", "imagebackend"]


def log(msg: str):
    print(f"[images {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def recipe_tag(files) -> str:
    h = hashlib.sha256()
    for rel in files:
        with open(os.path.join(HERE, rel), "rb") as f:
            data = f.read()
        h.update(rel.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return h.hexdigest()[:12]


def tags() -> dict:
    sys_tag, app_tag = recipe_tag(SYS_FILES), recipe_tag(SYS_FILES + APP_FILES)
    return {"pause": sys_tag, "redis": sys_tag, "frontend": app_tag, "imagebackend": app_tag}


def packages(name: str):
    with open(os.path.join(HERE, "packages", name + ".txt")) as f:
        return [w for line in f for w in line.split("#", 1)[0].split()]


def env_var(name: str) -> str:
    return name.upper()


def read_env(path: str) -> dict:
    out = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line and not line.startswith("#"):
                    k, v = line.rstrip("\n").split("=", 1)
                    out[k] = (shlex.split(v) or [""])[0]
    return out


def up_to_date(out_dir: str, refs: dict, archives: dict) -> bool:
    env = read_env(os.path.join(out_dir, "images.env"))
    return all(env.get(env_var(n) + "_IMAGE") == refs[n] and env.get(env_var(n) + "_ARCHIVE") == archives[n]
               and os.path.exists(archives[n]) for n in NAMES)


# --- root file systems -------------------------------------------------------

def mmdebstrap(variant: str, pkgs, out: str, logfile: str) -> subprocess.Popen:
    cmd = ["mmdebstrap", "--mode=unshare", f"--variant={variant}", "--include=" + ",".join(pkgs)]
    if variant != "extract":
        # merged /usr the debootstrap way: usr-is-merged instead of usrmerge (and perl).
        cmd += ["--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr"]
        cmd += [f"--dpkgopt={x}" for x in DPKG_EXCLUDES]
    cmd += [SUITE, out, *SOURCES]
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH), "LC_ALL": "C.UTF-8"}
    with open(logfile, "w") as lf:
        lf.write("$ " + shlex.join(cmd) + "\n")
        lf.flush()
        return subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT, env=env)


def trim(fs: dict) -> dict:
    """Drop what the container runtime provides: device nodes, resolv.conf, hostname."""
    drop = {"etc/resolv.conf", "etc/hostname"}
    return {n: e for n, e in fs.items() if not n.startswith("dev/") and n not in drop}


def is_static_elf(data: bytes) -> bool:
    """A 64-bit little-endian ELF with no program interpreter (PT_INTERP)."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return False
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return all(struct.unpack_from("<I", data, phoff + i * phentsize)[0] != 3 for i in range(phnum))


def build_system_layers(layer_dir: str, work: str, logs: str) -> dict:
    """Run mmdebstrap for the three root file systems and write the system layers."""
    t0 = time.time()
    runs = {
        "pause": ("extract", packages("pause")),
        "redis": ("essential", packages("redis")),
        "python": ("essential", packages("python")),
    }
    procs = {n: mmdebstrap(v, p, os.path.join(work, n + ".tar"), os.path.join(logs, n + ".log"))
             for n, (v, p) in runs.items()}
    failed = [n for n, p in procs.items() if p.wait() != 0]
    if failed:
        for n in failed:
            with open(os.path.join(logs, n + ".log")) as f:
                sys.stderr.write(f"--- mmdebstrap {n} failed; last lines of {logs}/{n}.log:\n" + "".join(f.readlines()[-20:]))
        raise SystemExit(1)
    log(f"mmdebstrap done in {time.time() - t0:.0f}s")

    t1 = time.time()
    fs = {n: trim(oci.read_rootfs(os.path.join(work, n + ".tar"))) for n in runs}
    catatonit = fs["pause"].get("usr/bin/catatonit")
    if catatonit is None or not is_static_elf(catatonit.data):
        raise SystemExit("catatonit is missing or not a static binary")
    pause = [oci.directory("usr", mtime=EPOCH), oci.directory("usr/bin", mtime=EPOCH), catatonit]

    base = oci.split_common(fs["redis"], fs["python"])
    redis = oci.diff(base, fs["redis"])
    # /data as in the official image: uid/gid 999, whether or not such a user exists.
    redis.append(oci.directory("data", 0o755, 999, 999, EPOCH))
    python = oci.diff(base, fs["python"])

    layers = {
        "pause": oci.write_layer(pause, layer_dir, "catatonit from Debian " + SUITE),
        "base": oci.write_layer(oci.materialize_links(list(base.values()), fs["redis"]), layer_dir,
                                f"Debian {SUITE} Essential set (mmdebstrap)"),
        "redis": oci.write_layer(oci.materialize_links(redis, fs["redis"]), layer_dir,
                                 "apt: " + " ".join(packages("redis"))),
        "python": oci.write_layer(oci.materialize_links(python, fs["python"]), layer_dir,
                                  "apt: " + " ".join(packages("python"))),
    }
    log(f"system layers written in {time.time() - t1:.0f}s: "
        + ", ".join(f"{n} {l.blob.size / 1e6:.1f} MB" for n, l in layers.items()))
    return layers


def system_layers(cache: str, sys_tag: str, logs: str) -> dict:
    """The system layers of this recipe, from the cache or built."""
    layer_dir = os.path.join(cache, "layers", sys_tag)
    meta = os.path.join(layer_dir, "layers.json")
    if os.path.exists(meta):
        with open(meta) as f:
            saved = json.load(f)
        layers = {n: oci.Layer(oci.Blob(**l["blob"]), l["diff_id"], l["comment"]) for n, l in saved.items()}
        if all(os.path.exists(l.blob.path) for l in layers.values()):
            log(f"system layers {sys_tag}: cached")
            return layers
    shutil.rmtree(layer_dir, ignore_errors=True)
    os.makedirs(layer_dir)
    work = tempfile.mkdtemp(prefix="rootfs-", dir=cache)
    try:
        layers = build_system_layers(layer_dir, work, logs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with open(meta + ".tmp", "w") as f:
        json.dump({n: asdict(l) for n, l in layers.items()}, f, indent=1, sort_keys=True)
    os.replace(meta + ".tmp", meta)
    return layers


def app_layer(layer_dir: str) -> oci.Layer:
    entries = [oci.directory("app", mtime=EPOCH)]
    for rel in APP_FILES:
        d = os.path.dirname(rel)
        entries.append(oci.directory("app/" + d, mtime=EPOCH))
        with open(os.path.join(HERE, rel), "rb") as f:
            entries.append(oci.regular("app/" + rel, f.read(), 0o644, EPOCH))
    return oci.write_layer(entries, layer_dir, "apps: " + " ".join(APP_FILES))


def image_configs(tag: dict) -> dict:
    def cfg(name, **kw):
        labels = {"org.opencontainers.image.title": f"monsterstack-e2e {name}",
                  "io.monsterstack.e2e.recipe": tag[name]}
        return {"Env": [PATH], "WorkingDir": "/", "Labels": labels, **kw}
    py_env = [PATH, "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"]
    return {
        "pause": cfg("pause", Entrypoint=["/usr/bin/catatonit", "-P"]),
        "redis": cfg("redis", Cmd=["redis-server"],
                     ExposedPorts={"6379/tcp": {}}, WorkingDir="/data"),
        "frontend": cfg("frontend", Env=py_env, Cmd=["sh", "/app/frontend/boot.sh"],
                        ExposedPorts={"5000/tcp": {}}, WorkingDir="/app"),
        "imagebackend": cfg("imagebackend", Env=py_env, Cmd=["python3", "/app/imagebackend/app.py"],
                            ExposedPorts={"8080/tcp": {}}, WorkingDir="/app"),
    }


def write_env(out_dir: str, refs: dict, archives: dict):
    lines = ["# Written by localcluster/images/build.py: the e2e images and their OCI archives.",
             "# Import with: ctr -n k8s.io images import \"$<NAME>_ARCHIVE\""]
    for n in NAMES:
        lines += [f"{env_var(n)}_IMAGE={shlex.quote(refs[n])}", f"{env_var(n)}_ARCHIVE={shlex.quote(archives[n])}"]
    path = os.path.join(out_dir, "images.env")
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(path + ".tmp", path)


def prune(out_dir: str, keep: set):
    """Remove archives and layer sets of other recipes."""
    for name in os.listdir(out_dir):
        p = os.path.join(out_dir, name)
        if name.endswith(".oci.tar") and p not in keep:
            os.remove(p)
    layers = os.path.join(out_dir, "layers")
    for name in os.listdir(layers) if os.path.isdir(layers) else []:
        if os.path.join(layers, name) not in keep:
            shutil.rmtree(os.path.join(layers, name), ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--force", action="store_true", help="rebuild even if the recipe is unchanged")
    ap.add_argument("--print-tags", action="store_true", help="print the image references and exit")
    ap.add_argument("--check-only", action="store_true", help="exit 0 if the images are up to date, 1 if not")
    args = ap.parse_args()

    base = os.environ.get("MONSTERSTACK_E2E_CACHE") or os.path.expanduser("~/.cache/monsterstack-e2e")
    out_dir = os.path.join(base, "images")
    tag = tags()
    refs = {n: f"{REGISTRY}/{n}:{tag[n]}" for n in NAMES}
    archives = {n: os.path.join(out_dir, f"{n}-{tag[n]}.oci.tar") for n in NAMES}
    if args.print_tags:
        print("\n".join(refs[n] for n in NAMES))
        return
    if args.check_only:
        raise SystemExit(0 if up_to_date(out_dir, refs, archives) else 1)
    if not args.force and up_to_date(out_dir, refs, archives):
        log(f"up to date: {os.path.join(out_dir, 'images.env')}")
        return

    logs = os.path.join(out_dir, "logs")
    os.makedirs(logs, exist_ok=True)
    lock = open(os.path.join(out_dir, ".lock"), "w")
    fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time; held until exit
    if not args.force and up_to_date(out_dir, refs, archives):
        log(f"up to date (built meanwhile): {os.path.join(out_dir, 'images.env')}")
        return
    t0 = time.time()
    if args.force:
        shutil.rmtree(os.path.join(out_dir, "layers", tag["redis"]), ignore_errors=True)
    layers = system_layers(out_dir, tag["redis"], logs)
    app_dir = os.path.join(out_dir, "layers", "app-" + tag["frontend"])
    layers["app"] = app_layer(app_dir)
    stacks = {"pause": ["pause"], "redis": ["base", "redis"],
              "frontend": ["base", "python", "app"], "imagebackend": ["base", "python", "app"]}
    configs = image_configs(tag)
    for n in NAMES:
        oci.write_archive(archives[n], refs[n], [layers[l] for l in stacks[n]], configs[n], CREATED)
        log(f"{refs[n]} -> {archives[n]} ({os.path.getsize(archives[n]) / 1e6:.1f} MB)")
    write_env(out_dir, refs, archives)
    prune(out_dir, set(archives.values()) | {os.path.join(out_dir, "layers", tag["redis"]), app_dir})
    log(f"built in {time.time() - t0:.0f}s; env file: {os.path.join(out_dir, 'images.env')}")


if __name__ == "__main__":
    main()
