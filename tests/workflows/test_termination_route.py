"""The termination route on the time-skipping server: opsigelse and ophævelse, the tenant's
objection, the landlord's suit, the court, and the re-entry block kept true to them
(almenlejeloven §§ 85-90, udlejningsbekendtgørelsen § 28).

These tests skip months. On the session's shared ``time_env`` they stalled, now and then,
behind other tests' workflows left without a worker (a time-skipping server does not skip
while a task it handed out is outstanding), so the module runs ``time_env``'s twin of its
own: same codec, same search attributes, nobody else's leftovers.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from tests.workflows.fakes import FakeActivities
from tests.workflows.test_case_workflow import (
    awaiting_decision,
    case_worker,
    terminate,
    wait_for_stage,
)
from verdictflow.domain.case import ROUTE_REQUIRED
from verdictflow.domain.termination import notice_end
from verdictflow.domain.topics import VERDICT_OVERTURNED
from workflows.case.messages import (
    INVALID_DECISION,
    NOT_THE_CASE_ORG,
    CourtOutcomeRecord,
    ObjectionRecord,
    SuitRecord,
    VerdictSignal,
)
from workflows.case.workflow import VerdictCaseWorkflow
from workflows.reentry.workflow import ReentryBlockWorkflow

OPSIGELSE = {"route": "opsigelse", "ground": "almenlejeloven § 85, stk. 1, nr. 4"}


async def today(env: WorkflowEnvironment) -> date:
    return (await env.get_current_time()).date()


async def give_notice(env: WorkflowEnvironment, tq: str, case_id: str) -> tuple[
        WorkflowHandle, date]:
    """A case whose caseworker gave an opsigelse today; the notice is running."""
    handle = await awaiting_decision(env, tq, case_id)
    notice = await today(env)
    await handle.execute_update(VerdictCaseWorkflow.decide, terminate(
        case_id, termination_date=notice.isoformat(), **OPSIGELSE))
    await wait_for_stage(handle, "termination_noticed")
    return handle, notice


async def refusal(handle: WorkflowHandle, update: object, arg: object) -> ApplicationError:
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(update, arg)  # type: ignore[call-overload]
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    return cause


async def test_objection_without_a_suit_in_time_lifts_the_block(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle, notice = await give_notice(time_env, task_queue, "case-no-suit")
        status = await handle.execute_update(VerdictCaseWorkflow.record_objection,
                                             ObjectionRecord("bbs", "cw-1", notice.isoformat()))
        assert status.awaiting == "suit"
        assert status.sue_deadline == (notice + timedelta(weeks=12)).isoformat()
        await wait_for_stage(handle, "objected")
        # Past the landlord's deadline, by an explicit sleep: the shared test server does
        # not skip time on its own while another test's workflow has a task outstanding.
        await time_env.sleep(timedelta(weeks=12, days=2))
        result = await handle.result()

    assert (result.final_stage, result.ended_as) == ("purged", "closed")
    [block] = fake.blocks
    # Counted from the notice's end (§ 88), with the decision's ground for § 63 e.
    assert block.placed_on == notice_end(notice, 3).isoformat()
    assert block.ground == "almenlejeloven § 85, stk. 1, nr. 4"
    [lift] = fake.lifts
    assert lift.reason == "not_sued_in_time"
    assert lift.lifted_on == (notice + timedelta(weeks=12, days=1)).isoformat()
    sue = next(t for t in fake.tasks if t.kind == "sue")
    assert (sue.task_id, sue.due_on) == ("case-no-suit-sue", status.sue_deadline)
    assert [(c.task_id, c.status) for c in fake.closed_tasks][-1] == ("case-no-suit-sue",
                                                                     "expired")
    # ... and the case holds its data until retention purges it.
    assert fake.stages[-5:] == ["decided", "termination_noticed", "objected", "closed",
                                "purged"]


async def test_court_finding_an_ophaevelse_unjustified_lifts_the_block(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle = await awaiting_decision(time_env, task_queue, "case-unjust")
        day = await today(time_env)
        await handle.execute_update(VerdictCaseWorkflow.decide, terminate(
            "case-unjust", termination_date=day.isoformat()))
        await wait_for_stage(handle, "reentry_blocked")
        block = time_env.client.get_workflow_handle("reentry-case-unjust")
        assert await block.query(ReentryBlockWorkflow.active) is True
        await handle.execute_update(VerdictCaseWorkflow.record_suit,
                                    SuitRecord("bbs", "cw-1", day.isoformat()))
        await wait_for_stage(handle, "in_court")
        status = await handle.execute_update(
            VerdictCaseWorkflow.record_court_outcome,
            CourtOutcomeRecord("bbs", "cw-1", "unjustified", day.isoformat()))
        assert status.court_outcome == "unjustified"
        result = await handle.result()
        final = await handle.query(VerdictCaseWorkflow.termination)

    assert (result.final_stage, result.ended_as) == ("purged", "closed")
    [placed] = fake.blocks
    assert placed.placed_on == day.isoformat()
    assert placed.ground == "almenlejeloven § 90, stk. 1, nr. 10"
    assert [lift.reason for lift in fake.lifts] == ["court_found_unjustified"]
    assert final is not None and final.ended == "court_found_unjustified"
    assert fake.stages[-5:] == ["decided", "reentry_blocked", "in_court", "closed", "purged"]


async def test_opsigelse_without_objection_blocks_from_the_notice_end(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle, notice = await give_notice(time_env, task_queue, "case-stands")
        end = notice_end(notice, 3)
        [block] = fake.blocks
        assert (block.placed_on, block.expires_on) == (
            end.isoformat(), end.replace(year=end.year + 2).isoformat())
        await time_env.sleep(end - notice + timedelta(days=1))
        await wait_for_stage(handle, "reentry_blocked")
        status = await handle.query(VerdictCaseWorkflow.termination)
        assert status is not None and status.ended == "notice_ran_out"
        # The notice ran out: an objection no longer fits, and the block stands.
        late = await refusal(handle, VerdictCaseWorkflow.record_objection,
                             ObjectionRecord("bbs", "cw-1", notice.isoformat()))
        assert late.type != INVALID_DECISION and "ended" in str(late.message)
        blocked = time_env.client.get_workflow_handle("reentry-case-stands")
        assert await blocked.query(ReentryBlockWorkflow.active) is True
        assert fake.lifts == []
        await handle.terminate("test over")
        await blocked.terminate("test over")


async def test_route_records_are_refused_before_history(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle = await awaiting_decision(time_env, task_queue, "case-refusals")
        # A case that reached its decision with routes must choose one.
        no_route = await refusal(handle, VerdictCaseWorkflow.decide,
                                 terminate("case-refusals", route=None, ground=None))
        assert ROUTE_REQUIRED in str(no_route.message)
        early = await refusal(handle, VerdictCaseWorkflow.record_objection,
                              ObjectionRecord("bbs", "cw-1", "2026-12-01"))
        assert "no termination route" in str(early.message)
        notice = await today(time_env)
        await handle.execute_update(VerdictCaseWorkflow.decide, terminate(
            "case-refusals", termination_date=notice.isoformat(), **OPSIGELSE))
        await wait_for_stage(handle, "termination_noticed")
        other = await refusal(handle, VerdictCaseWorkflow.record_objection,
                              ObjectionRecord("other-org", "cw-9", notice.isoformat()))
        assert other.type == NOT_THE_CASE_ORG
        late = await refusal(handle, VerdictCaseWorkflow.record_objection, ObjectionRecord(
            "bbs", "cw-1", (notice + timedelta(weeks=7)).isoformat()))
        assert late.type == INVALID_DECISION  # in the future, and after the window
        unsued = await refusal(handle, VerdictCaseWorkflow.record_court_outcome,
                               CourtOutcomeRecord("bbs", "cw-1", "upheld", notice.isoformat()))
        assert unsued.type != INVALID_DECISION and "no suit" in str(unsued.message)
        history = await handle.fetch_history()
        updates = [e for e in history.events if e.HasField(
            "workflow_execution_update_accepted_event_attributes")]
        assert len(updates) == 1  # only the decision reached history
        await handle.terminate("test over")
        await time_env.client.get_workflow_handle("reentry-case-refusals").terminate("over")


async def test_a_suit_upheld_leaves_the_block_standing(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle, notice = await give_notice(time_env, task_queue, "case-upheld")
        await handle.execute_update(VerdictCaseWorkflow.record_objection,
                                    ObjectionRecord("bbs", "cw-1", notice.isoformat()))
        await wait_for_stage(handle, "objected")
        await handle.execute_update(VerdictCaseWorkflow.record_suit,
                                    SuitRecord("bbs", "cw-2", notice.isoformat()))
        await wait_for_stage(handle, "in_court")
        await handle.execute_update(VerdictCaseWorkflow.record_court_outcome,
                                    CourtOutcomeRecord("bbs", "cw-1", "upheld",
                                                       notice.isoformat()))
        await wait_for_stage(handle, "reentry_blocked")
        status = await handle.query(VerdictCaseWorkflow.termination)
        assert status is not None and (status.ended, status.awaiting) == ("upheld", None)
        blocked = time_env.client.get_workflow_handle("reentry-case-upheld")
        assert await blocked.query(ReentryBlockWorkflow.active) is True
        assert fake.lifts == []
        sue = [c for c in fake.closed_tasks if c.task_id == "case-upheld-sue"]
        assert [(c.status, c.outcome, c.decided_by) for c in sue] == [("done", "sued", "cw-2")]
        await handle.terminate("test over")
        await blocked.terminate("test over")


async def test_an_overturn_during_the_route_lifts_and_retracts(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle, notice = await give_notice(time_env, task_queue, "case-route-o")
        await handle.execute_update(VerdictCaseWorkflow.record_objection,
                                    ObjectionRecord("bbs", "cw-1", notice.isoformat()))
        await wait_for_stage(handle, "objected")
        await handle.signal(VerdictCaseWorkflow.verdict_changed, VerdictSignal(
            event_id="evt-o", type=VERDICT_OVERTURNED, decided_on="2027-03-01"))
        result = await handle.result()

    assert (result.final_stage, result.ended_as) == ("purged", "retracted")
    assert [lift.reason for lift in fake.lifts] == ["overturned"]
    assert [(c.task_id, c.status) for c in fake.closed_tasks][-1] == ("case-route-o-sue",
                                                                     "withdrawn")
