#!/usr/bin/env python3
"""An engine too old for lifeboat, for one test: the answers Docker Engine
1.12 gives to GET /_ping and GET /version (API 1.24), on a unix socket
(python3 standard library). No real engine that old runs on Debian 12; this
is what it would say, and nothing else is served (every other path: 404).

  old-engine.py SOCKET
"""
import json
import os
import socketserver
import sys
from http.server import BaseHTTPRequestHandler

VERSION = {"Version": "1.12.6", "ApiVersion": "1.24", "GitCommit": "78d1802",
           "GoVersion": "go1.6.4", "Os": "linux", "Arch": "amd64",
           "KernelVersion": "4.9.0", "BuildTime": "2017-01-10T20:38:45.000000000+00:00"}


class Handler(BaseHTTPRequestHandler):
    def address_string(self):
        return "unix"

    def _send(self, code, body, ctype):
        self.send_response(code)
        self.send_header("Api-Version", VERSION["ApiVersion"])
        self.send_header("Server", "Docker/1.12.6 (linux)")
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path.endswith("/_ping"):
            self._send(200, b"OK", "text/plain; charset=utf-8")
        elif path.endswith("/version"):
            self._send(200, json.dumps(VERSION).encode(), "application/json")
        else:
            self._send(404, b'{"message":"page not found"}', "application/json")

    do_HEAD = do_GET

    def log_message(self, fmt, *args):
        pass


class Server(socketserver.UnixStreamServer):
    def get_request(self):
        request, _ = super().get_request()
        return request, ("unix", 0)


if __name__ == "__main__":
    path = sys.argv[1]
    if os.path.exists(path):
        os.unlink(path)
    with Server(path, Handler) as srv:
        srv.serve_forever()
