"""The production sign-in, OIDC authorization code with PKCE, against a tiny identity
provider on loopback: discovery, the authorization redirect, the token exchange (client
credentials, S256 verifier) and its JWKS, then the pages with the token it issued."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from services.api.pages import oidc
from tests.browser.conftest import check_page
from tests.browser.site import ORG, Site, free_port, start_site

CLIENT_ID, CLIENT_SECRET = "verdictflow-pages", secrets.token_urlsafe(16)


class FakeIdp:
    """Just enough of an OpenID provider: one user, codes kept in memory, used once."""

    def __init__(self) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.key = Ed25519PrivateKey.generate()
        self.codes: dict[str, dict[str, str]] = {}
        self.token_requests: list[dict[str, str]] = []
        self.redirect_uri = ""
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._json(200, {"issuer": idp.issuer,
                                     "authorization_endpoint": f"{idp.issuer}/authorize",
                                     "token_endpoint": f"{idp.issuer}/token",
                                     "jwks_uri": f"{idp.issuer}/jwks"})
                elif url.path == "/jwks":
                    jwk = OKPAlgorithm.to_jwk(idp.key.public_key(), as_dict=True)
                    self._json(200, {"keys": [{**jwk, "kid": "idp-1", "alg": "EdDSA",
                                               "use": "sig"}]})
                elif url.path == "/authorize":
                    ok = (q.get("response_type") == "code" and q.get("client_id") == CLIENT_ID
                          and q.get("redirect_uri") == idp.redirect_uri
                          and q.get("code_challenge_method") == "S256"
                          and q.get("code_challenge") and q.get("state"))
                    if not ok:
                        self._json(400, {"error": "invalid_request"})
                        return
                    code = secrets.token_urlsafe(16)
                    idp.codes[code] = {"challenge": q["code_challenge"],
                                       "redirect_uri": q["redirect_uri"]}
                    # The user is signed in already: straight back with the code.
                    self.send_response(302)
                    self.send_header("Location", f"{q['redirect_uri']}?" + urlencode(
                        {"code": code, "state": q["state"]}))
                    self.end_headers()
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                idp.token_requests.append(form)
                basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {basic}":
                    self._json(401, {"error": "invalid_client"})
                    return
                grant = idp.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(
                    hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if (grant is None or form.get("grant_type") != "authorization_code"
                        or form.get("redirect_uri") != grant["redirect_uri"]
                        or challenge != grant["challenge"]):
                    self._json(400, {"error": "invalid_grant"})
                    return
                now = int(time.time())
                token = jwt.encode({"iss": idp.issuer, "aud": "verdictflow-api",
                                    "sub": "anna@bbs", "org": ORG, "role": "caseworker",
                                    "iat": now, "nbf": now, "exp": now + 3600},
                                   idp.key, algorithm="EdDSA",
                                   headers={"kid": "idp-1", "typ": "at+jwt"})
                self._json(200, {"access_token": token, "token_type": "Bearer",
                                 "expires_in": 3600})

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeIdp:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def idp_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeIdp, Site]]:
    with FakeIdp() as idp:
        port = free_port()
        idp.redirect_uri = f"http://127.0.0.1:{port}/ui/login/callback"
        site = start_site(Path(tmp_path_factory.mktemp("oidc")), port=port,
                          oidc_issuer=idp.issuer, oidc_jwks_url=f"{idp.issuer}/jwks",
                          oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET,
                          oidc_redirect_url=idp.redirect_uri)
        site.add_case("sag-oidc")
        yield idp, site
        site.server.stop()
        site.db.dispose()


def test_signs_in_with_the_code_flow_and_pkce(browser: Any,
                                              idp_site: tuple[FakeIdp, Site]) -> None:
    idp, site = idp_site
    context = browser.new_context(base_url=site.url, locale="da-DK")
    page = context.new_page()
    page.goto("/ui/login")
    check_page(page, "00-log-ind-oidc")
    page.get_by_role("link", name="Log ind med organisationens identitetsudbyder").click()
    page.wait_for_url("**/ui/opgaver")
    assert page.get_by_role("heading", level=1).inner_text() == "Indbakke"
    assert "anna@bbs" in page.locator("header").inner_text()
    assert "sag-oidc-decision" in page.locator("tbody").inner_text()
    [exchange] = idp.token_requests
    assert exchange["grant_type"] == "authorization_code" and exchange["code_verifier"]
    [session] = [c for c in context.cookies() if c["name"] == "vf_session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert not [c for c in context.cookies() if c["name"] == oidc.PENDING]  # used up
    context.close()


def test_a_callback_that_does_not_belong_to_this_browser_is_refused(
        browser: Any, idp_site: tuple[FakeIdp, Site]) -> None:
    _, site = idp_site
    context = browser.new_context(base_url=site.url, locale="da-DK")
    page = context.new_page()
    page.goto("/ui/login/callback?code=stolen&state=forged")
    assert page.url.endswith("/ui/login?fejl=oidc")
    assert "mislykkedes" in page.locator(".fejlresume").inner_text()
    assert not [c for c in context.cookies() if c["name"] == "vf_session"]
    context.close()


def test_the_token_endpoint_refuses_a_wrong_verifier(idp_site: tuple[FakeIdp, Site]) -> None:
    idp, site = idp_site
    url, pending = oidc.start(site.settings)
    assert "code_challenge_method=S256" in url and pending.verifier not in url
    back = httpx.get(url, follow_redirects=False).headers["location"]
    q = {k: v[0] for k, v in parse_qs(urlparse(back).query).items()}
    wrong = oidc.Pending(state=pending.state, verifier=secrets.token_urlsafe(64))
    with pytest.raises(oidc.LoginFailed, match="did not accept"):
        oidc.finish(site.settings, wrong, q["code"], q["state"])
