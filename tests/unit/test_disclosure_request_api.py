"""``POST /disclosure-requests`` and friends against a recording Temporal: what is checked
before a workflow is named, what the workflow is given (never the CPR number), what the
requester and the police see."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from temporalio.exceptions import WorkflowAlreadyStartedError

from services.api.app import create_app
from tests.unit.test_access_matrix import FakeTemporal
from verdictflow.domain.identity import person_ref
from verdictflow.domain.requests import request_workflow_id
from verdictflow.platform.identity_provider import issue_dev_token
from verdictflow.platform.keys import FileKeyStore
from verdictflow.platform.readmodel import AuditEntry, DisclosureRequestRecord, read_model_database
from verdictflow.platform.settings import Settings
from workflows.request.messages import MatchedCase, RequestDetails, RequestInput

CPR = "0101901234"
ORG, AREA = "bbs", "broendby-strand"  # bbs lets homes in Brøndby Strand (reference data)
BODY = {"cpr": "010190-1234", "area_id": AREA,
        "reason": "Naboer melder om trusler i opgangen; vi beder om oplysning om dom."}


class RecordingTemporal(FakeTemporal):
    """Starts each request once (a second start is Temporal's "already started") and
    answers the details query from what it was started with."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    async def start_workflow(self, _run: Any, arg: Any, **kw: Any) -> None:
        if kw["id"] in self.ids:
            raise WorkflowAlreadyStartedError(kw["id"], "DisclosureRequest")
        self.ids.append(kw["id"])
        self.started.append(arg)

    def get_workflow_handle(self, workflow_id: str) -> Any:
        started = {request_workflow_id(r.request_id): r for r in self.started}

        class Handle:
            async def query(self, *_a: Any, **_kw: Any) -> RequestDetails:
                r: RequestInput = started[workflow_id]
                return RequestDetails(r.request_id, "open", r.org_id, r.area_id,
                                      r.police_district, r.requested_on, r.open_until,
                                      r.reason, None, [MatchedCase("case-x", "eligibility")])
        return Handle()


@dataclass
class Env:
    settings: Settings
    keys: FileKeyStore
    client: TestClient
    temporal: RecordingTemporal

    def auth(self, org: str = ORG, role: str = "caseworker") -> dict[str, str]:
        token = issue_dev_token(self.settings, self.keys, org, role=role, subject="u-1")
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    settings = Settings(state_dir=tmp_path, environment="test",
                        disclosure_request_open_days=30)
    keys = FileKeyStore(settings.keys_dir)
    temporal = RecordingTemporal()
    read_model = read_model_database(settings)
    with TestClient(create_app(settings, temporal_client=temporal,
                               database=read_model)) as client:
        yield Env(settings, keys, client, temporal)
    read_model.dispose()


def test_a_request_starts_its_workflow_with_the_pseudonym_only(env: Env) -> None:
    r = env.client.post("/disclosure-requests", json=BODY, headers=env.auth())
    assert r.status_code == 201, r.text
    view = r.json()
    assert (view["state"], view["org_id"], view["police_district"]) == (
        "open", ORG, "kbh-vestegn")
    [started] = env.temporal.started
    assert started.person_ref == person_ref(CPR, env.keys.pseudonym_key())
    assert CPR not in repr(started) and "010190" not in repr(started)
    assert CPR not in started.request_id and env.temporal.ids == [
        request_workflow_id(view["request_id"])]
    assert (date.fromisoformat(started.open_until)
            - date.fromisoformat(started.requested_on)).days == 30

    again = env.client.post("/disclosure-requests", json=BODY, headers=env.auth())
    assert again.status_code == 200 and again.json()["request_id"] == view["request_id"]


@pytest.mark.parametrize(("body", "org", "why"), [
    ({**BODY, "cpr": "12345678901"}, ORG, "cpr: a CPR number has 10 digits"),
    ({**BODY, "area_id": "motalavej"}, ORG, "lets no homes in area 'motalavej'"),
    ({**BODY, "area_id": "nowhere"}, ORG, "unknown area 'nowhere'"),
    (BODY, "pab", None),  # pab lets homes in Brøndby Strand too: allowed
    ({**BODY, "reason": "fordi"}, ORG, "a reason of 10 to 1000 characters"),
    ({**BODY, "area_id": "blokhaven"}, "aab", "ended on 2021-12-31"),
])
def test_a_request_that_cannot_be_made_says_why(env: Env, body: dict[str, Any], org: str,
                                                 why: str | None) -> None:
    r = env.client.post("/disclosure-requests", json=body, headers=env.auth(org))
    if why is None:
        assert r.status_code == 201, r.text
        return
    assert r.status_code == 422 and why in r.json()["detail"], r.text
    assert "12345678901" not in r.text and env.temporal.started == []


def written(env: Env, rid: str) -> None:
    """The row the request workflow writes when it starts (the worker's part, done here)."""
    db = read_model_database(env.settings)
    with db.session() as s:
        s.add(DisclosureRequestRecord(request_id=rid, org_id=ORG, area_id=AREA,
                                      police_district="kbh-vestegn", person_ref="p-x",
                                      state="open", requested_on=date.today(),
                                      open_until=date.today()))
        s.commit()
    db.dispose()


def test_the_requester_sees_its_request_the_police_see_the_matches(env: Env) -> None:
    made = env.client.post("/disclosure-requests", json=BODY, headers=env.auth()).json()
    rid = made["request_id"]
    written(env, rid)
    mine = env.client.get(f"/disclosure-requests/{rid}", headers=env.auth()).json()
    assert mine["reason"] == BODY["reason"] and mine["matched_cases"] is None
    police = env.auth("kbh-vestegn", "police_reviewer")
    theirs = env.client.get(f"/disclosure-requests/{rid}", headers=police).json()
    assert theirs["matched_cases"] == [{"case_id": "case-x", "stage": "eligibility"}]
    # Another housing organisation, or another district, learns nothing of it.
    for other in (env.auth("pab"), env.auth("sydsjaelland-lolland-falster", "police_reviewer")):
        assert env.client.get(f"/disclosure-requests/{rid}", headers=other).status_code == 404


def test_listing_is_scoped_and_every_step_audited(env: Env) -> None:
    rid = env.client.post("/disclosure-requests", json=BODY, headers=env.auth()).json()[
        "request_id"]
    written(env, rid)
    db = read_model_database(env.settings)
    assert [r["request_id"] for r in env.client.get(
        "/disclosure-requests", headers=env.auth()).json()] == [rid]
    assert env.client.get("/disclosure-requests", headers=env.auth("pab")).json() == []
    assert [r["request_id"] for r in env.client.get(
        "/disclosure-requests", headers=env.auth("kbh-vestegn", "police_reviewer")).json()] \
        == [rid]
    env.client.get(f"/disclosure-requests/{rid}", headers=env.auth())
    with db.session() as s:
        entries = [(e.action, e.detail) for e in s.exec(select(AuditEntry))]
    assert ("request.made", rid) in entries and ("request.read", rid) in entries
    assert not any(CPR in (d or "") for _, d in entries)
    db.dispose()
