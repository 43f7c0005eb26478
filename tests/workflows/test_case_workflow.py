"""The case workflow on Temporal's time-skipping test server, with stand-in activities."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

import verdictflow
from services.worker import WORKFLOWS
from tests.workflows.fakes import CPR, NAME, FakeActivities, case_input, decision, verdict
from verdictflow.domain.case import EndReason
from verdictflow.domain.eligibility_policy import load_policy
from verdictflow.domain.partnerships import load_partnerships
from verdictflow.domain.policy import Eligibility, EligibilityDecision, assess
from verdictflow.domain.sealing import sealed_digest
from verdictflow.domain.topics import VERDICT_FINALIZED, VERDICT_OVERTURNED
from verdictflow.domain.verdict import Sentence
from workflows.case.messages import (
    INVALID_DECISION,
    DecisionRequest,
    OpenTask,
    ReceiptSignal,
    TaskClosing,
    VerdictSignal,
)
from workflows.case.workflow import VerdictCaseWorkflow
from workflows.reentry.workflow import ReentryBlockWorkflow


def case_worker(env: WorkflowEnvironment, tq: str, fake: FakeActivities) -> Worker:
    """The real workflows, with the stand-in activities under the real activity names."""
    return Worker(env.client, task_queue=tq, workflows=WORKFLOWS, activities=fake.all())


async def wait_for_stage(handle: WorkflowHandle, stage: str, timeout: float = 60) -> None:
    async def poll() -> None:
        while (await handle.query(VerdictCaseWorkflow.status)).stage != stage:
            await asyncio.sleep(0.1)

    await asyncio.wait_for(poll(), timeout)


async def awaiting_decision(env: WorkflowEnvironment, tq: str, case_id: str) -> WorkflowHandle:
    """A final, eligible verdict: disclosed, receipted, waiting for the caseworker."""
    handle = await start(env, tq, case_id)
    await wait_for_stage(handle, "disclosed")
    await handle.signal(VerdictCaseWorkflow.receipt_received, receipt(case_id))
    await wait_for_stage(handle, "awaiting_decision")
    return handle


def receipt(case_id: str, digest: str | None = None) -> ReceiptSignal:
    """A receipt committing to what the stand-in seal activity returned for the case."""
    sent = sealed_digest(FakeActivities.sealed_for(f"{case_id}-d1"))
    return ReceiptSignal(event_id="evt-receipt", disclosure_id=f"{case_id}-d1", org_id="bbs",
                         received_at="2026-11-23T10:00:00+00:00", digest=digest or sent)


def terminate(case_id: str, org: str = "bbs", **kw: str | None) -> DecisionRequest:
    fields = dict(task_id=f"{case_id}-decision", outcome="terminate",
                  justification="Grov vold i opgangen; ophævelse efter § 90, stk. 1, nr. 10.",
                  decided_by="cw-1", org_id=org, termination_date="2026-12-31",
                  route="ophaevelse", ground="almenlejeloven § 90, stk. 1, nr. 10")
    fields.update(kw)
    return DecisionRequest(**fields)


async def start(env: WorkflowEnvironment, tq: str, case_id: str, final: bool = True,
                sentence: Sentence | None = None) -> WorkflowHandle:
    return await env.client.start_workflow(
        VerdictCaseWorkflow.run, case_input(case_id, final=final, sentence=sentence),
        id=case_id, task_queue=tq)


async def test_terminated_tenant_is_blocked_until_the_two_years_pass(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle = await awaiting_decision(time_env, task_queue, "case-full")
        accepted = await handle.execute_update(VerdictCaseWorkflow.decide, terminate("case-full"))
        assert accepted.outcome == "terminate"

        result = await handle.result()  # the test server skips the two years

    # Closed when the block ran out, and purged then: the block was the retention.
    assert (result.final_stage, result.ended_as) == ("purged", "closed")
    assert fake.stages == ["registered", "eligibility", "disclosed", "awaiting_decision",
                           "decided", "reentry_blocked", "closed", "purged"]
    assert fake.published == ["case-full-d1"]
    [block] = fake.blocks
    assert (block.placed_on, block.expires_on) == ("2026-12-31", "2028-12-31")
    [lift] = fake.lifts
    assert lift.reason == "expired" and lift.lifted_on >= "2028-12-31"
    assert [c.status for c in fake.closed_tasks] == ["done"]


async def test_appealed_verdict_waits_for_finality(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle = await start(time_env, task_queue, "case-appeal", final=False)
        await wait_for_stage(handle, "awaiting_finality")
        assert fake.published == []
        await handle.signal(VerdictCaseWorkflow.verdict_changed, VerdictSignal(
            event_id="evt-final", type=VERDICT_FINALIZED, decided_on="2027-02-01"))
        await wait_for_stage(handle, "disclosed")
        assert fake.published == ["case-appeal-d1"]
        await handle.terminate("test over")


async def test_overturn_after_disclosure_retracts(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle = await awaiting_decision(time_env, task_queue, "case-overturn")
        overturn = VerdictSignal(event_id="evt-o", type=VERDICT_OVERTURNED, decided_on="2027-03-01")
        await handle.signal(VerdictCaseWorkflow.verdict_changed, overturn)
        await handle.signal(VerdictCaseWorkflow.verdict_changed, overturn)  # a duplicate
        result = await handle.result()

    assert (result.final_stage, result.ended_as) == ("purged", "retracted")
    assert fake.retracted == ["case-overturn-d1"]
    assert [c.status for c in fake.closed_tasks] == ["withdrawn"]
    assert fake.blocks == []


async def test_overturn_lifts_a_placed_block(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle = await awaiting_decision(time_env, task_queue, "case-lift")
        await handle.execute_update(VerdictCaseWorkflow.decide, terminate("case-lift"))
        await wait_for_stage(handle, "reentry_blocked")
        block = time_env.client.get_workflow_handle("reentry-case-lift")
        assert await block.query(ReentryBlockWorkflow.active) is True
        await handle.signal(VerdictCaseWorkflow.verdict_changed, VerdictSignal(
            event_id="evt-o2", type=VERDICT_OVERTURNED, decided_on="2027-03-01"))
        await wait_for_stage(handle, "retracted")
        # The test server's clock is long past the termination date: damages are owed
        # (tests/workflows/test_case_lifetime.py), and the case waits for their answer.
        await handle.terminate("test over")

    assert [lift.reason for lift in fake.lifts] == ["overturned"]
    assert fake.retracted == ["case-lift-d1"]


async def test_not_eligible_closes_with_the_failed_rules(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities(eligibility=decision("not_eligible"))
    async with case_worker(time_env, task_queue, fake):
        handle = await start(time_env, task_queue, "case-no")
        result = await handle.result()
    assert (result.final_stage, result.ended_as) == ("purged", "not_eligible")
    assert result.reasons == ["offence_qualifies"]
    assert fake.published == [] and fake.tasks == []


@pytest.mark.parametrize(("change", "reason"), [
    ({"org_id": "another-org"}, "another organisation"),
    ({"termination_date": None}, "termination_date is required"),
    ({"outcome": "warn"}, "only given when terminating"),
    ({"justification": "fordi"}, "justification"),
    ({"outcome": "evict"}, "outcome must be one of"),
    ({"task_id": "case-x-decision"}, "no longer open"),
])
async def test_invalid_decisions_never_reach_history(
        time_env: WorkflowEnvironment, task_queue: str, change: dict, reason: str) -> None:
    fake = FakeActivities()
    case_id = f"case-invalid-{task_queue}"
    async with case_worker(time_env, task_queue, fake):
        handle = await awaiting_decision(time_env, task_queue, case_id)
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await handle.execute_update(VerdictCaseWorkflow.decide, terminate(case_id, **change))
        assert reason in str(err.value.cause)
        history = await handle.fetch_history()
        assert not any(e.HasField("workflow_execution_update_accepted_event_attributes")
                       for e in history.events)
        assert (await handle.query(VerdictCaseWorkflow.status)).stage == "awaiting_decision"
        await handle.terminate("test over")


@pytest.mark.parametrize(("termination_date", "reason"), [
    ("9999-12-31", "at most 366 days after the decision"),
    ("1900-01-01", "before the verdict"),
    ("2026-11-17", "before the verdict"),  # the day before the judgment
])
async def test_termination_dates_outside_the_window_are_refused_as_invalid(
        time_env: WorkflowEnvironment, task_queue: str, termination_date: str,
        reason: str) -> None:
    fake = FakeActivities()
    fake.terms = dataclasses.replace(fake.terms, termination_days_before=36500,
                                     termination_days_after=366)
    case_id = f"case-window-{task_queue}"
    async with case_worker(time_env, task_queue, fake):
        handle = await awaiting_decision(time_env, task_queue, case_id)
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await handle.execute_update(VerdictCaseWorkflow.decide,
                                        terminate(case_id, termination_date=termination_date))
        assert reason in str(err.value.cause)
        assert err.value.cause.type == INVALID_DECISION  # the API answers 422 on this type
        assert (await handle.query(VerdictCaseWorkflow.status)).stage == "awaiting_decision"

        # The case is not stuck: a date inside the window is taken and the block placed.
        today = (await time_env.get_current_time()).date()
        accepted = await handle.execute_update(VerdictCaseWorkflow.decide, terminate(
            case_id, termination_date=today.isoformat()))
        assert accepted.outcome == "terminate"
        await wait_for_stage(handle, "reentry_blocked")
        [block] = fake.blocks
        assert block.placed_on == today.isoformat()


async def test_reminders_then_escalation_when_nobody_decides(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle = await awaiting_decision(time_env, task_queue, "case-slow")
        # A day at a time: one long skip is a long call to the test server, which under a
        # loaded machine has broken off ("h2 protocol error") while the case was fine.
        for _ in range(15):
            await time_env.sleep(timedelta(days=1))
        assert fake.notices == ["reminder", "reminder", "deadline_missed"]
        await handle.terminate("test over")


async def test_missing_receipt_republishes_the_same_disclosure(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle = await start(time_env, task_queue, "case-noreceipt")
        await wait_for_stage(handle, "disclosed")
        await time_env.sleep(timedelta(hours=2, minutes=30))
        assert fake.published == ["case-noreceipt-d1"] * 3
        await handle.terminate("test over")


async def test_history_holds_no_personal_data_in_plaintext(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle = await start(time_env, task_queue, "case-private")
        await wait_for_stage(handle, "disclosed")
        history = await handle.fetch_history()
        await handle.terminate("test over")
    # Raw protobuf bytes: payload data stands there as written (JSON rendering would base64 it).
    raw = b"".join(e.SerializeToString() for e in history.events)
    assert b"p-0123456789abcdef" in raw  # plaintext search attributes are visible to the scan
    for secret in (CPR, NAME, "vold i opgangen", "Strandesplanaden"):
        assert secret.encode() not in raw


async def test_a_receipt_for_other_bytes_is_not_a_receipt(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle = await start(time_env, task_queue, "case-wrongdigest")
        await wait_for_stage(handle, "disclosed")
        await handle.signal(VerdictCaseWorkflow.receipt_received,
                            receipt("case-wrongdigest", digest="ab" * 32))
        await time_env.sleep(timedelta(hours=1, minutes=30))
        assert (await handle.query(VerdictCaseWorkflow.status)).stage == "disclosed"
        assert fake.published == ["case-wrongdigest-d1"] * 2  # sent again, still waiting
        await handle.signal(VerdictCaseWorkflow.receipt_received, receipt("case-wrongdigest"))
        await wait_for_stage(handle, "awaiting_decision")
        await handle.terminate("test over")


async def test_a_finalization_that_reaches_the_case_before_its_first_task_is_kept(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    # No worker yet: the start and the signal reach the workflow in one first task.
    handle = await start(time_env, task_queue, "case-racing-finality", final=False)
    await handle.signal(VerdictCaseWorkflow.verdict_changed, VerdictSignal(
        event_id="evt-final", type=VERDICT_FINALIZED, decided_on="2027-01-15"))
    async with case_worker(time_env, task_queue, fake):
        await wait_for_stage(handle, "disclosed")
        await handle.terminate("test over")
    assert "awaiting_finality" not in fake.stages


# -- the police district's review: a verdict the policy cannot place ------------------
CONFIG = Path(verdictflow.__file__).parent / "config"
FINE = Sentence(kind="fine", amount_dkk=4000)
DISTRICT = "kbh-vestegn"


def review_assessment() -> EligibilityDecision:
    """The real policy on the test verdict with a fine: the sanction rule cannot decide."""
    policy = load_policy((CONFIG / "eligibility-policy-v1.json").read_text(encoding="utf-8"))
    partnerships = load_partnerships((CONFIG / "partnerships.json").read_text(encoding="utf-8"))
    assessed = assess(verdict(sentence=FINE), policy, partnerships, date(2026, 11, 23))
    assert (assessed.outcome, assessed.undecided_rules) == (Eligibility.MANUAL_REVIEW,
                                                            ["sanction"])
    return assessed


def review(case_id: str, outcome: str) -> DecisionRequest:
    return DecisionRequest(task_id=f"{case_id}-review", outcome=outcome,
                           justification="Bøden gælder vold i opgangen i boligområdet.",
                           decided_by="politi-7", org_id=DISTRICT)


async def awaiting_review(env: WorkflowEnvironment, tq: str, case_id: str,
                          fake: FakeActivities) -> WorkflowHandle:
    handle = await start(env, tq, case_id, sentence=FINE)
    await wait_for_stage(handle, "awaiting_review")
    [task] = fake.tasks
    assert (task.kind, task.org_id, task.sealed_disclosure) == ("review", DISTRICT, None)
    status = await handle.query(VerdictCaseWorkflow.status)
    assert status.open_task == OpenTask(f"{case_id}-review", "review", DISTRICT, task.due_on)
    assert fake.published == []  # nothing leaves before the police district decides
    return handle


async def test_police_review_disclose_leads_to_the_disclosure(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities(eligibility=review_assessment())
    case_id = "case-review-disclose"
    async with case_worker(time_env, task_queue, fake):
        handle = await awaiting_review(time_env, task_queue, case_id, fake)
        # The review is the police district's: the housing organisation cannot answer it,
        # nor can a caseworker's outcome.
        for wrong, reason in (({"org_id": "bbs"}, "another organisation"),
                              ({"outcome": "terminate"}, "outcome must be one of")):
            with pytest.raises(WorkflowUpdateFailedError) as err:
                await handle.execute_update(VerdictCaseWorkflow.decide, dataclasses.replace(
                    review(case_id, "disclose"), **wrong))
            assert reason in str(err.value.cause)

        accepted = await handle.execute_update(VerdictCaseWorkflow.decide,
                                               review(case_id, "disclose"))
        assert accepted.outcome == "disclose"
        await wait_for_stage(handle, "disclosed")
        assert fake.published == [f"{case_id}-d1"]
        await handle.signal(VerdictCaseWorkflow.receipt_received, receipt(case_id))
        await wait_for_stage(handle, "awaiting_decision")
        await handle.terminate("test over")

    assert fake.stages == ["registered", "eligibility", "awaiting_review", "disclosed",
                           "awaiting_decision"]
    assert fake.closed_tasks == [TaskClosing(f"{case_id}-review", "done", "disclose",
                                             "politi-7")]
    assert [(t.kind, t.org_id) for t in fake.tasks] == [("review", DISTRICT),
                                                        ("decision", "bbs")]


async def test_police_review_no_disclosure_closes_as_not_eligible(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities(eligibility=review_assessment())
    case_id = "case-review-withheld"
    async with case_worker(time_env, task_queue, fake):
        handle = await awaiting_review(time_env, task_queue, case_id, fake)
        await handle.execute_update(VerdictCaseWorkflow.decide,
                                    review(case_id, "no_disclosure"))
        # A case that disclosed instead would wait for a receipt: fail, not hang.
        result = await asyncio.wait_for(handle.result(), 20)

    assert (result.ended_as, result.outcome) == ("not_eligible", None)
    assert result.reasons == [EndReason.POLICE_DID_NOT_DISCLOSE]
    assert result.reasons == ["politiet valgte ikke at videregive"]
    assert fake.stages == ["registered", "eligibility", "awaiting_review", "not_eligible",
                           "purged"]
    assert fake.published == []
    assert fake.closed_tasks == [TaskClosing(f"{case_id}-review", "done", "no_disclosure",
                                             "politi-7")]
