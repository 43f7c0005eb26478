"""Who may do what: every role × every endpoint × own/other organisation, and every bad token.

Read the table row by row: an endpoint, then the status each role gets. "own" is a task of
the caller's organisation of the kind their role works on (a decision task for housing
roles, a review task for the police district); "other" is the same kind of task in another
organisation, which must look exactly like a task that does not exist (404, never 403).
Listing endpoints are checked for scope too: only the caller's organisation's rows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi.testclient import TestClient
from temporalio.service import RPCError, RPCStatusCode

from services.api.app import create_app
from services.api.notifications import MunicipalityNotification
from verdictflow.platform.audit import record_audit
from verdictflow.platform.database import Database
from verdictflow.platform.identity_provider import issue_dev_token, jwks
from verdictflow.platform.keys import FileKeyStore
from verdictflow.platform.readmodel import DisclosureRequestRecord, Task, read_model_database
from verdictflow.platform.settings import Settings
from workflows.case.messages import DecisionAccepted

ORG, OTHER_ORG = "hs-brondby", "hs-slagelse"
DISTRICT, OTHER_DISTRICT = "kbh-vestegn", "midt-vestsjaelland"
MUNICIPALITY, OTHER_MUNICIPALITY = "0153", "0330"  # Brøndby, Slagelse

ROLES = ("caseworker", "supervisor", "police_reviewer", "municipality_caseworker", "operator",
         "auditor", None)  # None: no token at all
HOME = {"caseworker": ORG, "supervisor": ORG, "police_reviewer": DISTRICT,
        "municipality_caseworker": MUNICIPALITY, "operator": ORG, "auditor": ORG, None: ORG}

# fmt: off
#                                  case-  super- police  munici- oper-  audi-  no
#                                  worker visor  review  pality  ator   tor    token
MATRIX: dict[str, tuple[int, ...]] = {
    "GET  /tasks":                  (200,   200,   200,    200,    403,   403,   401),
    "GET  /tasks/{own}":            (200,   200,   200,    200,    403,   403,   401),
    "GET  /tasks/{other}":          (404,   404,   404,    404,    403,   403,   401),
    "POST /tasks/{own}/decision":   (200,   200,   200,    200,    403,   403,   401),
    "POST /tasks/{other}/decision": (404,   404,   404,    404,    403,   403,   401),
    "POST /tasks/{own}/assignee":   (403,   200,   403,    403,    403,   403,   401),
    "POST /tasks/{other}/assignee": (403,   404,   403,    403,    403,   403,   401),
    "GET  /notifications":          (403,   403,   403,    200,    403,   403,   401),
    "GET  /audit":                  (403,   403,   403,    403,    403,   200,   401),
    "POST /reentry-blocks/check":   (200,   200,   403,    403,    403,   403,   401),
    # A housing organisation asks only about its own areas (ORG lets none in the reference
    # data: 422 with the reason); the police district reads the requests it reviews.
    "POST /disclosure-requests":    (422,   422,   403,    403,    403,   403,   401),
    "GET  /disclosure-requests":    (200,   200,   200,    403,    403,   403,   401),
    "GET  /disclosure-requests/{own}": (200, 200,  200,    403,    403,   403,   401),
    "GET  /disclosure-requests/{other}": (404, 404, 404,   403,    403,   403,   401),
    "GET  /healthz":                (200,   200,   200,    200,    200,   200,   200),
    "GET  /.well-known/jwks.json":  (200,   200,   200,    200,    200,   200,   200),
}
# fmt: on
CASES = [(endpoint, role, expected[i])
         for endpoint, expected in MATRIX.items() for i, role in enumerate(ROLES)]


@dataclass
class FakeTemporal:
    """Accepts every decision and every new request; knows no request's details (as past
    retention). The workflows' own checks are not this test's subject."""

    def __init__(self) -> None:
        self.started: list[Any] = []

    async def start_workflow(self, _run: Any, arg: Any, **_kw: Any) -> None:
        self.started.append(arg)

    def get_workflow_handle(self, workflow_id: str) -> Any:
        class Handle:
            async def execute_update(self, _name: str, req: Any, **_kw: Any) -> DecisionAccepted:
                return DecisionAccepted(workflow_id, req.task_id, req.outcome, "decided")

            async def query(self, *_a: Any, **_kw: Any) -> Any:
                raise RPCError("workflow not found", RPCStatusCode.NOT_FOUND, b"")
        return Handle()


@dataclass
class Env:
    settings: Settings
    keys: FileKeyStore
    client: TestClient


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    settings = Settings(state_dir=tmp_path, environment="test")
    keys = FileKeyStore(settings.keys_dir)
    read_model = read_model_database(settings)
    with TestClient(create_app(settings, temporal_client=FakeTemporal(),
                               database=read_model)) as client:
        _seed(read_model)
        yield Env(settings, keys, client)
    read_model.dispose()


def _seed(read_model: Database) -> None:
    with read_model.session() as s:
        for case, org, kind in [("own", ORG, "decision"), ("other", OTHER_ORG, "decision"),
                                ("own-r", DISTRICT, "review"),
                                ("other-r", OTHER_DISTRICT, "review"),
                                ("own-m", MUNICIPALITY, "municipality_followup"),
                                ("other-m", OTHER_MUNICIPALITY, "municipality_followup")]:
            # No sealed disclosure: access is the subject here, not sealing.
            s.add(Task(task_id=f"t-{case}", case_id=f"case-{case}", kind=kind, org_id=org,
                       due_on=date(2030, 1, 1)))
        for name, org, district in (("own", ORG, DISTRICT), ("other", OTHER_ORG, OTHER_DISTRICT)):
            s.add(DisclosureRequestRecord(
                request_id=f"r-{name}", org_id=org, area_id="an-area", police_district=district,
                person_ref="p-0123", state="open", requested_on=date(2026, 11, 25),
                open_until=date(2027, 2, 23)))
        for muni in (MUNICIPALITY, OTHER_MUNICIPALITY):
            s.add(MunicipalityNotification(notification_id=f"n-{muni}", municipality_id=muni,
                                           case_id="case-own", kind="follow_up"))
        s.commit()
    for org in (ORG, OTHER_ORG):
        record_audit(read_model, actor="someone", action="disclosure.read", org_id=org,
                     case_id="case-own", task_id="t-own")


def _request(env: Env, endpoint: str, role: str | None) -> Any:
    method, path = endpoint.split()
    suffix = {"police_reviewer": "-r", "municipality_caseworker": "-m"}.get(role or "", "")
    if "/disclosure-requests" in path:
        path = path.format(own="r-own", other="r-other")
    path = path.format(own=f"t-own{suffix}", other=f"t-other{suffix}")
    body: dict[str, Any] | None = None
    if path == "/disclosure-requests" and method == "POST":
        body = {"cpr": "0101901234", "area_id": "broendby-strand",
                "reason": "Begrundelse med tilstrækkelig længde."}
    elif path.endswith("/decision"):
        outcome = {"police_reviewer": "disclose",
                   "municipality_caseworker": "no_measure"}.get(role or "", "warn")
        body = {"outcome": outcome,
                "justification": "Begrundelse med tilstrækkelig længde."}
    elif path.endswith("/assignee"):
        body = {"assignee": "cw-2"}
    elif path.endswith("/check"):
        body = {"cpr": "0101901234"}
    headers = {}
    if role is not None:
        token = issue_dev_token(env.settings, env.keys, HOME[role], role=role, subject="u-1")
        headers["Authorization"] = f"Bearer {token}"
    return env.client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("endpoint", "role", "expected"), CASES,
                         ids=[f"{e.split()[0]} {e.split()[1]} as {r or 'anonymous'}"
                              for e, r, _ in CASES])
def test_access(env: Env, endpoint: str, role: str | None, expected: int) -> None:
    r = _request(env, endpoint, role)

    assert r.status_code == expected, r.text
    if expected != 200 or not isinstance(r.json(), list):
        return
    # Lists: something of the caller's own, nothing of anyone else's.
    scope = {"GET  /tasks": "org_id", "GET  /notifications": "municipality_id",
             "GET  /audit": "org_id",
             "GET  /disclosure-requests": "police_district" if role == "police_reviewer"
             else "org_id"}[endpoint]
    assert r.json() and {row[scope] for row in r.json()} == {HOME[role]}


def test_other_orgs_task_is_indistinguishable_from_a_missing_one(env: Env) -> None:
    token = issue_dev_token(env.settings, env.keys, ORG, role="supervisor")
    h = {"Authorization": f"Bearer {token}"}
    other = env.client.post("/tasks/t-other/assignee", json={"assignee": "x"}, headers=h)
    missing = env.client.post("/tasks/nope/assignee", json={"assignee": "x"}, headers=h)
    assert other.status_code == missing.status_code == 404 and other.json() == missing.json()


def test_task_kind_follows_the_role_even_under_a_shared_org_id(env: Env) -> None:
    # A police reviewer whose district id equals a housing organisation's sees no decision
    # task of that organisation: the role, not only the org claim, scopes the tasks.
    token = issue_dev_token(env.settings, env.keys, ORG, role="police_reviewer")
    h = {"Authorization": f"Bearer {token}"}
    assert env.client.get("/tasks", headers=h).json() == []
    assert env.client.get("/tasks/t-own", headers=h).status_code == 404


def test_assignment_is_stored_shown_and_audited(env: Env) -> None:
    sup = issue_dev_token(env.settings, env.keys, ORG, role="supervisor", subject="sup-1")
    r = env.client.post("/tasks/t-own/assignee", json={"assignee": "cw-9"},
                        headers={"Authorization": f"Bearer {sup}"})
    assert r.status_code == 200 and r.json()["assignee"] == "cw-9"
    cw = issue_dev_token(env.settings, env.keys, ORG)
    [task] = env.client.get("/tasks", headers={"Authorization": f"Bearer {cw}"}).json()
    assert task["assignee"] == "cw-9"
    auditor = issue_dev_token(env.settings, env.keys, ORG, role="auditor")
    rows = env.client.get("/audit", headers={"Authorization": f"Bearer {auditor}"}).json()
    assert [(e["actor"], e["action"], e["task_id"]) for e in rows][-1] == (
        "sup-1", "task.assign", "t-own")
    assert set(rows[-1]) == {"id", "at", "actor", "org_id", "action", "case_id", "task_id"}


# -- tokens that must never get in ------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": "verdictflow-dev", "aud": "verdictflow-api", "sub": "cw-1", "org": ORG,
            "role": "caseworker", "iat": now, "exp": now + 600, **overrides}


def _dev_signed(keys: FileKeyStore, claims: dict[str, Any], kid: str | None = None) -> str:
    real_kid, private = keys.dev_idp_signing()
    return jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": kid or real_kid})


def _hs256(keys: FileKeyStore, secret: Callable[[FileKeyStore], bytes]) -> str:
    # Built by hand: PyJWT itself refuses to HMAC with something that looks like a key.
    kid = keys.dev_idp_signing()[0]
    signing_input = (_b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
                     + "." + _b64(json.dumps(_claims()).encode()))
    sig = hmac.new(secret(keys), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(sig)}"


def _public(keys: FileKeyStore, encoding: Encoding, fmt: PublicFormat) -> bytes:
    return keys.dev_idp_signing()[1].public_key().public_bytes(encoding, fmt)


INVALID, UNKNOWN_KID = "the token is invalid", "the token's signing key is unknown"
NOT_ACCEPTED = "the token is not signed with an accepted algorithm"
# name: (how the attacker builds it, the reason the caller is told)
BAD_TOKENS: dict[str, tuple[Callable[[FileKeyStore], str], str]] = {
    "forged: another key, the real kid": (lambda k: jwt.encode(
        _claims(), Ed25519PrivateKey.generate(), algorithm="EdDSA",
        headers={"kid": k.dev_idp_signing()[0]}), INVALID),
    "expired": (lambda k: _dev_signed(k, _claims(iat=int(time.time()) - 7200,
                                                 exp=int(time.time()) - 3600)),
                "the token has expired"),
    "wrong audience": (lambda k: _dev_signed(k, _claims(aud="another-api")),
                       "the token is not meant for this API"),
    "wrong issuer": (lambda k: _dev_signed(k, _claims(iss="https://evil.example")),
                     "the token is from an unknown issuer"),
    "unknown kid": (lambda k: _dev_signed(k, _claims(), kid="no-such-key"), UNKNOWN_KID),
    "no kid": (lambda k: jwt.encode(_claims(), k.dev_idp_signing()[1], algorithm="EdDSA"),
               "the token names no signing key (kid)"),
    "alg none": (lambda k: jwt.encode(_claims(), None, algorithm="none",
                                      headers={"kid": k.dev_idp_signing()[0]}), NOT_ACCEPTED),
    "HS256 keyed with the public key (PEM)": (lambda k: _hs256(
        k, lambda ks: _public(ks, Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)),
        NOT_ACCEPTED),
    "HS256 keyed with the public key (raw)": (lambda k: _hs256(
        k, lambda ks: _public(ks, Encoding.Raw, PublicFormat.Raw)), NOT_ACCEPTED),
    "HS256 keyed with the published JWK": (lambda k: _hs256(
        k, lambda ks: json.dumps(jwks(ks)["keys"][0]).encode()), NOT_ACCEPTED),
    # Accepted algorithm, wrong one for this key: the key (not the token) decides.
    "RS256 claimed for the EdDSA key": (lambda k: (
        _b64(json.dumps({"alg": "RS256", "kid": k.dev_idp_signing()[0]}).encode()) + "."
        + _b64(json.dumps(_claims()).encode()) + "." + _b64(b"\0" * 256)), INVALID),
}


@pytest.mark.parametrize(("make", "detail"), BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_bad_tokens_are_401(env: Env, make: Callable[[FileKeyStore], str], detail: str) -> None:
    r = env.client.get("/tasks", headers={"Authorization": f"Bearer {make(env.keys)}"})

    assert r.status_code == 401, r.text
    assert r.json()["detail"] == detail
    assert r.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
