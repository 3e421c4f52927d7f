"""What the test servers in tests/registry (faultproxy, tokenserver, liar)
share: a quiet HTTP/1.1 handler, a line logger, and serving on a free
loopback port that is written (atomically) to a port file."""
import http.server
import os
import threading


class QuietHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass


def line_logger(path):
    lock = threading.Lock()

    def log(line):
        with lock, open(path, "a") as f:
            f.write(line + "\n")
    return log


def serve(handler, port_file):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()
