"""The task API after the decision is due: a municipality caseworker sees and answers its
follow-up task (another municipality does not see it), the police district confirms an
appeal's outcome, and a supervisor's inbox shows escalated tasks first (or only them)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.unit import test_api
from tests.unit.test_api import DISTRICT, ORG, Env, add_task
from verdictflow.platform.readmodel import Task
from workflows.case.workflow import VerdictCaseWorkflow
from workflows.followup.workflow import MunicipalityFollowUpWorkflow

env = test_api.env  # the task API over a fresh read model, with a fake Temporal
MUNI, OTHER_MUNI = "slagelse", "broendby"
BODY = {"outcome": "foraeldrepaalaeg", "justification": "Forældrepålæg givet efter samtale."}


def add_followup(env: Env, case_id: str, municipality: str) -> str:
    task_id = f"{case_id}-municipality_followup"
    with env.read_model.session() as s:
        s.add(Task(task_id=task_id, case_id=case_id, kind="municipality_followup",
                   org_id=municipality, due_on=date.today() + timedelta(days=14),
                   legal_basis="barnets lov § 38"))
        s.commit()
    return task_id


def test_the_municipality_sees_and_answers_its_follow_up(env: Env) -> None:
    mine = add_followup(env, "case-m", MUNI)
    add_task(env, "case-d")  # a housing organisation's decision: never the municipality's
    h = env.auth(MUNI, role="municipality_caseworker", subject="kommune-1")

    [listed] = env.client.get("/tasks", headers=h).json()
    assert (listed["task_id"], listed["kind"], listed["legal_basis"]) == (
        mine, "municipality_followup", "barnets lov § 38")
    detail = env.client.get(f"/tasks/{mine}", headers=h).json()
    assert detail["disclosure"] is None  # ids and the basis only

    r = env.client.post(f"/tasks/{mine}/decision", headers=h, json=BODY)
    assert r.status_code == 200, r.text
    [(workflow_id, update, req, _)] = env.temporal.calls
    assert workflow_id == "followup-case-m"  # the follow-up beside the case, not the case
    assert update is MunicipalityFollowUpWorkflow.decide
    assert (req.outcome, req.org_id, req.decided_by) == ("foraeldrepaalaeg", MUNI, "kommune-1")
    bad = env.client.post(f"/tasks/{mine}/decision", headers=h,
                          json={**BODY, "outcome": "terminate"})
    assert bad.status_code == 422 and "boerne_og_ungepaalaeg" in bad.json()["detail"]


def test_another_municipality_does_not_see_it(env: Env) -> None:
    mine = add_followup(env, "case-m", MUNI)
    other = env.auth(OTHER_MUNI, role="municipality_caseworker")
    assert env.client.get("/tasks", headers=other).json() == []
    assert env.client.get(f"/tasks/{mine}", headers=other).status_code == 404
    assert env.client.post(f"/tasks/{mine}/decision", headers=other,
                           json=BODY).status_code == 404
    # nor does the housing organisation or the police under the same org claim
    for role in ("caseworker", "supervisor", "police_reviewer"):
        assert env.client.get(f"/tasks/{mine}", headers=env.auth(MUNI, role=role)
                              ).status_code == 404
    assert env.temporal.calls == []


def test_the_police_confirm_finality_through_the_case(env: Env) -> None:
    task = add_task(env, "case-f", org=DISTRICT, kind="confirm_finality")
    h = env.auth(DISTRICT, role="police_reviewer", subject="pol-1")
    assert [t["task_id"] for t in env.client.get("/tasks", headers=h).json()] == [task]
    r = env.client.post(f"/tasks/{task}/decision", headers=h, json={
        "outcome": "still_pending", "justification": "Anken er berammet til februar."})
    assert r.status_code == 200, r.text
    [(workflow_id, update, req, _)] = env.temporal.calls
    assert (workflow_id, update, req.outcome) == ("case-f", VerdictCaseWorkflow.decide,
                                                  "still_pending")
    # the housing organisation's caseworker never sees it
    assert env.client.get(f"/tasks/{task}", headers=env.auth(ORG)).status_code == 404


def test_the_supervisors_inbox_shows_escalated_tasks_first(env: Env) -> None:
    early = add_task(env, "case-early")
    late = add_task(env, "case-late")
    with env.read_model.session() as s:
        row = s.get(Task, late)
        assert row is not None
        row.due_on = date.today() + timedelta(days=60)
        row.escalated_at, row.escalated_to = datetime.now(UTC), "supervisor"
        s.add(row)
        s.commit()
    h = env.auth(role="supervisor", subject="sup-1")
    listed = env.client.get("/tasks", headers=h).json()
    assert [t["task_id"] for t in listed] == [late, early]
    assert listed[0]["escalated_to"] == "supervisor" and listed[1]["escalated_at"] is None
    only = env.client.get("/tasks?escalated=true", headers=h).json()
    assert [t["task_id"] for t in only] == [late]
