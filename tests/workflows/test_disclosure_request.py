"""Disclosure on request on the time-skipping server: the request's own life, and a case
that answers it under the 2022 duty."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date, timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from tests.workflows.fakes import FakeActivities
from tests.workflows.test_case_policy_v2 import on_v2, other_ground
from tests.workflows.test_case_workflow import case_worker, receipt, start, wait_for_stage
from verdictflow.domain.policy import Eligibility
from verdictflow.domain.requests import OpenRequest, request_workflow_id
from workflows.case.messages import DecisionRequest, TaskClosing
from workflows.case.workflow import VerdictCaseWorkflow
from workflows.request.messages import MatchedCase, RequestAnswered, RequestInput
from workflows.request.workflow import DisclosureRequestWorkflow

DISTRICT = "kbh-vestegn"


def request_input(request_id: str, open_days: int = 90) -> RequestInput:
    return RequestInput(
        request_id=request_id, org_id="bbs", area_id="broendby-strand",
        police_district=DISTRICT, person_ref="p-0123456789abcdef",
        reason="Naboer melder om trusler i opgangen; vi beder om oplysning om dom.",
        requested_by="sagsbehandler-1", requested_on=date.today().isoformat(),
        open_until=(date.today() + timedelta(days=open_days)).isoformat(),
        review_deadline_days=14)


async def start_request(env: WorkflowEnvironment, tq: str, request_id: str,
                        open_days: int = 90) -> WorkflowHandle:
    return await env.client.start_workflow(
        DisclosureRequestWorkflow.run, request_input(request_id, open_days),
        id=request_workflow_id(request_id), task_queue=tq)


def police(request_id: str, outcome: str) -> DecisionRequest:
    return DecisionRequest(task_id=f"{request_id}-review", outcome=outcome,
                           justification="Boligområdet har en tryghedsindsats; sagen følges.",
                           decided_by="politi-7", org_id=DISTRICT)


async def until_task(handle: WorkflowHandle) -> None:
    async def poll() -> None:
        while (await handle.query(DisclosureRequestWorkflow.details)).open_task is None:
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), 20)


async def test_the_police_keep_it_open_and_a_case_answers_it(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle = await start_request(time_env, task_queue, "req-kept")
        await until_task(handle)
        [task] = fake.tasks
        assert (task.kind, task.org_id, task.case_id) == ("request", DISTRICT,
                                                          "request-req-kept")
        # Only the district answers, and only with a request's outcomes.
        for wrong, why in (({"org_id": "bbs"}, "another organisation"),
                           ({"outcome": "disclose"}, "outcome must be one of")):
            with pytest.raises(WorkflowUpdateFailedError) as err:
                await handle.execute_update(DisclosureRequestWorkflow.decide,
                                            dataclasses.replace(police("req-kept", "keep_open"),
                                                                **wrong))
            assert why in str(err.value.cause)
        accepted = await handle.execute_update(DisclosureRequestWorkflow.decide,
                                               police("req-kept", "keep_open"))
        assert accepted.stage == "open"
        details = await handle.query(DisclosureRequestWorkflow.details)
        assert (details.state, details.open_task) == ("open", None)
        assert details.reason.startswith("Naboer")  # the police read why it was asked

        await handle.signal(DisclosureRequestWorkflow.answered,
                            RequestAnswered("case-answering", "case-answering-d1"))
        result = await asyncio.wait_for(handle.result(), 20)

    assert (result.state, result.answered_by_case) == ("answered", "case-answering")
    assert [r.state for r in fake.request_rows] == ["open", "answered"]
    assert fake.closed_tasks == [TaskClosing("req-kept-review", "done", "keep_open",
                                             "politi-7")]


async def test_a_refused_request_ends_and_takes_no_answer(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle = await start_request(time_env, task_queue, "req-refused")
        await until_task(handle)
        await handle.execute_update(DisclosureRequestWorkflow.decide,
                                    police("req-refused", "refuse"))
        result = await asyncio.wait_for(handle.result(), 20)
    assert (result.state, result.answered_by_case) == ("refused", None)
    assert [r.state for r in fake.request_rows] == ["open", "refused"]


async def test_an_unanswered_request_expires_and_its_task_is_withdrawn(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle = await start_request(time_env, task_queue, "req-expiring", open_days=3)
        result = await asyncio.wait_for(handle.result(), 30)  # the server skips the days
    assert result.state == "expired"
    assert fake.closed_tasks == [TaskClosing("req-expiring-review", "withdrawn", None, None)]


async def test_a_case_already_disclosed_to_the_requester_answers_at_once(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities(matches=[
        MatchedCase("case-elsewhere", "awaiting_decision", "pab", "broendby-strand"),
        MatchedCase("case-told", "awaiting_decision", "bbs", "broendby-strand")])
    async with case_worker(time_env, task_queue, fake):
        handle = await start_request(time_env, task_queue, "req-known")
        result = await asyncio.wait_for(handle.result(), 20)
    assert (result.state, result.answered_by_case) == ("answered", "case-told")
    assert fake.tasks == []  # nothing for the police to review


async def test_a_nr10_verdict_on_request_is_disclosed_without_review_and_answers_it(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    # Under v2 on its own the police would review it; nr. 10 covers it, so asked, it goes.
    duty = dataclasses.replace(other_ground(), outcome=Eligibility.MANUAL_REVIEW,
                               on_request=Eligibility.ELIGIBLE, deciding_rules=["connection"])
    fake = on_v2(FakeActivities(eligibility=duty), review_other_ground=True)
    fake.open_requests = [OpenRequest("req-duty", "pab", "broendby-strand"),  # not the landlord
                          OpenRequest("req-duty-2", "bbs", "broendby-strand")]
    case_id = "case-on-request"
    async with case_worker(time_env, task_queue, fake):
        request = await start_request(time_env, task_queue, "req-duty-2")
        handle = await start(time_env, task_queue, case_id)
        await wait_for_stage(handle, "disclosed")
        answered = await asyncio.wait_for(request.result(), 20)
        await handle.signal(VerdictCaseWorkflow.receipt_received, receipt(case_id))
        await wait_for_stage(handle, "awaiting_decision")
        await handle.terminate("test over")
    assert (answered.state, answered.answered_by_case) == ("answered", case_id)
    assert [t.kind for t in fake.tasks] == ["request", "decision"]  # no review of the case
    assert [s.request_id for s in fake.sealed] == ["req-duty-2"]


async def test_another_organisations_request_changes_nothing(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    duty = dataclasses.replace(other_ground(), outcome=Eligibility.MANUAL_REVIEW,
                               on_request=Eligibility.ELIGIBLE, deciding_rules=["connection"])
    fake = on_v2(FakeActivities(eligibility=duty), review_other_ground=True)
    fake.open_requests = [OpenRequest("req-other", "pab", "broendby-strand")]
    async with case_worker(time_env, task_queue, fake):
        handle = await start(time_env, task_queue, "case-not-asked")
        await wait_for_stage(handle, "awaiting_review")
        await handle.terminate("test over")
    assert fake.published == []
