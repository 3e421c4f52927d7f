#!/usr/bin/env python3
"""A registry that lies, for tests: a small HTTP server (python3 standard
library) that answers the distribution API with crafted answers, which the
real docker-registry never gives.

  liar.py STATE_DIR PORT_FILE LOG_FILE

It builds one small image at start (a gzip layer of 2 MB random bytes, its
config, a Docker schema 2 manifest; an arm64 twin for manifest lists) and
writes what a test needs to STATE_DIR: good.manifest.digest,
arm64.manifest.digest, layer.digest. The repository name picks the lie:
  good             the honest image
  bigmanifest      a manifest of 5 MiB (an annotation pads it)
  bigconfig        a config of 5 MiB, its descriptor honest about the size
  bigconfig-lie    the same config, its descriptor claiming 200 bytes
  hostile-dotdot   a layer digest "sha256:../../etc/x"
  hostile-abs      a layer digest "/etc/lifeboat-liar"
  hostile-short    a layer digest of 63 hex digits
  hostile-upper    a layer digest in upper-case hex
  list-nomatch     a manifest list with only linux/s390x
  list             a manifest list with linux/amd64 and linux/arm64
  badblob          the layer served with one byte flipped
  drop             while STATE_DIR/drop exists, every layer GET sends at
                   most 256 KiB of what it promised and closes the
                   connection; Range requests are honoured
LOG_FILE gets one line per request: "METHOD PATH [Range: R] -> STATUS".
"""
import gzip
import hashlib
import io
import json
import os
import socket
import sys
import tarfile

import servelib

STATE, PORT_FILE, LOG = sys.argv[1:4]
MT_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MT_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MT_CONFIG = "application/vnd.docker.container.image.v1+json"
MT_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DROP_AFTER = 256 * 1024


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def dumps(o):
    return json.dumps(o, separators=(",", ":")).encode()


blobs = {}


def blob(data):
    d = sha(data)
    blobs[d] = data
    return d


def make_layer():
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        payload = os.urandom(2 * 1024 * 1024)
        info = tarfile.TarInfo("srv/liar.bin")
        info.size, info.mtime, info.mode = len(payload), 0, 0o644
        t.addfile(info, io.BytesIO(payload))
    tar = raw.getvalue()
    return tar, gzip.compress(tar, mtime=0)


tar, layer = make_layer()
LAYER = blob(layer)


def config(arch, pad=0):
    c = {"architecture": arch, "os": "linux",
         "rootfs": {"type": "layers", "diff_ids": [sha(tar)]}}
    if pad:
        c["comment"] = "x" * pad
    return dumps(c)


def manifest(cfg, cfg_size=None, layer_digest=LAYER, pad=0):
    m = {"schemaVersion": 2, "mediaType": MT_MANIFEST,
         "config": {"mediaType": MT_CONFIG, "digest": blob(cfg),
                    "size": len(cfg) if cfg_size is None else cfg_size},
         "layers": [{"mediaType": MT_LAYER, "digest": layer_digest, "size": len(layer)}]}
    if pad:
        m["annotations"] = {"pad": "x" * pad}
    return dumps(m)


def manifest_list(platforms):
    entries = []
    for arch, m in platforms:
        entries.append({"mediaType": MT_MANIFEST, "digest": blob(m), "size": len(m),
                        "platform": {"architecture": arch, "os": "linux"}})
    return dumps({"schemaVersion": 2, "mediaType": MT_LIST, "manifests": entries})


good = manifest(config("amd64"))
arm = manifest(config("arm64"))
big_cfg = config("amd64", pad=5 * 1024 * 1024)
bad_hex = LAYER[7:]
manifests = {
    "good": good,
    "bigmanifest": manifest(config("amd64"), pad=5 * 1024 * 1024),
    "bigconfig": manifest(big_cfg),
    "bigconfig-lie": manifest(big_cfg, cfg_size=200),
    "hostile-dotdot": manifest(config("amd64"), layer_digest="sha256:../../etc/x"),
    "hostile-abs": manifest(config("amd64"), layer_digest="/etc/lifeboat-liar"),
    "hostile-short": manifest(config("amd64"), layer_digest="sha256:" + bad_hex[:63]),
    "hostile-upper": manifest(config("amd64"), layer_digest="sha256:" + bad_hex.upper()),
    "list-nomatch": manifest_list([("s390x", good)]),
    "list": manifest_list([("amd64", good), ("arm64", arm)]),
    "badblob": good,
    "drop": good,
}
for name, value in (("good.manifest.digest", sha(good)), ("arm64.manifest.digest", sha(arm)),
                    ("layer.digest", LAYER)):
    with open(os.path.join(STATE, name), "w") as f:
        f.write(value + "\n")


log = servelib.line_logger(LOG)


class Handler(servelib.QuietHandler):
    def send(self, status, body=b"", ctype="application/json", extra=()):
        rng = self.headers.get("Range")
        log(f"{self.command} {self.path}{' Range: ' + rng if rng else ''} -> {status}")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Docker-Distribution-Api-Version", "registry/2.0")
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        p = self.path.split("?")[0]
        if p == "/v2/":
            return self.send(200, b"{}")
        parts = p.split("/")
        if len(parts) < 5 or parts[1] != "v2":
            return self.send(404)
        name, kind, ref = "/".join(parts[2:-2]), parts[-2], parts[-1]
        if kind == "manifests":
            m = manifests.get(name) if not ref.startswith("sha256:") else blobs.get(ref)
            if m is None:
                return self.send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
            mt = json.loads(m).get("mediaType", MT_MANIFEST)
            return self.send(200, m, mt, [("Docker-Content-Digest", sha(m))])
        if kind != "blobs" or ref not in blobs:
            return self.send(404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}')
        data = blobs[ref]
        if name == "badblob" and ref == LAYER:
            data = bytearray(data)
            data[len(data) // 2] ^= 0xFF
            data = bytes(data)
        start = 0
        rng = self.headers.get("Range", "")
        if rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[6:-1])
        status = 206 if start else 200
        extra = [("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")] if start else []
        body = data[start:]
        if name == "drop" and ref == LAYER and os.path.exists(os.path.join(STATE, "drop")):
            log(f"GET {self.path}{' Range: ' + rng if rng else ''} -> {status} dropped")
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            for k, v in extra:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:DROP_AFTER])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send(status, body, "application/octet-stream", extra)

    do_HEAD = do_GET


servelib.serve(Handler, PORT_FILE)
