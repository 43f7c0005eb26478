"""The codec server: Temporal's remote codec protocol, operators only, every decode audited."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from google.protobuf import json_format
from sqlmodel import select
from structlog.testing import capture_logs
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import WorkflowSerializationContext

from services.api.auth import OidcConfigError
from services.codec_server.app import create_codec_app
from verdictflow.platform.codec import EncryptionCodec
from verdictflow.platform.identity_provider import issue_dev_token
from verdictflow.platform.keys import FileKeyStore
from verdictflow.platform.readmodel import AuditEntry, read_model_database
from verdictflow.platform.settings import Settings

UI = "http://127.0.0.1:8233"
CPR = "0101901234"
PLAIN = Payload(metadata={"encoding": b"json/plain"},
                data=json.dumps({"person": {"cpr": CPR}}).encode())


@dataclass
class Env:
    settings: Settings
    keys: FileKeyStore
    client: TestClient

    def auth(self, role: str = "operator", org: str = "platform") -> dict[str, str]:
        token = issue_dev_token(self.settings, self.keys, org, role=role, subject=f"{role}-1")
        return {"Authorization": f"Bearer {token}", "X-Namespace": "default"}

    def post(self, path: str, payloads: list[Payload], role: str = "operator",
             **headers: str) -> Any:
        body = json_format.MessageToJson(Payloads(payloads=payloads))
        return self.client.post(path, content=body,
                                headers={"Content-Type": "application/json",
                                         **self.auth(role), **headers})

    def audit(self) -> list[AuditEntry]:
        with read_model_database(self.settings).session() as s:
            return list(s.exec(select(AuditEntry).order_by(AuditEntry.id)))


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    settings = Settings(state_dir=tmp_path, environment="test")
    keys = FileKeyStore(settings.keys_dir)
    with TestClient(create_codec_app(settings)) as client:
        yield Env(settings, keys, client)


def payloads_of(response: Any) -> list[Payload]:
    assert response.status_code == 200, response.text
    return list(json_format.Parse(response.text, Payloads()).payloads)


async def sealed_for_case(keys: FileKeyStore, workflow_id: str) -> Payload:
    primary, all_keys = keys.codec_keys()
    codec = EncryptionCodec(primary, all_keys, case_keys=keys.case_keys())
    for_case = codec.with_context(WorkflowSerializationContext("default", workflow_id))
    [sealed] = await for_case.encode([PLAIN])
    return sealed


# -- the protocol ---------------------------------------------------------------------
def test_round_trip_with_an_operator_token(env: Env) -> None:
    [sealed] = payloads_of(env.post("/encode", [PLAIN]))
    assert sealed.metadata["encoding"] == b"binary/encrypted"
    assert CPR.encode() not in sealed.data

    with capture_logs() as logs:
        [opened] = payloads_of(env.post("/decode", [sealed]))

    assert opened == PLAIN
    assert CPR not in json.dumps(logs, default=str)


def test_wire_format_is_protobuf_json(env: Env) -> None:
    body = {"payloads": [{"metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
                          "data": base64.b64encode(b'"hej"').decode()}]}
    r = env.client.post("/encode", json=body, headers=env.auth())
    [sealed] = r.json()["payloads"]
    assert base64.b64decode(sealed["metadata"]["encoding"]) == b"binary/encrypted"


async def test_case_payloads_open_and_each_case_is_audited(env: Env) -> None:
    sealed = [await sealed_for_case(env.keys, "case-aaa"),
              await sealed_for_case(env.keys, "reentry-case-bbb")]

    assert payloads_of(env.post("/decode", sealed)) == [PLAIN, PLAIN]

    assert [(e.actor, e.org_id, e.action, e.case_id) for e in env.audit()] == [
        ("operator-1", "platform", "codec.decode", "case-aaa"),
        ("operator-1", "platform", "codec.decode", "case-bbb"),
    ]


def test_every_decode_is_audited(env: Env) -> None:
    [sealed] = payloads_of(env.post("/encode", [PLAIN]))
    for _ in range(2):
        payloads_of(env.post("/decode", [sealed]))

    assert [(e.actor, e.action, e.case_id) for e in env.audit()] == [
        ("operator-1", "codec.decode", None)] * 2


def test_namespace_path_prefix_is_served_and_other_namespaces_are_not(env: Env) -> None:
    [sealed] = payloads_of(env.post("/default/encode", [PLAIN]))
    assert payloads_of(env.post("/default/decode", [sealed])) == [PLAIN]

    r = env.post("/decode", [sealed], **{"X-Namespace": "someone-elses"})
    assert r.status_code == 404 and "someone-elses" in r.json()["detail"]


# -- who may ----------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["caseworker", "supervisor", "police_reviewer",
                                  "municipality_caseworker", "auditor"])
def test_only_operators_decode(env: Env, role: str) -> None:
    [sealed] = payloads_of(env.post("/encode", [PLAIN]))

    r = env.post("/decode", [sealed], role=role)

    assert r.status_code == 403 and CPR not in r.text
    assert env.post("/encode", [PLAIN], role=role).status_code == 403
    assert env.audit() == []


def test_no_token_is_401(env: Env) -> None:
    for path in ("/decode", "/encode"):
        r = env.client.post(path, json={"payloads": []})
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


def test_production_refuses_to_start_without_an_identity_provider(tmp_path: Path) -> None:
    with pytest.raises(OidcConfigError):
        create_codec_app(Settings(state_dir=tmp_path, environment="production"))


# -- what cannot be opened --------------------------------------------------------------
def test_unknown_key_id_is_422_naming_it(env: Env) -> None:
    stray = Payload(metadata={"encoding": b"binary/encrypted", "encryption-key-id": b"k-gone"},
                    data=b"\0" * 40)

    r = env.post("/decode", [stray])

    assert r.status_code == 422
    assert r.json()["detail"] == ("a payload cannot be opened: payload sealed with unknown "
                                  "codec key 'k-gone'")
    assert env.audit() == []


async def test_purged_case_is_410(env: Env) -> None:
    sealed = await sealed_for_case(env.keys, "case-ccc")
    env.keys.case_keys().destroy("case-ccc")

    r = env.post("/decode", [sealed])

    assert r.status_code == 410 and "purged" in r.json()["detail"]


@pytest.mark.parametrize("body", [b"not json", b'{"payloads": {"data": "x"}}',
                                  b'{"payloads": [{"meta": {}}]}', b"\xff\xfe"])
def test_malformed_body_is_400(env: Env, body: bytes) -> None:
    r = env.client.post("/decode", content=body,
                        headers={"Content-Type": "application/json", **env.auth()})
    assert r.status_code == 400 and "protobuf JSON" in r.json()["detail"]


# -- CORS -------------------------------------------------------------------------------
def preflight(env: Env, origin: str) -> Any:
    return env.client.options("/decode", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace"})


def test_cors_allows_the_web_ui_with_credentials(env: Env) -> None:
    r = preflight(env, UI)
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == UI
    assert r.headers["access-control-allow-credentials"] == "true"
    allowed = {h.strip().lower() for h in r.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "x-namespace"} <= allowed

    [sealed] = payloads_of(env.post("/encode", [PLAIN], Origin=UI))
    r = env.post("/decode", [sealed], Origin=UI)
    assert r.headers["access-control-allow-origin"] == UI


def test_cors_gives_another_origin_nothing(env: Env) -> None:
    assert "access-control-allow-origin" not in preflight(env, "https://evil.example").headers
    r = env.post("/encode", [PLAIN], Origin="https://evil.example")
    assert "access-control-allow-origin" not in r.headers
