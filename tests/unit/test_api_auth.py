"""Access tokens: the development issuer, OIDC verification, production refusal, 401s.

Who may do what with a valid token is tests/unit/test_access_matrix.py.
"""

from __future__ import annotations

import json
import stat
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm

from services.api.app import create_app
from services.api.auth import InvalidToken, OidcConfigError, Principal, verify_token
from services.api.auth import issue_dev_token as reexported
from verdictflow.platform.identity_provider import issue_dev_token, jwks
from verdictflow.platform.keys import FileKeyStore
from verdictflow.platform.settings import Settings

ORG = "hs-brondby"
IDP = "https://idp.example.dk/realms/partnerskab"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path, environment="test")


@pytest.fixture
def keys(settings: Settings) -> FileKeyStore:
    return FileKeyStore(settings.keys_dir)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, temporal_client=object())) as c:  # type: ignore[arg-type]
        yield c


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": "verdictflow-dev", "aud": "verdictflow-api", "sub": "cw-1", "org": ORG,
            "role": "caseworker", "iat": now, "exp": now + 600}
    return {k: v for k, v in {**base, **overrides}.items() if v is not None}


def signed(keys: FileKeyStore, token_claims: dict[str, Any]) -> str:
    kid, private = keys.dev_idp_signing()
    return jwt.encode(token_claims, private, algorithm="EdDSA", headers={"kid": kid})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- the development issuer ----------------------------------------------------------
def test_dev_token_round_trip(settings: Settings, keys: FileKeyStore) -> None:
    token = issue_dev_token(settings, keys, ORG, role="supervisor", subject="sup-1",
                            municipality="0153")
    assert verify_token(token, settings, keys) == Principal("sup-1", ORG, "supervisor", "0153")
    assert reexported is issue_dev_token  # demo.py and the CLI import it from the API


def test_dev_token_is_signed_with_a_published_key(settings: Settings, keys: FileKeyStore) -> None:
    header = jwt.get_unverified_header(issue_dev_token(settings, keys, ORG))
    [published] = jwks(keys)["keys"]
    assert header["alg"] == "EdDSA" and header["kid"] == published["kid"]
    assert "d" not in published  # the public half only


def test_dev_idp_key_is_owner_only(keys: FileKeyStore) -> None:
    keys.dev_idp_signing()
    path = keys.dir / "dev-idp" / "signing.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_dev_tokens_are_not_issued_in_production(tmp_path: Path, keys: FileKeyStore) -> None:
    prod = Settings(state_dir=tmp_path, environment="production")
    with pytest.raises(RuntimeError):
        issue_dev_token(prod, keys, ORG)


def test_dev_token_rejects_unknown_role(settings: Settings, keys: FileKeyStore) -> None:
    with pytest.raises(ValueError):
        issue_dev_token(settings, keys, ORG, role="admin")


def test_jwks_is_served_outside_production(client: TestClient, keys: FileKeyStore) -> None:
    assert client.get("/.well-known/jwks.json").json() == jwks(keys)


# -- production -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("oidc", "problem"),
    [
        ({}, "VF_OIDC_JWKS_URL is empty"),
        ({"oidc_jwks_url": f"{IDP}/certs"}, "VF_OIDC_ISSUER is the development issuer"),
        ({"oidc_issuer": IDP, "oidc_jwks_url": "http://idp.example.dk/certs"}, "not https"),
    ],
)
def test_production_refuses_to_start_without_an_identity_provider(
    tmp_path: Path, oidc: dict[str, str], problem: str
) -> None:
    prod = Settings(state_dir=tmp_path, environment="production", **oidc)
    with pytest.raises(OidcConfigError, match=problem):
        create_app(prod)


def test_production_refuses_dev_tokens_and_hides_the_dev_jwks(
    tmp_path: Path, settings: Settings, keys: FileKeyStore
) -> None:
    prod = Settings(state_dir=tmp_path, environment="production", oidc_issuer=IDP,
                    oidc_jwks_url=f"{IDP}/protocol/openid-connect/certs")
    dev_token = issue_dev_token(settings, keys, ORG)
    with TestClient(create_app(prod)) as c:
        assert c.get("/.well-known/jwks.json").status_code == 404
        r = c.get("/tasks", headers=bearer(dev_token))  # refused before any JWKS fetch
    assert r.status_code == 401 and r.json()["detail"] == "the token is from an unknown issuer"


# -- an external identity provider (JWKS over HTTP, RS256) ----------------------------
@pytest.fixture
def idp() -> Iterator[tuple[str, Any]]:
    rsa = generate_private_key(public_exponent=65537, key_size=2048)
    jwk = {**RSAAlgorithm.to_jwk(rsa.public_key(), as_dict=True), "kid": "rsa-1", "use": "sig",
           "alg": "RS256"}
    body = json.dumps({"keys": [jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/certs", rsa
    server.shutdown()


def test_tokens_of_an_external_idp_are_verified_against_its_jwks(
    tmp_path: Path, keys: FileKeyStore, idp: tuple[str, Any]
) -> None:
    url, rsa = idp
    settings = Settings(state_dir=tmp_path, environment="test", oidc_issuer=IDP,
                        oidc_jwks_url=url)
    token = jwt.encode(claims(iss=IDP, sub="k-77", role="police_reviewer", org="kbh-vestegn"),
                       rsa, algorithm="RS256", headers={"kid": "rsa-1"})
    assert verify_token(token, settings, keys) == Principal("k-77", "kbh-vestegn",
                                                            "police_reviewer")
    # With an IdP configured, the key store's development key signs nothing that counts.
    with pytest.raises(InvalidToken, match="signing key is unknown"):
        verify_token(signed(keys, claims(iss=IDP)), settings, keys)


def test_unreachable_jwks_is_503_not_401(tmp_path: Path, keys: FileKeyStore) -> None:
    settings = Settings(state_dir=tmp_path, environment="test", oidc_issuer=IDP,
                        oidc_jwks_url="http://127.0.0.1:9/certs")  # discard port: refused
    with TestClient(create_app(settings)) as c:
        r = c.get("/tasks", headers=bearer(signed(keys, claims(iss=IDP))))
    assert r.status_code == 503


# -- 401s with their reasons ----------------------------------------------------------
def test_missing_token_is_401_with_challenge(client: TestClient) -> None:
    r = client.get("/tasks")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


def test_basic_auth_is_not_a_bearer_token(client: TestClient) -> None:
    r = client.get("/tasks", headers={"Authorization": "Basic Y3c6c2VjcmV0"})
    assert r.status_code == 401


def test_expired_token_is_401(client: TestClient, settings: Settings, keys: FileKeyStore) -> None:
    token = issue_dev_token(settings, keys, ORG, ttl=timedelta(minutes=-5))
    r = client.get("/tasks", headers=bearer(token))
    assert r.status_code == 401
    assert r.json()["detail"] == "the token has expired"
    assert r.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


@pytest.mark.parametrize(
    ("token_claims", "detail"),
    [
        # Built when the test runs, not when it is collected: times are relative to now.
        (lambda: claims(aud="another-api"), "the token is not meant for this API"),
        (lambda: claims(iss="someone-else"), "the token is from an unknown issuer"),
        (lambda: claims(exp=None), "the token lacks the 'exp' claim"),
        (lambda: claims(iat=None), "the token lacks the 'iat' claim"),
        (lambda: claims(nbf=int(time.time()) + 3600), "the token is not valid yet"),
        (lambda: claims(iat=int(time.time()) + 3600, exp=int(time.time()) + 7200),
         "the token is not valid yet"),
        # Both within the clock-skew leeway, so only the ordering check can catch it.
        (lambda: claims(iat=int(time.time()) + 10, exp=int(time.time()) + 5),
         "the token expires before it was issued"),
        (lambda: claims(org=None), "the token names no organisation"),
        (lambda: claims(role="admin"), "the token carries an unknown role"),
    ],
)
def test_bad_claims_are_401(client: TestClient, keys: FileKeyStore,
                            token_claims: Callable[[], dict[str, Any]], detail: str) -> None:
    r = client.get("/tasks", headers=bearer(signed(keys, token_claims())))
    assert r.status_code == 401
    assert r.json()["detail"] == detail


def test_garbage_token_raises_invalid_token(settings: Settings, keys: FileKeyStore) -> None:
    with pytest.raises(InvalidToken):
        verify_token("not-a-jwt", settings, keys)


# -- roles ----------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["operator", "auditor"])
def test_roles_without_task_access_get_403(client: TestClient, settings: Settings,
                                           keys: FileKeyStore, role: str) -> None:
    h = bearer(issue_dev_token(settings, keys, ORG, role=role))
    assert client.get("/tasks", headers=h).status_code == 403
    assert client.get("/tasks/any", headers=h).status_code == 403
    r = client.post("/tasks/any/decision", headers=h,
                    json={"outcome": "warn", "justification": "x" * 20})
    assert r.status_code == 403
    assert r.json()["detail"] == f"the role {role!r} has no access to tasks"


@pytest.mark.parametrize("role", ["caseworker", "supervisor", "police_reviewer",
                                  "municipality_caseworker"])
def test_task_roles_may_list(client: TestClient, settings: Settings, keys: FileKeyStore,
                             role: str) -> None:
    r = client.get("/tasks", headers=bearer(issue_dev_token(settings, keys, ORG, role=role)))
    assert r.status_code == 200 and r.json() == []


def test_health_and_docs_need_no_token(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/tasks", "/tasks/{task_id}", "/tasks/{task_id}/decision",
            "/tasks/{task_id}/assignee", "/notifications", "/audit"} <= set(paths)
