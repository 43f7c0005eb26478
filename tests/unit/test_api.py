"""Task API: listing, reading (opened, masked, audited) and deciding, without a Temporal server.

The decision endpoint talks to a fake client that records the Update it was sent; the
real workflow behind it is the end-to-end test's business.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, get_args

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from structlog.testing import capture_logs
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from services.api import tasks as api_tasks
from services.api.app import create_app
from services.api.auth import issue_dev_token
from services.api.schemas import DecisionOutcome
from verdictflow.domain.case import TASK_OUTCOMES
from verdictflow.domain.sealing import seal_disclosure
from verdictflow.platform.database import Database
from verdictflow.platform.keys import FileKeyStore, provision
from verdictflow.platform.readmodel import AuditEntry, Task, read_model_database
from verdictflow.platform.settings import Settings
from workflows.case.messages import INVALID_DECISION, DecisionAccepted, DecisionRequest
from workflows.case.workflow import VerdictCaseWorkflow

ORG = "hs-brondby"
OTHER_ORG = "hs-slagelse"
DISTRICT = "kbh-vestegn"
CPR = "0101901234"
NAME = "Testperson Hansen"


# -- fakes and fixtures -------------------------------------------------------------------
@dataclass
class FakeHandle:
    client: FakeTemporal
    workflow_id: str

    async def execute_update(self, update: Any, arg: DecisionRequest, *, id: str | None = None,
                             result_type: type | None = None) -> DecisionAccepted:
        self.client.calls.append((self.workflow_id, update, arg, id))
        if self.client.fail is not None:
            raise self.client.fail
        return DecisionAccepted(self.workflow_id, arg.task_id, arg.outcome, "decided")


@dataclass
class FakeTemporal:
    calls: list[tuple[str, Any, DecisionRequest, str | None]] = field(default_factory=list)
    fail: BaseException | None = None

    def get_workflow_handle(self, workflow_id: str) -> FakeHandle:
        return FakeHandle(self, workflow_id)


@dataclass
class Env:
    settings: Settings
    keys: FileKeyStore
    client: TestClient
    temporal: FakeTemporal
    read_model: Database

    def auth(self, org: str = ORG, role: str = "caseworker",
             subject: str = "cw-1") -> dict[str, str]:
        token = issue_dev_token(self.settings, self.keys, org, role=role, subject=subject)
        return {"Authorization": f"Bearer {token}"}

    def audit(self) -> list[AuditEntry]:
        with self.read_model.session() as s:
            return list(s.exec(select(AuditEntry).order_by(AuditEntry.id)))


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    settings = Settings(state_dir=tmp_path, environment="test")
    keys = FileKeyStore(settings.keys_dir)
    provision(keys, [ORG, OTHER_ORG])
    fake = FakeTemporal()
    read_model = read_model_database(settings)  # the app's too: injected, as in production
    with TestClient(create_app(settings, temporal_client=fake, database=read_model)) as client:
        yield Env(settings, keys, client, fake, read_model)
    read_model.dispose()


def content(case_id: str) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "disclosure_id": f"{case_id}-d1",
        "legal_basis": "Almenboligloven § 63 d",
        "verdict": {"verdict_id": "v-1", "court": "Retten i Glostrup",
                    "case_reference": "SS-123/2025", "decided_on": "2025-03-01", "final": True},
        "person": {"cpr": CPR, "name": NAME,
                   "registered_address": {"street": "Strandesplanaden 10", "postcode": "2660",
                                          "city": "Brøndby Strand"}},
        "offences": [{"law": "straffeloven", "section": "245", "description": "vold"}],
        "sentence": {"kind": "unconditional_custody", "days": 60, "amount_dkk": None},
        "crime_scene": {"street": "Strandesplanaden 12", "postcode": "2660",
                        "city": "Brøndby Strand", "lat": 55.62, "lon": 12.42},
        "assessment": {"policy_version": "v1", "outcome": "eligible",
                       "rules": [{"rule": "offence_qualifies", "passed": True,
                                  "explanation": "straffeloven § 245 er omfattet"}]},
        "housing": {"housing_org_id": ORG, "department_id": "afd-1", "area_id": "brondby-strand",
                    "partnership_id": "p-brondby"},
        "decision_due_on": "2025-05-01",
    }


def sealed_for(keys: FileKeyStore, org: str, case_id: str) -> str:
    org_keys = keys.org_keys(org)
    kid, signer = keys.platform_signing()
    sealed = seal_disclosure(
        content(case_id), disclosure_id=f"{case_id}-d1", case_id=case_id, recipient_org=org,
        recipient_key_id=org_keys.encryption_key_id,
        recipient_public=org_keys.encryption.public_key(), signer=signer, signer_key_id=kid,
    )
    return json.dumps(sealed.to_dict())


def add_task(env: Env, case_id: str, org: str = ORG, kind: str = "decision",
             status: str = "open", sealed: str | None = "seal") -> str:
    task_id = f"{case_id}-{kind}"
    if sealed == "seal":
        sealed = sealed_for(env.keys, org, case_id) if kind == "decision" else None
    with env.read_model.session() as s:
        s.add(Task(task_id=task_id, case_id=case_id, kind=kind, org_id=org, status=status,
                   due_on=date.today() + timedelta(days=14), sealed_disclosure=sealed))
        s.commit()
    return task_id


# -- listing ------------------------------------------------------------------------------
def test_lists_only_own_open_tasks(env: Env) -> None:
    mine = add_task(env, "case-a")
    add_task(env, "case-b", status="done")
    add_task(env, "case-c", org=OTHER_ORG)

    r = env.client.get("/tasks", headers=env.auth())

    assert r.status_code == 200
    assert [t["task_id"] for t in r.json()] == [mine]
    assert set(r.json()[0]) == {"task_id", "case_id", "kind", "org_id", "status", "due_on",
                                "created_at", "assignee", "escalated_at", "escalated_to",
                                "legal_basis"}


def test_police_reviewer_lists_the_districts_review_tasks(env: Env) -> None:
    review = add_task(env, "case-r", org=DISTRICT, kind="review")
    add_task(env, "case-a")

    r = env.client.get("/tasks", headers=env.auth(org=DISTRICT, role="police_reviewer"))

    assert [t["task_id"] for t in r.json()] == [review]


# -- reading ------------------------------------------------------------------------------
def test_reads_disclosure_masked_and_audited(env: Env) -> None:
    task_id = add_task(env, "case-a")

    with capture_logs() as logs:
        r = env.client.get(f"/tasks/{task_id}", headers=env.auth(subject="cw-7"))

    assert r.status_code == 200
    body = r.json()
    assert body["task_id"] == task_id and body["case_id"] == "case-a"
    person = body["disclosure"]["person"]
    assert person == {"name": NAME, "cpr_masked": "******-**34",
                      "registered_address": {"street": "Strandesplanaden 10",
                                             "postcode": "2660", "city": "Brøndby Strand"}}
    assert body["disclosure"]["assessment"]["rules"][0]["rule"] == "offence_qualifies"
    assert CPR not in r.text and "010190" not in r.text
    [entry] = env.audit()
    assert (entry.actor, entry.org_id, entry.action, entry.case_id, entry.task_id) == (
        "cw-7", ORG, "disclosure.read", "case-a", task_id)
    # Logs carry ids only.
    logged = json.dumps(logs, default=str)
    assert task_id in logged and CPR not in logged and NAME not in logged


def test_other_orgs_task_and_unknown_id_look_the_same(env: Env) -> None:
    theirs = add_task(env, "case-c", org=OTHER_ORG)

    other = env.client.get(f"/tasks/{theirs}", headers=env.auth())
    unknown = env.client.get("/tasks/no-such-task", headers=env.auth())

    assert other.status_code == unknown.status_code == 404
    assert other.json() == unknown.json()
    assert env.audit() == []


def test_tampered_disclosure_is_502_and_audited(env: Env) -> None:
    sealed = json.loads(sealed_for(env.keys, ORG, "case-a"))
    first = "A" if sealed["ciphertext"][0] != "A" else "B"
    sealed["ciphertext"] = first + sealed["ciphertext"][1:]
    task_id = add_task(env, "case-a", sealed=json.dumps(sealed))

    r = env.client.get(f"/tasks/{task_id}", headers=env.auth())

    assert r.status_code == 502
    assert "could not be opened" in r.json()["detail"]
    assert NAME not in r.text
    assert [e.action for e in env.audit()] == ["disclosure.read_failed"]


def test_disclosure_sealed_to_another_org_is_refused(env: Env) -> None:
    # A row that somehow carries another organisation's disclosure must not open.
    task_id = add_task(env, "case-a", sealed=sealed_for(env.keys, OTHER_ORG, "case-a"))

    r = env.client.get(f"/tasks/{task_id}", headers=env.auth())

    assert r.status_code == 502
    assert "another housing organisation" in r.json()["detail"]


def test_review_task_has_no_disclosure_and_no_read_audit(env: Env) -> None:
    task_id = add_task(env, "case-r", org=DISTRICT, kind="review")

    r = env.client.get(f"/tasks/{task_id}", headers=env.auth(org=DISTRICT, role="police_reviewer"))

    assert r.status_code == 200
    assert r.json()["disclosure"] is None and r.json()["kind"] == "review"
    assert env.audit() == []


def test_withdrawn_task_no_longer_shows_the_retracted_disclosure(env: Env) -> None:
    task_id = add_task(env, "case-a", status="withdrawn")

    r = env.client.get(f"/tasks/{task_id}", headers=env.auth())

    assert r.status_code == 200 and r.json()["disclosure"] is None


# -- deciding -----------------------------------------------------------------------------
JUSTIFICATION = "Grov vold i boligområdet, jf. § 63 d."
# Inside the termination window around the day the test runs (policy: 31 days back, 366 on).
SOON = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()


def decide(env: Env, task_id: str, **body: Any) -> Any:
    return env.client.post(f"/tasks/{task_id}/decision", json=body,
                           headers=env.auth(subject="cw-7"))


def test_decision_is_sent_as_update_and_audited(env: Env) -> None:
    task_id = add_task(env, "case-a")

    r = decide(env, task_id, outcome="terminate", justification=JUSTIFICATION,
               termination_date=SOON)

    assert r.status_code == 200
    assert r.json() == {"case_id": "case-a", "task_id": task_id, "outcome": "terminate",
                        "stage": "decided"}
    [(workflow_id, update, req, update_id)] = env.temporal.calls
    assert (workflow_id, update) == ("case-a", VerdictCaseWorkflow.decide)
    assert req == DecisionRequest(task_id, "terminate", JUSTIFICATION, "cw-7", ORG, SOON)
    assert update_id and JUSTIFICATION not in update_id
    [entry] = env.audit()
    assert (entry.actor, entry.action, entry.case_id, entry.task_id) == (
        "cw-7", "decision.made", "case-a", task_id)
    assert entry.detail == f"update {hashlib.sha256(update_id.encode()).hexdigest()}"
    assert JUSTIFICATION not in json.dumps(entry.model_dump(), default=str)


def test_same_decision_twice_uses_the_same_update_id(env: Env) -> None:
    task_id = add_task(env, "case-a")
    for _ in range(2):
        decide(env, task_id, outcome="warn", justification=JUSTIFICATION)
    decide(env, task_id, outcome="no_action", justification=JUSTIFICATION)

    ids = [call[3] for call in env.temporal.calls]
    assert ids[0] == ids[1] != ids[2]


def test_the_same_decision_sent_twice_at_once_is_audited_once(env: Env) -> None:
    # Temporal answers both with the one accepted update; the audit log must say it once.
    task_id = add_task(env, "case-a")
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: decide(env, task_id, outcome="warn",
                                                 justification=JUSTIFICATION), range(4)))

    assert [a.status_code for a in answers] == [200] * 4
    assert len({call[3] for call in env.temporal.calls}) == 1
    assert [e.action for e in env.audit()] == ["decision.made"]


@pytest.mark.parametrize(("days", "reason"), [
    (367, "at most 366 days after the decision"),
    (-32, "at most 31 days before the decision"),
    (2_900_000, "at most 366 days after"),  # 9999-12-31 and thereabouts
])
def test_termination_dates_outside_the_window_are_422(env: Env, days: int, reason: str) -> None:
    task_id = add_task(env, "case-a")
    when = datetime.now(UTC).date() + timedelta(days=days) if days < 2_000_000 \
        else date(9999, 12, 31)

    r = decide(env, task_id, outcome="terminate", justification=JUSTIFICATION,
               termination_date=when.isoformat())

    assert r.status_code == 422 and reason in r.json()["detail"]
    assert env.temporal.calls == [] and env.audit() == []


def test_a_refusal_of_the_date_by_the_case_is_422(env: Env) -> None:
    # The case knows the verdict's date, the API does not: the case's refusal keeps its 422.
    task_id = add_task(env, "case-a")
    env.temporal.fail = WorkflowUpdateFailedError(
        ApplicationError("termination_date is before the verdict (2026-11-18)",
                         type=INVALID_DECISION))

    r = decide(env, task_id, outcome="terminate", justification=JUSTIFICATION,
               termination_date=SOON)

    assert r.status_code == 422 and "before the verdict" in r.json()["detail"]
    assert env.audit() == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"outcome": "terminate"}, "termination_date is required"),
        ({"outcome": "warn", "termination_date": SOON}, "only given when terminating"),
        ({"outcome": "warn", "justification": "  kort   "}, "at least 10 characters"),
        ({"outcome": "disclose"}, "outcome must be one of: no_action, terminate, warn"),
    ],
)
def test_decision_content_rules_are_422_with_the_reason(
    env: Env, body: dict[str, Any], reason: str
) -> None:
    task_id = add_task(env, "case-a")

    r = decide(env, task_id, **{"justification": JUSTIFICATION, **body})

    assert r.status_code == 422
    assert reason in r.json()["detail"]
    assert env.temporal.calls == [] and env.audit() == []


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "evict", "justification": JUSTIFICATION},
        {"outcome": "terminate", "justification": JUSTIFICATION, "termination_date": "31-08-2025"},
        {"outcome": "warn"},
        {"outcome": "warn", "justification": JUSTIFICATION, "terminationDate": "2025-08-31"},
    ],
)
def test_decision_shape_is_fastapis_standard_422(env: Env, body: dict[str, Any]) -> None:
    task_id = add_task(env, "case-a")

    r = decide(env, task_id, **body)

    assert r.status_code == 422
    assert isinstance(r.json()["detail"], list)
    assert env.temporal.calls == []


def test_review_task_takes_review_outcomes(env: Env) -> None:
    task_id = add_task(env, "case-r", org=DISTRICT, kind="review")

    r = env.client.post(f"/tasks/{task_id}/decision",
                        json={"outcome": "disclose", "justification": JUSTIFICATION},
                        headers=env.auth(org=DISTRICT, role="police_reviewer"))

    assert r.status_code == 200 and r.json()["outcome"] == "disclose"


def test_validator_rejection_is_409_with_its_reason(env: Env) -> None:
    task_id = add_task(env, "case-a")
    env.temporal.fail = WorkflowUpdateFailedError(
        ApplicationError("the task has already been decided", type="ValueError"))

    r = decide(env, task_id, outcome="warn", justification=JUSTIFICATION)

    assert r.status_code == 409
    assert r.json() == {"detail": "the task has already been decided"}
    assert env.audit() == []


def test_ended_case_is_409(env: Env) -> None:
    task_id = add_task(env, "case-a")
    env.temporal.fail = RPCError("workflow execution already completed", RPCStatusCode.NOT_FOUND,
                                 b"")

    r = decide(env, task_id, outcome="warn", justification=JUSTIFICATION)

    assert r.status_code == 409 and "no longer accepts" in r.json()["detail"]


def test_task_not_open_is_409(env: Env) -> None:
    task_id = add_task(env, "case-a", status="done")

    r = decide(env, task_id, outcome="warn", justification=JUSTIFICATION)

    assert r.status_code == 409 and r.json() == {"detail": "the task is not open"}
    assert env.temporal.calls == []


def test_deciding_another_orgs_task_is_404(env: Env) -> None:
    task_id = add_task(env, "case-c", org=OTHER_ORG)

    r = decide(env, task_id, outcome="warn", justification=JUSTIFICATION)

    assert r.status_code == 404 and env.temporal.calls == []


def test_temporal_unreachable_is_503(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(*_args: object) -> None:
        raise RuntimeError("Failed client connect")

    monkeypatch.setattr(api_tasks, "connect", refuse)
    settings = Settings(state_dir=tmp_path, environment="test")
    keys = FileKeyStore(settings.keys_dir)
    provision(keys, [ORG])
    with TestClient(create_app(settings)) as client:
        env = Env(settings, keys, client, FakeTemporal(), read_model_database(settings))
        task_id = add_task(env, "case-a")
        assert env.client.get(f"/tasks/{task_id}", headers=env.auth()).status_code == 200
        r = decide(env, task_id, outcome="warn", justification=JUSTIFICATION)

    assert r.status_code == 503


def test_outcomes_in_the_schema_match_the_domain() -> None:
    assert set(get_args(DecisionOutcome)) == set().union(*TASK_OUTCOMES.values())
