"""After the decision is due (issue 9): escalation to the supervisors with reminders that go
on, the police district's confirmation of an appeal with no news, the municipality's
follow-up beside the case, and a partnership that acts before finality. Time-skipping
server, stand-in activities."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from tests.workflows.fakes import FakeActivities, case_input, decision
from tests.workflows.test_case_workflow import (
    awaiting_decision,
    case_worker,
    receipt,
    wait_for_stage,
)
from verdictflow.domain.followup import FollowUpBasis
from verdictflow.domain.policy import RuleOutcome
from verdictflow.domain.topics import VERDICT_FINALIZED
from verdictflow.domain.verdict import Household, Person
from workflows.case.messages import CaseInput, CasePartnership, DecisionRequest, VerdictSignal
from workflows.case.workflow import VerdictCaseWorkflow
from workflows.followup.workflow import MunicipalityFollowUpWorkflow

YOUNG_CPR = "1005114123"  # born 10 May 2011: 15 on the verdict day, 18 November 2026
ADULT_CPR = "2903871234"


def answer(task_id: str, outcome: str, org_id: str) -> DecisionRequest:
    return DecisionRequest(task_id=task_id, outcome=outcome,
                           justification="Begrundelse for svaret i testen her.",
                           decided_by="someone-1", org_id=org_id)


def resident(outcome: str = "eligible") -> object:
    """The stand-in's assessment, with the residence rule passed and the municipality."""
    d = decision(outcome)
    return dataclasses.replace(
        d, municipality_id="broendby",
        rules=[*d.rules, RuleOutcome("residence", True, "Personen bor i området.")])


def person_case(case_id: str, cpr: str, household: Household | None = None,
                final: bool = True) -> CaseInput:
    c = case_input(case_id, final=final)
    p = c.verdict.person
    person = Person(cpr=cpr, name=p.name, registered_address=p.registered_address,
                    household=household)
    return dataclasses.replace(c, verdict=dataclasses.replace(c.verdict, person=person))


async def start_case(env: WorkflowEnvironment, tq: str, case: CaseInput) -> WorkflowHandle:
    return await env.client.start_workflow(VerdictCaseWorkflow.run, case, id=case.case_id,
                                           task_queue=tq)


# -- escalation --------------------------------------------------------------------------
async def test_an_unanswered_decision_goes_to_the_supervisors_and_is_reminded_until_decided(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    case_id = f"case-escalate-{task_queue}"
    async with case_worker(time_env, task_queue, fake):
        handle = await awaiting_decision(time_env, task_queue, case_id)
        await time_env.sleep(timedelta(days=13))
        assert fake.escalations == [] and fake.notices == ["reminder", "reminder"]
        await time_env.sleep(timedelta(days=2))  # day 15: the deadline passed on day 14
        [escalated] = fake.escalations
        assert (escalated.task_id, escalated.org_id, escalated.to_role) == (
            f"{case_id}-decision", "bbs", "supervisor")
        assert fake.notices == ["reminder", "reminder", "deadline_missed"]
        await time_env.sleep(timedelta(days=14))  # days 21 and 28
        assert fake.notices == ["reminder", "reminder", "deadline_missed", "reminder",
                                "reminder"]
        await handle.execute_update(VerdictCaseWorkflow.decide,
                                    answer(f"{case_id}-decision", "warn", "bbs"))
        result = await handle.result()
        await time_env.sleep(timedelta(days=30))

    assert result.ended_as == "closed"  # then purged at its retention (lifetime)
    assert len(fake.escalations) == 1  # escalated once, reminded until decided, then silent
    assert fake.notices.count("reminder") == 4


async def test_the_escalation_cadence_is_the_case_terms(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    fake.terms = dataclasses.replace(fake.terms, escalation_reminder_days=2)
    case_id = f"case-cadence-{task_queue}"
    async with case_worker(time_env, task_queue, fake):
        handle = await awaiting_decision(time_env, task_queue, case_id)
        await time_env.sleep(timedelta(days=20, hours=12))  # days 16, 18, 20 after day 14
        assert fake.notices[3:] == ["reminder"] * 3
        history = await handle.fetch_history()
        await time_env.sleep(timedelta(days=10))  # five more reminders
        longer = await handle.fetch_history()
        await handle.terminate("test over")
    # Each reminder adds the same handful of events (a timer and an activity), no more.
    assert (len(longer.events) - len(history.events)) / 5 <= 12


# -- finality confirmed by the police district --------------------------------------------
async def test_an_appeal_with_no_news_is_put_to_the_police_district(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()  # appeal window 14 days + margin 30 days by default
    case_id = f"case-confirm-{task_queue}"
    async with case_worker(time_env, task_queue, fake):
        handle = await start_case(time_env, task_queue, case_input(case_id, final=False))
        await wait_for_stage(handle, "awaiting_finality")
        await time_env.sleep(timedelta(days=43))
        assert [t.kind for t in fake.tasks] == []
        await time_env.sleep(timedelta(days=2))  # past 44 days
        [task] = fake.tasks
        assert (task.task_id, task.kind, task.org_id) == (
            f"{case_id}-confirm_finality-1", "confirm_finality", "kbh-vestegn")
        status = await handle.query(VerdictCaseWorkflow.status)
        assert status.open_task is not None and status.open_task.kind == "confirm_finality"

        # Still pending: asked again after the margin, under a new task id.
        accepted = await handle.execute_update(VerdictCaseWorkflow.decide, answer(
            task.task_id, "still_pending", "kbh-vestegn"))
        assert accepted.stage == "awaiting_finality"
        await time_env.sleep(timedelta(days=31))
        assert [t.task_id for t in fake.tasks] == [f"{case_id}-confirm_finality-1",
                                                   f"{case_id}-confirm_finality-2"]
        await handle.execute_update(VerdictCaseWorkflow.decide, answer(
            f"{case_id}-confirm_finality-2", "final", "kbh-vestegn"))
        await wait_for_stage(handle, "disclosed")
        await handle.terminate("test over")

    assert [(c.status, c.outcome) for c in fake.closed_tasks] == [
        ("done", "still_pending"), ("done", "final")]
    assert fake.assessed[0].verdict.final is True  # assessed as the final verdict it is


async def test_the_police_confirm_an_overturn(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    case_id = f"case-confirm-o-{task_queue}"
    async with case_worker(time_env, task_queue, fake):
        handle = await start_case(time_env, task_queue, case_input(case_id, final=False))
        await wait_for_stage(handle, "awaiting_finality")
        await time_env.sleep(timedelta(days=45))
        await handle.execute_update(VerdictCaseWorkflow.decide, answer(
            f"{case_id}-confirm_finality-1", "overturned", "kbh-vestegn"))
        result = await handle.result()
    assert result.ended_as == "overturned" and fake.assessed == []


async def test_news_before_the_answer_withdraws_the_confirmation(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    case_id = f"case-confirm-w-{task_queue}"
    async with case_worker(time_env, task_queue, fake):
        handle = await start_case(time_env, task_queue, case_input(case_id, final=False))
        await wait_for_stage(handle, "awaiting_finality")
        await time_env.sleep(timedelta(days=45))
        await handle.signal(VerdictCaseWorkflow.verdict_changed, VerdictSignal(
            event_id="evt-final", type=VERDICT_FINALIZED, decided_on="2027-01-20"))
        await wait_for_stage(handle, "disclosed")
        await handle.terminate("test over")
    assert [c.status for c in fake.closed_tasks] == ["withdrawn"]


# -- finality per partnership --------------------------------------------------------------
async def test_a_partnership_that_acts_before_finality_does_not_wait(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities(partnership=CasePartnership("broendby-strand", False))
    case_id = f"case-early-{task_queue}"
    async with case_worker(time_env, task_queue, fake):
        handle = await start_case(time_env, task_queue, case_input(case_id, final=False))
        await wait_for_stage(handle, "disclosed")
        await handle.terminate("test over")
    assert "awaiting_finality" not in fake.stages
    [assessed] = fake.assessed
    assert assessed.verdict.final is False and assessed.await_finality is False


async def test_a_partnership_that_waits_waits_and_says_so_to_the_assessment(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    case_id = f"case-waits-{task_queue}"
    async with case_worker(time_env, task_queue, fake):
        handle = await start_case(time_env, task_queue, case_input(case_id, final=False))
        await wait_for_stage(handle, "awaiting_finality")
        await handle.signal(VerdictCaseWorkflow.verdict_changed, VerdictSignal(
            event_id="evt-final", type=VERDICT_FINALIZED, decided_on="2027-01-20"))
        await wait_for_stage(handle, "disclosed")
        await handle.terminate("test over")
    assert fake.assessed[0].await_finality is True


# -- the municipality's follow-up ------------------------------------------------------------
async def follow_up(env: WorkflowEnvironment, tq: str, case: CaseInput,
                    fake: FakeActivities) -> WorkflowHandle:
    """The case disclosed and awaiting its decision; the follow-up started beside it."""
    handle = await start_case(env, tq, case)
    await wait_for_stage(handle, "disclosed")
    await handle.signal(VerdictCaseWorkflow.receipt_received, receipt(case.case_id))
    await wait_for_stage(handle, "awaiting_decision")
    return handle


async def test_a_15_year_olds_verdict_goes_to_the_municipality_beside_the_decision(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities(eligibility=resident())  # type: ignore[arg-type]
    case_id = f"case-young-{task_queue}"
    async with case_worker(time_env, task_queue, fake):
        handle = await follow_up(time_env, task_queue, person_case(case_id, YOUNG_CPR), fake)
        # The housing organisation decides while the municipality has not answered yet: the
        # case goes on to its re-entry block. (It terminates, not warns, so the case is
        # still running when the municipality answers: Temporal's time-skipping test server
        # stops skipping time for good once a parent closes before its abandoned child.)
        await handle.execute_update(VerdictCaseWorkflow.decide, DecisionRequest(
            task_id=f"{case_id}-decision", outcome="terminate",
            justification="Grov vold; ophævelse efter § 90, stk. 1, nr. 10.",
            decided_by="cw-1", org_id="bbs", termination_date="2026-12-31",
            route="ophaevelse", ground="almenlejeloven § 90, stk. 1, nr. 10"))
        await wait_for_stage(handle, "reentry_blocked")
        child = time_env.client.get_workflow_handle_for(MunicipalityFollowUpWorkflow.run,
                                                        f"followup-{case_id}")
        task = await child.query(MunicipalityFollowUpWorkflow.open_task)
        assert task is not None and (task.kind, task.org_id) == (
            "municipality_followup", "broendby")
        await child.execute_update(MunicipalityFollowUpWorkflow.decide, answer(
            task.task_id, "boerne_og_ungepaalaeg", "broendby"))
        done = await child.result()
        followup_history = (await child.fetch_history()).to_json()
        # Ends the case with its block lifted (no abandoned child outlives it, see above).
        await handle.signal(VerdictCaseWorkflow.verdict_changed, VerdictSignal(
            event_id="evt-o", type="dk.politi.verdict.overturned.v1", decided_on="2027-03-01"))
        # The tenant had moved out (the test clock is past the termination date): the case
        # waits for the damages task before its retention; retracted is what counts here.
        await wait_for_stage(handle, "retracted")
        await handle.terminate("test over")

    [notice] = fake.municipality
    assert (notice.notification_id, notice.municipality_id, notice.area_id, notice.basis) == (
        f"{case_id}-m1", "broendby", "broendby-strand", FollowUpBasis.YOUNG_PERSON.value)
    [opened] = [t for t in fake.tasks if t.kind == "municipality_followup"]
    assert (opened.task_id, opened.case_id, opened.legal_basis) == (
        f"{case_id}-municipality_followup", case_id, "barnets lov § 39")
    assert (done.status, done.outcome) == ("done", "boerne_og_ungepaalaeg")
    # ids and the basis only: nothing of the person reaches the notice or the follow-up's
    # history (not even under its encryption), neither the CPR number nor the birth year
    assert YOUNG_CPR not in repr(notice) and "2011" not in repr(notice)
    assert YOUNG_CPR not in followup_history and "100511" not in followup_history


async def test_a_household_with_minors_goes_to_the_municipality_under_38(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities(eligibility=resident())  # type: ignore[arg-type]
    case_id = f"case-minors-{task_queue}"
    household = Household("tenant", minors_in_household=True)
    async with case_worker(time_env, task_queue, fake):
        handle = await follow_up(time_env, task_queue,
                                 person_case(case_id, ADULT_CPR, household), fake)
        # the follow-up first: a parent closing before its abandoned child stalls the
        # time-skipping test server's clock for later tests
        await time_env.client.get_workflow_handle(f"followup-{case_id}").terminate("test over")
        await handle.terminate("test over")
    assert [n.basis for n in fake.municipality] == ["barnets lov § 38"]


async def test_an_adult_without_minors_is_not_the_municipalitys(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities(eligibility=resident())  # type: ignore[arg-type]
    case_id = f"case-adult-{task_queue}"
    async with case_worker(time_env, task_queue, fake):
        handle = await follow_up(time_env, task_queue, person_case(
            case_id, ADULT_CPR, Household("tenant", minors_in_household=False)), fake)
        await handle.terminate("test over")
    assert fake.municipality == []
    assert all(t.kind != "municipality_followup" for t in fake.tasks)


async def test_no_follow_up_without_residence_in_the_area(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()  # the stand-in's assessment has no residence rule passed
    case_id = f"case-noresidence-{task_queue}"
    async with case_worker(time_env, task_queue, fake):
        handle = await follow_up(time_env, task_queue, person_case(case_id, YOUNG_CPR), fake)
        await handle.terminate("test over")
    assert fake.municipality == []


async def test_an_overturned_verdict_withdraws_the_municipalitys_task(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities(eligibility=resident())  # type: ignore[arg-type]
    case_id = f"case-young-o-{task_queue}"
    async with case_worker(time_env, task_queue, fake):
        handle = await follow_up(time_env, task_queue, person_case(case_id, YOUNG_CPR), fake)
        await handle.signal(VerdictCaseWorkflow.verdict_changed, VerdictSignal(
            event_id="evt-o", type="dk.politi.verdict.overturned.v1", decided_on="2027-03-01"))
        assert (await handle.result()).ended_as == "retracted"
        done = await time_env.client.get_workflow_handle_for(
            MunicipalityFollowUpWorkflow.run, f"followup-{case_id}").result()
    assert done.status == "withdrawn"
    closed = [c for c in fake.closed_tasks if c.task_id.endswith("municipality_followup")]
    assert [c.status for c in closed] == ["withdrawn"]
