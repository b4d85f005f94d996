"""A small, deterministic OCI image writer (Python 3 standard library only).

Rootfs tarballs (as mmdebstrap writes them) are read into memory as `Entry`s,
split into layers, written as gzip layer blobs and packed, with an image config,
a manifest and an index.json, into OCI image-layout tar archives that
`ctr images import` accepts. The same inputs always give the same bytes: entries
are sorted, tar headers carry no user/group names, gzip headers no time or name,
and JSON is written with sorted keys.
"""
import gzip
import hashlib
import io
import json
import os
import tarfile
import tempfile
from dataclasses import dataclass, replace
from typing import Dict, Iterable, List, Optional, Tuple

MEDIA_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
PLATFORM = {"architecture": "amd64", "os": "linux"}


@dataclass(frozen=True)
class Entry:
    """One filesystem object of a layer: a path relative to / and its metadata."""
    name: str
    type: bytes  # tarfile type flag
    mode: int
    uid: int = 0
    gid: int = 0
    mtime: int = 0
    data: bytes = b""
    linkname: str = ""
    devmajor: int = 0
    devminor: int = 0
    xattrs: Tuple[Tuple[str, str], ...] = ()

    def key(self) -> tuple:
        """Everything that makes two entries the same file."""
        return (self.type, self.mode, self.uid, self.gid, self.mtime, self.linkname,
                self.devmajor, self.devminor, self.xattrs, hashlib.sha256(self.data).digest())


def directory(name: str, mode: int = 0o755, uid: int = 0, gid: int = 0, mtime: int = 0) -> Entry:
    return Entry(name, tarfile.DIRTYPE, mode, uid, gid, mtime)


def regular(name: str, data: bytes, mode: int = 0o644, mtime: int = 0) -> Entry:
    return Entry(name, tarfile.REGTYPE, mode, 0, 0, mtime, data)


def _clean(name: str) -> str:
    name = name[2:] if name.startswith("./") else name
    return name.rstrip("/")


def read_rootfs(path: str) -> Dict[str, Entry]:
    """All entries of a rootfs tarball, keyed by path without a leading './'."""
    entries: Dict[str, Entry] = {}
    with tarfile.open(path) as tar:
        for m in tar:
            name = _clean(m.name)
            if not name or name == ".":
                continue
            data = tar.extractfile(m).read() if m.isreg() else b""
            xattrs = tuple(sorted((k, v) for k, v in m.pax_headers.items() if k.startswith("SCHILY.xattr.")))
            link = _clean(m.linkname) if m.islnk() else m.linkname
            entries[name] = Entry(name, m.type if m.type != tarfile.AREGTYPE else tarfile.REGTYPE, m.mode,
                                  m.uid, m.gid, int(m.mtime), data, link, m.devmajor, m.devminor, xattrs)
    return entries


def _parents(name: str) -> Iterable[str]:
    parts = name.split("/")
    for i in range(1, len(parts)):
        yield "/".join(parts[:i])


def split_common(a: Dict[str, Entry], b: Dict[str, Entry]) -> Dict[str, Entry]:
    """The entries two rootfs share exactly, plus the directories that hold them.

    A hard link is only shared if its target is too (see `materialize_links`)."""
    common = {n: e for n, e in a.items() if n in b and b[n].key() == e.key()}
    for n in [n for n, e in common.items() if e.type == tarfile.LNKTYPE and e.linkname not in common]:
        del common[n]
    for n in list(common):
        for p in _parents(n):
            if p not in common and a.get(p) is not None and a[p].type == tarfile.DIRTYPE:
                common[p] = a[p]
    return common


def diff(lower: Dict[str, Entry], target: Dict[str, Entry]) -> List[Entry]:
    """The layer that turns `lower` into `target`: changed or new entries, and
    whiteouts for what `target` lacks."""
    out = [e for n, e in target.items() if n not in lower or lower[n].key() != e.key()]
    gone = sorted(n for n in lower if n not in target)
    for n in gone:
        if any(p in gone for p in _parents(n)):
            continue  # the parent's whiteout removes it
        head, _, tail = n.rpartition("/")
        out.append(regular((head + "/" if head else "") + ".wh." + tail, b"", 0o644))
    return out


def _ordered(entries: List[Entry]) -> List[Entry]:
    """Entries sorted by path (parents first), hard links last so that their
    targets, which must be in the same layer, come before them."""
    names = {e.name for e in entries}
    for e in entries:
        if e.type == tarfile.LNKTYPE and e.linkname not in names:
            raise ValueError(f"hard link {e.name} -> {e.linkname}: target not in this layer")
    return sorted(entries, key=lambda e: (e.type == tarfile.LNKTYPE, e.name))


def materialize_links(entries: List[Entry], source: Dict[str, Entry]) -> List[Entry]:
    """Replace hard links whose target is outside `entries` by regular files (data from `source`)."""
    names = {e.name for e in entries}
    return [replace(e, type=tarfile.REGTYPE, linkname="", data=source[e.linkname].data,
                    mode=source[e.linkname].mode)
            if e.type == tarfile.LNKTYPE and e.linkname not in names else e
            for e in entries]


def _tarinfo(e: Entry) -> tarfile.TarInfo:
    ti = tarfile.TarInfo(e.name)
    ti.type, ti.mode, ti.uid, ti.gid, ti.mtime = e.type, e.mode, e.uid, e.gid, e.mtime
    ti.uname = ti.gname = ""
    ti.linkname, ti.devmajor, ti.devminor = e.linkname, e.devmajor, e.devminor
    ti.size = len(e.data) if e.type == tarfile.REGTYPE else 0
    if e.xattrs:
        ti.pax_headers = dict(e.xattrs)
    return ti


class _HashingWriter(io.RawIOBase):
    def __init__(self, f):
        self.f, self.h, self.n = f, hashlib.sha256(), 0

    def writable(self):
        return True

    def write(self, b):
        self.h.update(b)
        self.n += len(b)
        return self.f.write(b)


@dataclass(frozen=True)
class Blob:
    digest: str  # "sha256:..."
    size: int
    path: str


@dataclass(frozen=True)
class Layer:
    blob: Blob
    diff_id: str  # digest of the uncompressed tar
    comment: str = ""


def write_layer(entries: List[Entry], blob_dir: str, comment: str = "", level: int = 6) -> Layer:
    """Write `entries` as a gzip-compressed tar blob named by its digest in `blob_dir`."""
    os.makedirs(blob_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=blob_dir, prefix=".layer-")
    with os.fdopen(fd, "wb") as raw:
        outer = _HashingWriter(raw)
        with gzip.GzipFile(filename="", mode="wb", fileobj=outer, compresslevel=level, mtime=0) as gz:
            inner = _HashingWriter(gz)
            with tarfile.open(fileobj=inner, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                for e in _ordered(entries):
                    tar.addfile(_tarinfo(e), io.BytesIO(e.data) if e.type == tarfile.REGTYPE else None)
    digest = "sha256:" + outer.h.hexdigest()
    path = os.path.join(blob_dir, outer.h.hexdigest())
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return Layer(Blob(digest, outer.n, path), "sha256:" + inner.h.hexdigest(), comment)


def _json(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def image_config(layers: List[Layer], config: dict, created: str) -> dict:
    return {
        **PLATFORM,
        "created": created,
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [l.diff_id for l in layers]},
        "history": [{"created": created, "created_by": l.comment or "layer"} for l in layers],
    }


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644):
    ti = tarfile.TarInfo(name)
    ti.size, ti.mode, ti.uname, ti.gname = len(data), mode, "", ""
    tar.addfile(ti, io.BytesIO(data))


def write_archive(path: str, ref: str, layers: List[Layer], config: dict, created: str,
                  annotations: Optional[dict] = None) -> str:
    """Write an OCI image-layout tar holding one image named `ref`; return the manifest digest."""
    cfg = _json(image_config(layers, config, created))
    cfg_desc = {"mediaType": MEDIA_CONFIG, "digest": "sha256:" + hashlib.sha256(cfg).hexdigest(), "size": len(cfg)}
    manifest = {
        "schemaVersion": 2,
        "mediaType": MEDIA_MANIFEST,
        "config": cfg_desc,
        "layers": [{"mediaType": MEDIA_LAYER, "digest": l.blob.digest, "size": l.blob.size} for l in layers],
        **({"annotations": annotations} if annotations else {}),
    }
    man = _json(manifest)
    man_digest = "sha256:" + hashlib.sha256(man).hexdigest()
    tag = ref.rsplit(":", 1)[1] if ":" in ref.rsplit("/", 1)[-1] else "latest"
    index = {
        "schemaVersion": 2,
        "mediaType": MEDIA_INDEX,
        "manifests": [{
            "mediaType": MEDIA_MANIFEST, "digest": man_digest, "size": len(man), "platform": PLATFORM,
            # containerd takes the full name from the first, OCI tools the tag from the second.
            "annotations": {"io.containerd.image.name": ref, "org.opencontainers.image.ref.name": tag},
        }],
    }
    tmp = path + ".tmp"
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        _add_bytes(tar, "oci-layout", _json({"imageLayoutVersion": "1.0.0"}))
        _add_bytes(tar, "index.json", _json(index))
        for d in ("blobs", "blobs/sha256"):
            ti = tarfile.TarInfo(d)
            ti.type, ti.mode, ti.uname, ti.gname = tarfile.DIRTYPE, 0o755, "", ""
            tar.addfile(ti)
        blobs = {cfg_desc["digest"]: cfg, man_digest: man}
        for l in layers:
            blobs[l.blob.digest] = l.blob.path
        for digest in sorted(blobs):
            src = blobs[digest]
            name = "blobs/sha256/" + digest.split(":", 1)[1]
            if isinstance(src, bytes):
                _add_bytes(tar, name, src)
            else:
                ti = tarfile.TarInfo(name)
                ti.size, ti.mode, ti.uname, ti.gname = os.path.getsize(src), 0o644, "", ""
                with open(src, "rb") as f:
                    tar.addfile(ti, f)
    os.replace(tmp, path)
    return man_digest
