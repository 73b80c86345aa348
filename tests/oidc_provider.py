"""A minimal OpenID Connect provider for the SSO tests, served on 127.0.0.1 by the test itself.

Endpoints: discovery, JWKS, authorize (approves at once as `provider.person`), token
(authorization code + PKCE S256, client secret by HTTP Basic or form), userinfo. id_tokens are
RS256-signed. `provider.tamper` makes it misbehave the way an attacker or a broken provider
would: "nonce" (a nonce other than the one asked for), "signature" (signed by another key).
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KID = "test-key-1"


class Provider:
    def __init__(self, client_id="cchc-test", client_secret="s3cret-test"):
        self.client_id, self.client_secret = client_id, client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.person = {}
        self.tamper = None
        self.codes, self.tokens = {}, {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def discovery_url(self):
        return self.issuer + "/.well-known/openid-configuration"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # -- endpoints -----------------------------------------------------------------------

    def metadata(self):
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "userinfo_endpoint": self.issuer + "/userinfo",
            "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def jwks(self):
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": KID, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def authorize(self, query):
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return 400, {"error": "invalid_request"}
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "person": dict(self.person),
            "nonce": query.get("nonce"),
            "redirect_uri": query.get("redirect_uri"),
            "challenge": query.get("code_challenge"),
        }
        location = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
        return 302, location

    def token(self, form, authorization):
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if (client_id, secret) != (self.client_id, self.client_secret):
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code"), None)
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        if grant["challenge"]:
            digest = hashlib.sha256((form.get("code_verifier") or "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
                return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        access = secrets.token_urlsafe(24)
        self.tokens[access] = grant["person"]
        return 200, {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(grant["person"], grant["nonce"]),
        }

    def id_token(self, person, nonce):
        now = int(time.time())
        claims = {
            **person,
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": "not-the-nonce-asked-for" if self.tamper == "nonce" else nonce,
        }
        key = self.other_key if self.tamper == "signature" else self.key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})

    def userinfo(self, authorization):
        person = self.tokens.get(authorization.removeprefix("Bearer "))
        if person is None:
            return 401, {"error": "invalid_token"}
        return 200, person


def _handler(provider):
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status, body):
            if status == 302:
                self.send_response(302)
                self.send_header("Location", body)
                self.end_headers()
                return
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            auth = self.headers.get("Authorization", "")
            routes = {
                "/.well-known/openid-configuration": lambda: (200, provider.metadata()),
                "/jwks": lambda: (200, provider.jwks()),
                "/authorize": lambda: provider.authorize(query),
                "/userinfo": lambda: provider.userinfo(auth),
            }
            route = routes.get(url.path)
            self._answer(*(route() if route else (404, {"error": "not_found"})))

        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            form = {k: v[0] for k, v in parse_qs(body).items()}
            if urlsplit(self.path).path != "/token":
                return self._answer(404, {"error": "not_found"})
            self._answer(*provider.token(form, self.headers.get("Authorization", "")))

        def log_message(self, *args):
            pass

    return Handler
