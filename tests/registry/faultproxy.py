#!/usr/bin/env python3
"""A loopback HTTP proxy in front of a real registry, for tests: it forwards
every request unchanged (Host header included, so the registry's Location
headers point back here) and injects faults from a control file it rereads
on every request.

  faultproxy.py UPSTREAM_PORT CONTROL_FILE PORT_FILE LOG_FILE

CONTROL_FILE holds lines (missing file: no faults):
  rate BYTES_PER_SECOND        request bodies are read at most this fast
  fault METHOD N ACTION        the Nth request (from 1) with METHOD gets ACTION:
        reset                  close the connection without an answer
        500 | 503              answer that status
        429                    answer 429 with Retry-After: 1
        stall                  read the request, answer nothing for 120 s
        cut                    forward the headers and half the body to the
                               registry, then close both connections (a
                               PATCH cut mid-body, as the registry sees it)
A request whose client goes away before its body is complete is dropped,
not forwarded (the registry never sees it).
  corrupt-blob                 flip one byte in the middle of every blob GET
The proxy writes its port to PORT_FILE and one line per request to LOG_FILE:
  METHOD PATH -> STATUS|ACTION
"""
import http.client
import os
import socket
import sys
import threading
import time

import servelib

UPSTREAM = int(sys.argv[1])
CONTROL, PORT_FILE, LOG = sys.argv[2], sys.argv[3], sys.argv[4]
counts = {}
lock = threading.Lock()


def control():
    rate, faults, corrupt = 0, {}, False
    try:
        with open(CONTROL) as f:
            for line in f:
                w = line.split()
                if not w:
                    continue
                if w[0] == "rate":
                    rate = int(w[1])
                elif w[0] == "fault":
                    faults[(w[1], int(w[2]))] = w[3]
                elif w[0] == "corrupt-blob":
                    corrupt = True
    except FileNotFoundError:
        pass
    return rate, faults, corrupt


log = servelib.line_logger(LOG)


class Handler(servelib.QuietHandler):
    def read_body(self, n, rate):
        chunks, left = [], n
        while left > 0:
            piece = self.rfile.read(min(left, 16384 if not rate else max(1, rate // 10)))
            if not piece:
                break
            chunks.append(piece)
            left -= len(piece)
            if rate:
                time.sleep(len(piece) / rate)
        return b"".join(chunks)

    def handle_any(self):
        rate, faults, corrupt = control()
        with lock:
            counts[self.command] = counts.get(self.command, 0) + 1
            nth = counts[self.command]
        action = faults.get((self.command, nth))
        length = int(self.headers.get("Content-Length") or 0)
        if action == "cut":
            half = self.read_body(length // 2, rate)
            up = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=60)
            up.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in self.headers.items():
                up.putheader(k, v)
            up.endheaders()
            up.send(half)
            time.sleep(0.5)
            up.sock.shutdown(socket.SHUT_RDWR)
            up.close()
            log(f"{self.command} {self.path} -> cut")
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        body = self.read_body(length, rate)
        if len(body) < length:
            log(f"{self.command} {self.path} -> client-cut")
            self.close_connection = True
            return
        if action:
            log(f"{self.command} {self.path} -> {action}")
        if action == "reset":
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
            self.connection.close()
            return
        if action == "stall":
            time.sleep(120)
            self.close_connection = True
            return
        if action in ("500", "503", "429"):
            self.send_response(int(action))
            if action == "429":
                self.send_header("Retry-After", "1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        up = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=60)
        headers = {k: v for k, v in self.headers.items()}
        up.request(self.command, self.path, body=body if length else None, headers=headers)
        r = up.getresponse()
        data = r.read()
        if corrupt and self.command == "GET" and "/blobs/sha256:" in self.path and len(data) > 0:
            data = bytearray(data)
            data[len(data) // 2] ^= 0xFF
            data = bytes(data)
        log(f"{self.command} {self.path} -> {r.status}")
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(k, v)
        if self.command == "HEAD":
            self.send_header("Content-Length", r.getheader("Content-Length", "0"))
        else:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        up.close()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


servelib.serve(Handler, PORT_FILE)
