"""Task API authentication (bearer JWT) and role checks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from services.api.app import create_app
from services.api.auth import (
    ALGORITHM,
    AUDIENCE,
    ISSUER,
    InvalidToken,
    Principal,
    issue_dev_token,
    verify_token,
)
from verdictflow.keys import FileKeyStore
from verdictflow.settings import Settings

ORG = "hs-brondby"


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
    base = {"iss": ISSUER, "aud": AUDIENCE, "sub": "cw-1", "org": ORG, "role": "caseworker",
            "iat": now, "exp": now + 600}
    return {k: v for k, v in {**base, **overrides}.items() if v is not None}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_dev_token_round_trip(settings: Settings, keys: FileKeyStore) -> None:
    token = issue_dev_token(settings, keys, ORG, role="supervisor", subject="sup-1")
    assert verify_token(token, settings, keys) == Principal("sup-1", ORG, "supervisor")


def test_dev_tokens_are_refused_in_production(tmp_path: Path, keys: FileKeyStore) -> None:
    prod = Settings(state_dir=tmp_path, environment="production")
    with pytest.raises(RuntimeError):
        issue_dev_token(prod, keys, ORG)


def test_dev_token_rejects_unknown_role(settings: Settings, keys: FileKeyStore) -> None:
    with pytest.raises(ValueError):
        issue_dev_token(settings, keys, ORG, role="admin")


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
        (claims(aud="another-api"), "the token is not meant for this API"),
        (claims(iss="someone-else"), "the token is from an unknown issuer"),
        (claims(exp=None), "the token lacks the 'exp' claim"),
        (claims(org=None), "the token names no organisation"),
        (claims(role="admin"), "the token carries an unknown role"),
    ],
)
def test_bad_claims_are_401(client: TestClient, keys: FileKeyStore,
                            token_claims: dict[str, Any], detail: str) -> None:
    token = jwt.encode(token_claims, keys.api_token_key(), algorithm=ALGORITHM)
    r = client.get("/tasks", headers=bearer(token))
    assert r.status_code == 401
    assert r.json()["detail"] == detail


def test_wrong_signature_is_401(client: TestClient) -> None:
    token = jwt.encode(claims(), b"k" * 32, algorithm=ALGORITHM)
    r = client.get("/tasks", headers=bearer(token))
    assert r.status_code == 401
    assert r.json()["detail"] == "the token is invalid"


def test_unsigned_token_is_401(client: TestClient) -> None:
    token = jwt.encode(claims(), None, algorithm="none")
    assert client.get("/tasks", headers=bearer(token)).status_code == 401


def test_garbage_token_raises_invalid_token(settings: Settings, keys: FileKeyStore) -> None:
    with pytest.raises(InvalidToken):
        verify_token("not-a-jwt", settings, keys)


@pytest.mark.parametrize("role", ["operator", "auditor"])
def test_roles_without_personal_data_get_403(client: TestClient, settings: Settings,
                                             keys: FileKeyStore, role: str) -> None:
    h = bearer(issue_dev_token(settings, keys, ORG, role=role))
    assert client.get("/tasks", headers=h).status_code == 403
    assert client.get("/tasks/any", headers=h).status_code == 403
    r = client.post("/tasks/any/decision", headers=h,
                    json={"outcome": "warn", "justification": "x" * 20})
    assert r.status_code == 403


@pytest.mark.parametrize("role", ["caseworker", "supervisor", "police_reviewer"])
def test_task_roles_may_list(client: TestClient, settings: Settings, keys: FileKeyStore,
                             role: str) -> None:
    r = client.get("/tasks", headers=bearer(issue_dev_token(settings, keys, ORG, role=role)))
    assert r.status_code == 200 and r.json() == []


def test_health_and_docs_need_no_token(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/tasks", "/tasks/{task_id}", "/tasks/{task_id}/decision"} <= set(paths)
