"""The termination route over HTTP, without a Temporal server: a fake client records the
Update or query it was sent and answers as the case would (the case's own rules are
tests/workflows/test_termination_route.py's business)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from services.api.app import create_app
from services.api.auth import issue_dev_token
from verdictflow.domain.case import ROUTE_REQUIRED
from verdictflow.platform.database import Database
from verdictflow.platform.keys import FileKeyStore, provision
from verdictflow.platform.readmodel import AuditEntry, CaseRecord, Task, read_model_database
from verdictflow.platform.settings import Settings
from workflows.case.messages import (
    INVALID_DECISION,
    NOT_THE_CASE_ORG,
    CourtOutcomeRecord,
    DecisionAccepted,
    ObjectionRecord,
    SuitRecord,
    TerminationStatus,
)
from workflows.case.workflow import VerdictCaseWorkflow

ORG, OTHER_ORG = "hs-brondby", "hs-slagelse"
CASE = "case-route1"
TODAY = datetime.now(UTC).date()

STATUS = TerminationStatus(
    case_id=CASE, route="opsigelse", ground="almenlejeloven § 85, stk. 1, nr. 4",
    given_on="2026-01-15", effective_on="2026-05-01", objection_deadline="2026-02-26",
    sue_deadline="2026-04-09", objected_on="2026-02-01", awaiting="suit")


@dataclass
class FakeHandle:
    client: FakeTemporal
    workflow_id: str

    async def execute_update(self, update: Any, arg: Any, *, id: str | None = None,
                             result_type: type | None = None) -> Any:
        self.client.calls.append((self.workflow_id, update, arg, id))
        if self.client.fail is not None:
            raise self.client.fail
        if update is VerdictCaseWorkflow.decide:
            return DecisionAccepted(self.workflow_id, arg.task_id, arg.outcome, "decided")
        return self.client.status

    async def query(self, query: Any) -> Any:
        self.client.calls.append((self.workflow_id, query, None, None))
        if self.client.fail is not None:
            raise self.client.fail
        return self.client.status


@dataclass
class FakeTemporal:
    calls: list[tuple[str, Any, Any, str | None]] = field(default_factory=list)
    fail: BaseException | None = None
    status: TerminationStatus | None = field(default_factory=lambda: STATUS)

    def get_workflow_handle(self, workflow_id: str) -> FakeHandle:
        return FakeHandle(self, workflow_id)


@dataclass
class Env:
    settings: Settings
    keys: FileKeyStore
    client: TestClient
    temporal: FakeTemporal
    db: Database

    def post(self, step: str, body: dict[str, Any], org: str = ORG, role: str = "caseworker",
             case_id: str = CASE) -> Any:
        return self.client.post(f"/cases/{case_id}/termination/{step}", json=body,
                                headers=self.auth(org, role))

    def auth(self, org: str = ORG, role: str = "caseworker") -> dict[str, str]:
        token = issue_dev_token(self.settings, self.keys, org, role=role, subject="cw-7")
        return {"Authorization": f"Bearer {token}"}

    def audit(self) -> list[AuditEntry]:
        with self.db.session() as s:
            return list(s.exec(select(AuditEntry).order_by(AuditEntry.id)))


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    settings = Settings(state_dir=tmp_path, environment="test")
    keys = FileKeyStore(settings.keys_dir)
    provision(keys, [ORG, OTHER_ORG])
    fake = FakeTemporal()
    db = read_model_database(settings)
    with TestClient(create_app(settings, temporal_client=fake, database=db)) as client:
        with db.session() as s:
            s.add(CaseRecord(case_id=CASE, stage="objected", housing_org_id=ORG))
            s.add(CaseRecord(case_id="case-theirs", stage="objected", housing_org_id=OTHER_ORG))
            s.commit()
        yield Env(settings, keys, client, fake, db)
    db.dispose()


STEPS = [
    ("objection", {"objected_on": "2026-02-01"}, VerdictCaseWorkflow.record_objection,
     ObjectionRecord(ORG, "cw-7", "2026-02-01"), "termination.objection"),
    ("suit", {"sued_on": "2026-03-01"}, VerdictCaseWorkflow.record_suit,
     SuitRecord(ORG, "cw-7", "2026-03-01"), "termination.suit"),
    ("court-outcome", {"outcome": "unjustified", "decided_on": "2026-06-01"},
     VerdictCaseWorkflow.record_court_outcome,
     CourtOutcomeRecord(ORG, "cw-7", "unjustified", "2026-06-01"), "termination.court_outcome"),
]


@pytest.mark.parametrize(("step", "body", "update", "record", "action"), STEPS,
                         ids=[s[0] for s in STEPS])
def test_a_record_is_sent_as_an_update_and_audited_once(
        env: Env, step: str, body: dict[str, Any], update: Any, record: Any,
        action: str) -> None:
    first = env.post(step, body)
    again = env.post(step, body)  # the same record twice: one update id, one audit entry

    assert first.status_code == again.status_code == 200
    assert first.json()["sue_deadline"] == "2026-04-09" and first.json()["awaiting"] == "suit"
    [(wf, sent, arg, update_id), (_, _, _, update_id_again)] = env.temporal.calls
    assert (wf, sent, arg) == (CASE, update, record)
    assert update_id == update_id_again and update_id is not None
    [entry] = env.audit()
    assert (entry.actor, entry.org_id, entry.action, entry.case_id) == ("cw-7", ORG, action, CASE)


def test_another_organisations_case_is_404_like_an_unknown_one(env: Env) -> None:
    theirs = env.post("objection", {"objected_on": "2026-02-01"}, case_id="case-theirs")
    unknown = env.post("objection", {"objected_on": "2026-02-01"}, case_id="case-nosuch")
    read = env.client.get("/cases/case-theirs/termination", headers=env.auth())

    assert theirs.status_code == unknown.status_code == read.status_code == 404
    assert theirs.json() == unknown.json() == read.json()
    assert env.temporal.calls == [] and env.audit() == []


def test_the_case_refusing_another_organisation_is_404_too(env: Env) -> None:
    env.temporal.fail = WorkflowUpdateFailedError(ApplicationError(
        "not the case's housing organisation", type=NOT_THE_CASE_ORG))
    r = env.post("suit", {"sued_on": "2026-03-01"})
    assert r.status_code == 404 and r.json() == {"detail": "case not found"}


@pytest.mark.parametrize(("role", "code"), [("municipality_caseworker", 403),
                                            ("police_reviewer", 403), ("auditor", 403)])
def test_only_the_housing_organisations_caseworkers(env: Env, role: str, code: int) -> None:
    assert env.post("objection", {"objected_on": "2026-02-01"}, role=role).status_code == code
    r = env.client.post(f"/cases/{CASE}/termination/objection",
                        json={"objected_on": "2026-02-01"})
    assert r.status_code == 401
    assert env.post("objection", {"objected_on": "2026-02-01"},
                    role="supervisor").status_code == 200


def test_a_record_the_case_refuses_in_its_state_is_409(env: Env) -> None:
    env.temporal.fail = WorkflowUpdateFailedError(ApplicationError(
        "no objection is recorded: an opsigelse nobody objected to takes effect without a suit",
        type="ValueError"))
    r = env.post("suit", {"sued_on": "2026-03-01"})
    assert r.status_code == 409 and "no objection is recorded" in r.json()["detail"]
    env.temporal.fail = RPCError("workflow not found", RPCStatusCode.NOT_FOUND, b"")
    ended = env.post("suit", {"sued_on": "2026-03-01"})
    assert ended.status_code == 409 and "no longer" in ended.json()["detail"]
    assert env.audit() == []


def test_a_record_the_case_finds_invalid_is_422(env: Env) -> None:
    env.temporal.fail = WorkflowUpdateFailedError(ApplicationError(
        "objected_on is after the tenant's deadline (2026-02-26, § 89, stk. 2)",
        type=INVALID_DECISION))
    r = env.post("objection", {"objected_on": "2026-03-01"})
    assert r.status_code == 422 and "tenant's deadline" in r.json()["detail"]
    assert env.audit() == []


@pytest.mark.parametrize(("step", "body"), [
    ("court-outcome", {"outcome": "dismissed", "decided_on": "2026-06-01"}),
    ("court-outcome", {"outcome": "upheld"}),
    ("objection", {"objected_on": "1. februar"}),
    ("suit", {"sued_on": "2026-03-01", "court": "landsretten"}),
])
def test_malformed_records_are_422_before_the_case(env: Env, step: str,
                                                   body: dict[str, Any]) -> None:
    assert env.post(step, body).status_code == 422
    assert env.temporal.calls == []


def test_reading_the_route_is_audited(env: Env) -> None:
    r = env.client.get(f"/cases/{CASE}/termination", headers=env.auth())
    assert r.status_code == 200
    assert r.json()["effective_on"] == "2026-05-01" and r.json()["route"] == "opsigelse"
    assert [e.action for e in env.audit()] == ["termination.read"]
    env.temporal.status = None
    none = env.client.get(f"/cases/{CASE}/termination", headers=env.auth())
    assert none.status_code == 404 and "no termination route" in none.json()["detail"]


def test_openapi_documents_the_answers(env: Env) -> None:
    paths = env.client.get("/openapi.json").json()["paths"]
    for step in ("objection", "suit", "court-outcome"):
        answers = paths[f"/cases/{{case_id}}/termination/{step}"]["post"]["responses"]
        assert {"200", "400", "401", "403", "404", "409", "422"} <= set(answers)


# -- the decision chooses the route ---------------------------------------------------------
def decide(env: Env, **body: Any) -> Any:
    with env.db.session() as s:
        s.add(Task(task_id=f"{CASE}-decision", case_id=CASE, kind="decision", org_id=ORG,
                   due_on=TODAY + timedelta(days=14)))
        s.commit()
    return env.client.post(f"/tasks/{CASE}-decision/decision", headers=env.auth(), json={
        "outcome": "terminate", "justification": "Grov vold i opgangen, jf. § 85.",
        "termination_date": TODAY.isoformat(), **body})


def test_a_termination_without_its_route_is_422_saying_why(env: Env) -> None:
    r = decide(env)
    assert r.status_code == 422 and r.json()["detail"] == ROUTE_REQUIRED
    assert env.temporal.calls == []


def test_a_ground_that_does_not_fit_the_route_is_422(env: Env) -> None:
    r = decide(env, route="opsigelse", ground="almenlejeloven § 90, stk. 1, nr. 10")
    assert r.status_code == 422 and "§ 90 grounds are ophævelse" in r.json()["detail"]


def test_the_ground_travels_in_its_written_form(env: Env) -> None:
    r = decide(env, route="opsigelse", ground="§85 stk 1 nr 4")
    assert r.status_code == 200
    [(_, _, req, _)] = env.temporal.calls
    assert (req.route, req.ground) == ("opsigelse", "almenlejeloven § 85, stk. 1, nr. 4")
