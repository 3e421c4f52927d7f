#!/usr/bin/env python3
"""A bearer token server for tests (the Docker token flow), python3
standard library plus the openssl CLI for the RS256 signatures:

  tokenserver.py KEY.pem CERT.pem CONTROL_FILE PORT_FILE LOG_FILE

GET /token?service=S&scope=repository:NAME:ACTIONS&scope=... with HTTP
Basic credentials answers {"token","access_token","expires_in","issued_at"}.
CONTROL_FILE, reread on every request, holds lines:
  user NAME PASSWORD        the one account (wrong or missing: see below)
  grant REPO ACTIONS        what that account may do on REPO (pull or
                            pull,push); a scope is granted as the
                            intersection of what was asked and this
  issuer ISSUER             the JWT's iss (the registry's token.issuer)
  ttl SECONDS               the token's life (default 300)
  expires_in SECONDS        what the answer says the life is (default: the
                            truth, ttl), to test a client against a lie
Wrong credentials are 401. No credentials get a token with no access, as
Docker's own token servers give anonymous users.

The JWT header carries the signing certificate as x5c; distribution 2.8
verifies that chain against its rootcertbundle (CERT.pem itself). Its
check of exp allows 60 s of clock skew, so the exp claim is set 60 s
before the real end: the registry refuses the token ttl (to ttl + 1)
seconds after it was issued, which is what expires_in tells the client.
LOG_FILE gets one line per request: "token SCOPES -> STATUS GRANTED".
"""
import base64

import json
import math
import os
import subprocess
import sys
import time
import urllib.parse

import servelib

KEY, CERT, CONTROL, PORT_FILE, LOG = sys.argv[1:6]
SKEW = 60  # distribution's token.Leeway


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def cert_der_b64():
    pem = open(CERT).read()
    body = pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return "".join(body.split())


def control():
    c = {"user": None, "grants": {}, "issuer": "lifeboat-token-issuer", "ttl": 300,
         "expires_in": None}
    try:
        with open(CONTROL) as f:
            for line in f:
                w = line.split()
                if not w:
                    continue
                if w[0] == "user":
                    c["user"] = (w[1], w[2])
                elif w[0] == "grant":
                    c["grants"][w[1]] = set(w[2].split(","))
                elif w[0] == "issuer":
                    c["issuer"] = w[1]
                elif w[0] == "ttl":
                    c["ttl"] = int(w[1])
                elif w[0] == "expires_in":
                    c["expires_in"] = int(w[1])
    except FileNotFoundError:
        pass
    return c


def sign(signing_input):
    p = subprocess.run(["openssl", "dgst", "-sha256", "-sign", KEY], input=signing_input,
                       capture_output=True, check=True)
    return p.stdout


log = servelib.line_logger(LOG)


class Handler(servelib.QuietHandler):
    def answer(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        c = control()
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query)
        scopes = [s for v in q.get("scope", []) for s in v.split(" ") if s]
        if url.path != "/token":
            return self.answer(404, {"error": "not found"})
        subject = ""
        auth = self.headers.get("Authorization", "")
        if auth:
            try:
                scheme, b = auth.split(" ", 1)
                user, pw = base64.b64decode(b).decode().split(":", 1)
            except Exception:
                scheme, user, pw = "", "", ""
            if scheme != "Basic" or not c["user"] or (user, pw) != c["user"]:
                log(f"token {' '.join(scopes)} -> 401")
                return self.answer(401, {"errors": [{"code": "UNAUTHORIZED",
                                                     "message": "wrong user or password"}]})
            subject = user
        access = []
        for s in scopes:
            parts = s.split(":")
            if len(parts) != 3 or parts[0] != "repository":
                continue
            allowed = c["grants"].get(parts[1], set()) if subject else set()
            granted = sorted(set(parts[2].split(",")) & allowed)
            if granted:
                access.append({"type": "repository", "name": parts[1], "actions": granted})
        # Whole seconds in the JWT: round up, so the token lives at least ttl.
        now = math.ceil(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [cert_der_b64()]}
        claims = {"iss": c["issuer"], "sub": subject, "aud": q.get("service", [""])[0],
                  "exp": now + c["ttl"] - SKEW, "nbf": now - 1, "iat": now,
                  "jti": b64url(os.urandom(12)), "access": access}
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode())).encode()
        token = signing_input.decode() + "." + b64url(sign(signing_input))
        log(f"token {' '.join(scopes)} -> 200 " +
            " ".join(f"{a['name']}:{','.join(a['actions'])}" for a in access))
        self.answer(200, {"token": token, "access_token": token, "expires_in": c["expires_in"] or c["ttl"],
                          "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))})


servelib.serve(Handler, PORT_FILE)
