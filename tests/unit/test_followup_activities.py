"""The follow-up's activities on a real read model: escalation marked once and told with
ids only; the municipality's notification written and published once, ids and basis only;
the case's partnership and its finality choice found from the lease."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import verdictflow
from activities.casebook import CaseBookActivities
from activities.eligibility import EligibilityActivities
from activities.municipality import MunicipalityActivities
from services.api.notifications import notifications_for
from tests.workflows.fakes import CPR, NAME, case_input
from verdictflow.domain.cloudevents import encode
from verdictflow.domain.contract import validate_event
from verdictflow.domain.eligibility_policy import load_policy
from verdictflow.domain.partnerships import load_partnerships
from verdictflow.domain.policies import Policies, assess_pinned
from verdictflow.domain.topics import (
    CASE_EVENTS,
    MUNICIPALITY_NOTIFICATIONS,
    MUNICIPALITY_NOTIFIED,
    TASK_ESCALATED,
)
from verdictflow.platform.database import Database
from verdictflow.platform.readmodel import READ_MODEL, Task, get_task, open_tasks
from workflows.case.messages import PartnershipLookup, TaskEscalation, TaskOpening
from workflows.followup.messages import MunicipalityNotice

C = "case-t2hcyb6ikaq5jy66st6w5qk3"
RAW = json.loads((Path(verdictflow.__file__).parent / "config" / "partnerships.json")
                 .read_text(encoding="utf-8"))


class Publisher:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    async def publish(self, topic: str, key: str, event: dict[str, Any]) -> None:
        self.sent.append((topic, key, event))


def deps(tmp_path: Path, partnerships: dict[str, Any] = RAW) -> SimpleNamespace:
    db = Database(f"sqlite:///{tmp_path / 'rm.db'}", READ_MODEL)
    db.ready()
    return SimpleNamespace(read_model=db, publisher=Publisher(),
                           partnerships=load_partnerships(partnerships))


async def test_escalation_is_marked_once_and_told_with_ids(tmp_path: Path) -> None:
    d = deps(tmp_path)
    book = CaseBookActivities(d)  # type: ignore[arg-type]
    await book.open_task(TaskOpening(f"{C}-decision", C, "decision", "bbs",
                                     "2026-12-01"))
    await book.open_task(TaskOpening("case-y-decision", "case-y", "decision", "bbs",
                                     "2026-11-30"))
    e = TaskEscalation(C, f"{C}-decision", "bbs", "2026-12-01",
                       "2026-12-01T10:00:00+00:00")
    await book.escalate_task(e)
    await book.escalate_task(dataclasses.replace(e, at="2026-12-02T10:00:00+00:00"))  # retry

    task = get_task(d.read_model, f"{C}-decision")
    assert task is not None and task.escalated_to == "supervisor"
    assert task.escalated_at is not None and task.escalated_at.day == 1  # the first stays
    # the inbox: the escalated task first, though the other is due earlier
    assert [t.task_id for t in open_tasks(d.read_model, "bbs")] == [
        f"{C}-decision", "case-y-decision"]
    assert [t.task_id for t in open_tasks(d.read_model, "bbs", escalated_only=True)] == [
        f"{C}-decision"]
    (topic, key, event), (_, _, again) = d.publisher.sent
    assert (topic, key, event["type"], event["subject"]) == (
        CASE_EVENTS, C, TASK_ESCALATED, C)
    assert event["data"] == {"case_id": C, "task_id": f"{C}-decision",
                             "org_id": "bbs", "escalated_to": "supervisor",
                             "due_on": "2026-12-01"}
    assert again["id"] == event["id"]  # a retry publishes the same event
    assert validate_event(encode(event), (TASK_ESCALATED,)) == event  # its schema holds


async def test_a_closed_task_is_not_escalated(tmp_path: Path) -> None:
    d = deps(tmp_path)
    with d.read_model.session() as s:
        s.add(Task(task_id="t", case_id="c", kind="decision", org_id="bbs", status="done"))
        s.commit()
    await CaseBookActivities(d).escalate_task(  # type: ignore[arg-type]
        TaskEscalation("c", "t", "bbs", "2026-12-01", "2026-12-01T10:00:00+00:00"))
    task = get_task(d.read_model, "t")
    assert task is not None and task.escalated_at is None


async def test_the_municipality_is_notified_once_with_ids_only(tmp_path: Path) -> None:
    d = deps(tmp_path)
    act = MunicipalityActivities(d)  # type: ignore[arg-type]
    n = MunicipalityNotice("case-x-m1", "case-x", "slagelse", "motalavej",
                           "barnets lov § 39", "2026-12-05T10:00:00+00:00")
    await act.notify_municipality(n)
    await act.notify_municipality(n)  # retried

    [row] = notifications_for(d.read_model, "slagelse")
    assert (row.notification_id, row.case_id, row.area_id, row.basis, row.kind) == (
        "case-x-m1", "case-x", "motalavej", "barnets lov § 39", "follow_up")
    assert notifications_for(d.read_model, "broendby") == []
    (topic, key, event), (_, _, again) = d.publisher.sent
    assert (topic, key, event["type"]) == (MUNICIPALITY_NOTIFICATIONS, "slagelse",
                                           MUNICIPALITY_NOTIFIED)
    assert event["data"] == {"notification_id": "case-x-m1", "case_id": "case-x",
                             "area_id": "motalavej", "municipality_id": "slagelse",
                             "basis": "barnets lov § 39"}
    assert again == event


async def test_an_unknown_municipality_is_refused(tmp_path: Path) -> None:
    d = deps(tmp_path)
    with pytest.raises(ValueError, match="unknown municipality"):
        await MunicipalityActivities(d).notify_municipality(  # type: ignore[arg-type]
            MunicipalityNotice("n", "c", "atlantis", "a", "barnets lov § 39", "2026-12-05"))
    assert d.publisher.sent == []


async def test_the_case_finds_its_partnership_and_its_finality_choice(tmp_path: Path) -> None:
    early = json.loads(json.dumps(RAW))
    early["partnerships"][0]["await_finality"] = False
    act = EligibilityActivities(deps(tmp_path, early))  # type: ignore[arg-type]
    found = await act.case_partnership(PartnershipLookup("case-x", case_input().verdict))
    assert (found.partnership_id, found.await_finality) == ("broendby-strand", False)
    elsewhere = case_input().verdict
    person = dataclasses.replace(elsewhere.person, registered_address=dataclasses.replace(
        elsewhere.person.registered_address, street="Ingenvej 1", postcode="9999"))
    none = await act.case_partnership(PartnershipLookup(
        "case-y", dataclasses.replace(elsewhere, person=person)))
    assert (none.partnership_id, none.await_finality) == (None, None)
    assert CPR not in repr(found) and NAME not in repr(found)


@pytest.mark.parametrize(("choice", "passed"), [(None, None), (True, None), (False, True)])
def test_the_partnerships_choice_decides_the_finality_rule(choice: bool | None,
                                                           passed: bool | None) -> None:
    v1 = load_policy((Path(verdictflow.__file__).parent / "config" / "eligibility-policy-v1.json")
                     .read_text(encoding="utf-8"))
    appealed = case_input(final=False).verdict
    decided = assess_pinned(appealed, Policies({"v1": v1}), "v1", load_partnerships(RAW),
                            date(2026, 11, 20), choice)
    [finality] = [r for r in decided.rules if r.rule == "finality"]
    assert finality.passed is passed


async def test_the_notification_is_valid_under_its_schema(tmp_path: Path) -> None:
    d = deps(tmp_path)
    case_id = "case-t2hcyb6ikaq5jy66st6w5qk3"
    await MunicipalityActivities(d).notify_municipality(  # type: ignore[arg-type]
        MunicipalityNotice(f"{case_id}-m1", case_id, "slagelse", "motalavej",
                           "barnets lov § 38", "2026-12-05T10:00:00+00:00"))
    [(_, _, event)] = d.publisher.sent
    assert validate_event(encode(event), (MUNICIPALITY_NOTIFIED,)) == event
