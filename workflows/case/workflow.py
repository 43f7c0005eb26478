"""One verdict, followed from registration to a closed case.

registered → awaiting finality → eligibility → (police review) → disclosed → awaiting
decision → decided → re-entry block → closed → purged. An overturned verdict stops the
case wherever it is and, once anything was disclosed, retracts it (and lifts a block).
After its last stage the case lives on until retention purges it: a late overturn still
retracts, a basis that fell away after the tenant moved out owes damages, and the
recipient's deletion of a retracted disclosure is chased until it is confirmed.

The workflow id is the case id, derived from the verdict id, so a repeated
``registered`` event cannot start a second case. Search attributes carry stages and ids
only; everything personal stays inside encrypted payloads. What crosses the workflow's
boundary is in ``messages.py``; what it knows, in ``state.py``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ApplicationError, FailureError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.casebook import CaseBookActivities
    from activities.disclosure import DisclosureActivities
    from activities.eligibility import EligibilityActivities
    from activities.requests import RequestActivities
    from activities.retention import RetentionActivities
    from verdictflow.domain.case import (
        DecisionContext,
        EndReason,
        FinalityConfirmation,
        LiftReason,
        Outcome,
        ReviewOutcome,
        Stage,
        TaskKind,
        add_years,
        decision_problem,
        route_of,
        termination_date_problem,
    )
    from verdictflow.domain.followup import (
        followup_workflow_id,
        municipality_follow_up,
        notification_id,
    )
    from verdictflow.domain.identity import block_workflow_id
    from verdictflow.domain.lifetime import (
        RETENTION_ACTOR,
        damages_owed,
        purge_due,
        retraction_event_id,
        sanction_changed,
    )
    from verdictflow.domain.policy import EligibilityDecision, Route, route_after_assessment
    from verdictflow.domain.reentry import lease_address
    from verdictflow.domain.reminders import (
        Notice,
        escalation_reminders,
        finality_check_day,
        task_schedule,
    )
    from verdictflow.domain.requests import (
        OpenRequest,
        applicable_request,
        outcome_with,
        request_workflow_id,
    )
    from verdictflow.domain.sealing import sealed_digest
    from verdictflow.domain.termination import (
        CourtOutcome,
        TerminationPeriods,
        plan_termination,
    )
    from verdictflow.domain.termination_progress import (
        Awaiting,
        RouteEnd,
        RouteProgress,
        StepProblem,
    )
    from verdictflow.domain.topics import (
        VERDICT_APPEALED,
        VERDICT_FINALIZED,
        VERDICT_OVERTURNED,
    )
    from verdictflow.domain.verdict import Verdict, VerdictChange, with_change
    from workflows import search_attributes as sa
    from workflows.case.details import current_details
    from workflows.case.messages import (
        INVALID_DECISION,
        NOT_THE_CASE_ORG,
        CaseInput,
        CaseResult,
        CaseStatus,
        CaseTerms,
        CourtOutcomeRecord,
        DeadlineNotice,
        DecisionAccepted,
        DecisionRequest,
        DeletionRecord,
        DeletionSignal,
        DisclosureDelivery,
        EligibilityRequest,
        ObjectionRecord,
        OpenTask,
        PartnershipLookup,
        PublishRequest,
        PurgeRequest,
        ReceiptSignal,
        RetractRequest,
        SealRequest,
        StageChange,
        SuitRecord,
        TaskClosing,
        TaskEscalation,
        TaskOpening,
        TerminationStatus,
        VerdictSignal,
    )
    from workflows.case.state import CaseState, CaseTask, Disclosure
    from workflows.effects import EFFECT, LOCAL_EFFECT, LOCAL_READ
    from workflows.followup.messages import FollowUpInput, FollowUpWithdrawal
    from workflows.followup.workflow import MunicipalityFollowUpWorkflow
    from workflows.reentry.messages import BlockInput, BlockResult, LiftRequest
    from workflows.reentry.workflow import ReentryBlockWorkflow
    from workflows.request.messages import RequestAnswered, RequestLookup
    from workflows.request.workflow import DisclosureRequestWorkflow


# Cases whose decision task opens from here on must choose the termination route; a
# terminate decision that chose one follows it (both recorded as markers in history).
ROUTE_REQUIRED_PATCH = "route-termination-route-required"
ROUTE_FOLLOW_PATCH = "route-follow-termination-route"
# Cases started from here on cost less before their first human task: the terms, the
# partnership and the assessment run as local activities (reads and a computation, see
# ``LOCAL_READ``), search attributes set in one workflow task go in one upsert, and
# ``registered`` is recorded in the same call as the stage after it. Cases started before
# replay their separate activities and upserts. One name for all three: they came together,
# and every patch costs a marker and a TemporalChangeVersion upsert of its own.
LEAN_PATCH = "lean-before-decision"
# Cases started from here on deliver in one step: the disclosure is sealed once, published
# and ``disclosed`` recorded in one local activity (``deliver_disclosure``) that keeps the
# sealed bytes in the read model, so the history carries their digest, not the bytes (nor
# the verdict a second time: a local activity's input is not recorded); the request
# lookup runs locally; ``eligibility`` is recorded with the stage after it; and the task
# opens, locally too, recording the stage it opens in the same call (``LOCAL_EFFECT``).
#
# Its marker, the case's first command, also stands for every change before it: a case
# started since asks its history about no other patch (``_has``). That saves each case a
# marker and a TemporalChangeVersion upsert per change, and it keeps patch markers away
# from the local activities: a marker first asked for right after a local activity's result
# is found on replay only if the result and the code after it fell in the same workflow
# task, which a task that ran out of time under load breaks (seen as TMPRL1100 on replay).
DELIVERY_PATCH = "lean-disclosure"


async def _unless_ended(signal: Awaitable[None]) -> None:
    """Sends a signal to a child that may have ended meanwhile: then it has nothing left to
    act on, and the child's result tells the case how it ended. Any other failure stands."""
    try:
        await signal
    except ApplicationError as err:
        if err.type != "ExternalWorkflowExecutionNotFound":
            raise


@workflow.defn(name="VerdictCase")
class VerdictCaseWorkflow:
    @workflow.init
    def __init__(self, case: CaseInput) -> None:
        self._case = case
        self._state = CaseState(final=case.verdict.final, events_seen={case.registered_event_id})
        self._watches: list[asyncio.Task[None]] = []  # concurrent duties (damages)
        self._followup_watch: asyncio.Task[None] | None = None
        self._held: list[StageChange] = []  # entered, recorded with the next stage
        self._current = False  # DELIVERY_PATCH: started since, with every change before it

    # -- the process -----------------------------------------------------------------
    @workflow.run
    async def run(self, case: CaseInput) -> CaseResult:
        state = self._state
        self._current = workflow.patched(DELIVERY_PATCH)  # the first command, always
        # Cases started before the state was built in __init__ read the verdict's finality
        # here, after the signals of their first task: a finalization that raced the start
        # was lost. They replay as they ran; newer cases keep what the signals said.
        if not self._has("state-before-signals"):
            state.final = case.verdict.final
        ids = [sa.PERSON_REF.value_set(case.person_ref),
               sa.POLICE_DISTRICT.value_set(case.verdict.police_district)]
        # A new case records ``registered`` with the stage that follows it (the reads
        # between them await nothing outside the worker): one activity fewer.
        await self._enter(Stage.REGISTERED, also=self._upserted_unless_merged(ids),
                          hold=self._has(LEAN_PATCH))
        if self._has(LEAN_PATCH):
            terms = await workflow.execute_local_activity_method(
                CaseBookActivities.case_terms, **LOCAL_READ)
        else:
            terms = await workflow.execute_activity_method(
                CaseBookActivities.case_terms, **EFFECT)
        state.terms = terms

        await_finality = await self._partnership_awaits_finality(case, terms)
        if not state.final and await_finality:
            await self._enter(Stage.AWAITING_FINALITY)
            await self._await_finality(terms)
        if state.overturned:
            return await self._end(Stage.OVERTURNED, [EndReason.OVERTURNED_BEFORE_DISCLOSURE])

        change = state.final_change
        verdict = with_change(case.verdict, change) if change else case.verdict
        await self._enter(Stage.ELIGIBILITY, hold=self._current)
        # Assessed by the policy the case started on (its terms), for the case's whole life.
        assessment = EligibilityRequest(
            case.case_id, verdict, workflow.now().date().isoformat(), terms.policy_version,
            state.partnership.await_finality if state.partnership else None)
        if self._has(LEAN_PATCH):
            eligibility = await workflow.execute_local_activity_method(
                EligibilityActivities.assess_eligibility, assessment, **LOCAL_READ)
        else:
            eligibility = await workflow.execute_activity_method(
                EligibilityActivities.assess_eligibility, assessment, **EFFECT)
        state.eligibility = eligibility
        self._upsert_eligibility(eligibility)
        await self._start_municipality_follow_up(verdict, eligibility, terms)

        # The landlord may have asked about this person: then the 2022 duty decides.
        state.request = await self._request_answered_by(eligibility)
        outcome = outcome_with(eligibility, state.request)
        route = route_after_assessment(outcome, terms.review_other_ground)
        if route == Route.REVIEW:
            review = await self._human_task(TaskKind.REVIEW, verdict.police_district, terms,
                                            Stage.AWAITING_REVIEW)
            if review is None:
                return await self._end(Stage.OVERTURNED, [EndReason.OVERTURNED_DURING_REVIEW])
            if review.outcome != ReviewOutcome.DISCLOSE or eligibility.housing_org_id is None:
                return await self._end(Stage.NOT_ELIGIBLE, [EndReason.POLICE_DID_NOT_DISCLOSE])
            # A request made while the police reviewed is answered by their disclosure too.
            state.request = state.request or await self._request_answered_by(eligibility)
        elif route == Route.END:
            return await self._end(Stage.NOT_ELIGIBLE, eligibility.decisive_rules)

        org_id = eligibility.housing_org_id
        if org_id is None:
            raise ApplicationError("an eligible verdict names no receiving housing organisation",
                                   non_retryable=True)
        sealed = await self._disclose(verdict, eligibility, terms)
        if sealed is None:
            return await self._retract(org_id)

        state.route_required = self._has(ROUTE_REQUIRED_PATCH)
        decision = await self._human_task(TaskKind.DECISION, org_id, terms,
                                          Stage.AWAITING_DECISION, sealed=sealed)
        if decision is None:
            return await self._retract(org_id)
        await self._enter(Stage.DECIDED)
        self._owe_damages_if_the_basis_falls_away(decision)
        if decision.outcome != Outcome.TERMINATE:
            return await self._end(Stage.CLOSED, [decision.outcome])

        if decision.route is not None and self._has(ROUTE_FOLLOW_PATCH):
            await self._follow_route(decision, eligibility, terms)
        else:
            await self._block_reentry(decision, eligibility, terms)
        if state.overturned:
            return await self._retract(org_id)
        return await self._end(Stage.CLOSED, [decision.outcome])

    # -- stages ----------------------------------------------------------------------
    async def _disclose(
        self, verdict: Verdict, eligibility: EligibilityDecision, terms: CaseTerms
    ) -> dict[str, str] | None:
        """Seals, publishes and waits for the receipt; None if overturned meanwhile, else
        the sealed disclosure ({} when it was delivered in one step: the read model keeps
        it, and the decision task takes it from there)."""
        case_id = self._case.case_id
        disclosure = self._state.disclosure = Disclosure(f"{case_id}-d1")
        due = workflow.now().date() + timedelta(days=terms.decision_deadline_days)
        seal = SealRequest(case_id, disclosure.disclosure_id, verdict, eligibility,
                           due.isoformat(),
                           self._state.request.request_id if self._state.request else None)
        org_id = eligibility.housing_org_id or ""
        if self._current:
            disclosed = self._next_change(Stage.DISCLOSED)
            delivery = DisclosureDelivery(seal, org_id, workflow.now().isoformat(),
                                          stages=[*self._take_held(), disclosed])
            delivered = await workflow.execute_local_activity_method(
                DisclosureActivities.deliver_disclosure, delivery, **LOCAL_EFFECT)
            disclosure.digest = delivered.digest
            self._show(Stage.DISCLOSED)
            sealed: dict[str, str] = {}
            # Same bytes, same event id (the read model's copy): only the receipt again.
            resend = DisclosureDelivery(seal, org_id, delivery.at)

            async def send_again() -> None:
                await workflow.execute_local_activity_method(
                    DisclosureActivities.deliver_disclosure, resend, **LOCAL_EFFECT)
        else:
            sealed = await workflow.execute_activity_method(
                DisclosureActivities.seal_disclosure, seal, **EFFECT)
            # Cases started before this check accept any receipt for the disclosure id.
            if self._has("receipt-digest-check"):
                disclosure.digest = sealed_digest(sealed)
            publish = PublishRequest(case_id, org_id, sealed, workflow.now().isoformat())
            await workflow.execute_activity_method(
                DisclosureActivities.publish_disclosure, publish, **EFFECT)
            await self._enter(Stage.DISCLOSED)

            async def send_again() -> None:
                # Same bytes, same event id: a gateway that already has it only receipts.
                await workflow.execute_activity_method(
                    DisclosureActivities.publish_disclosure, publish, **EFFECT)
        if self._state.request is not None:
            await self._tell_requester(self._state.request, disclosure.disclosure_id)
        while disclosure.receipt is None and not self._state.overturned:
            try:
                await workflow.wait_condition(
                    lambda: disclosure.receipt is not None or self._state.overturned,
                    timeout=timedelta(seconds=terms.receipt_timeout_seconds),
                )
            except TimeoutError:
                await send_again()
        return None if self._state.overturned else sealed

    async def _request_answered_by(self, eligibility: EligibilityDecision) -> OpenRequest | None:
        # Cases assessed before requests existed looked for none: their histories hold no
        # lookup, and replay the same way.
        if not self._has("disclosure-requests"):
            return None
        lookup = RequestLookup(self._case.person_ref, workflow.now().date().isoformat())
        if self._current:  # a read: local, in the assessment's workflow task
            requests = await workflow.execute_local_activity_method(
                RequestActivities.open_requests, lookup, **LOCAL_READ)
        else:
            requests = await workflow.execute_activity_method(
                RequestActivities.open_requests, lookup, **EFFECT)
        return applicable_request(requests, eligibility)

    async def _tell_requester(self, request: OpenRequest, disclosure_id: str) -> None:
        handle = workflow.get_external_workflow_handle(request_workflow_id(request.request_id))
        try:
            await handle.signal(DisclosureRequestWorkflow.answered,
                                RequestAnswered(self._case.case_id, disclosure_id))
        except FailureError:
            # The request ended meanwhile (its period ran out, or the police refused it):
            # the disclosure stands on the assessment it was made on.
            workflow.logger.info("request ended before its answer",
                                 extra={"case_id": self._case.case_id})

    async def _human_task(
        self, kind: TaskKind, org_id: str, terms: CaseTerms, stage: Stage,
        sealed: dict[str, str] | None = None,
    ) -> DecisionRequest | None:
        """Opens a task, reminds and escalates on schedule; None if overturned meanwhile."""
        case_id = self._case.case_id
        opened = workflow.now()
        due = opened.date() + timedelta(days=terms.decision_deadline_days)
        opening = OpenTask(f"{case_id}-{kind.value}", kind.value, org_id, due.isoformat())
        task_opening = TaskOpening(opening.task_id, case_id, opening.kind, org_id,
                                   opening.due_on, json.dumps(sealed) if sealed else None)
        due_at = [sa.DECISION_DUE.value_set(datetime.combine(due, time.min, UTC))]
        if self._current:
            # The task and the stage it opens in one call; the sealed copy from the read
            # model (a review task has none).
            opened_stage = self._next_change(stage)
            opened_stage.earlier = self._take_held()
            task_opening.stage = opened_stage
            if kind == TaskKind.DECISION and self._state.disclosure:
                task_opening.disclosure_id = self._state.disclosure.disclosure_id
            await workflow.execute_local_activity_method(
                CaseBookActivities.open_task, task_opening, **LOCAL_EFFECT)
        else:
            await workflow.execute_activity_method(
                CaseBookActivities.open_task, task_opening, **EFFECT)
        task = CaseTask(opening)
        if kind == TaskKind.REVIEW:
            self._state.review = task
        else:
            self._state.decision = task
        if self._current:
            self._show(stage, also=due_at)
        else:
            await self._enter(stage, also=self._upserted_unless_merged(due_at))

        def answered() -> bool:
            return task.answer is not None or self._state.overturned

        for checkpoint in task_schedule(terms.reminder_days, terms.decision_deadline_days):
            remaining = opened + timedelta(days=checkpoint.day) - workflow.now()
            if remaining > timedelta(0) and await self._wait(answered, remaining):
                break
            if not answered():
                await workflow.execute_activity_method(
                    CaseBookActivities.notify_deadline, DeadlineNotice(
                        case_id, opening.task_id, org_id, checkpoint.notice.value,
                        opening.due_on, workflow.now().isoformat()), **EFFECT)
        if not answered():
            await self._escalate(opening, opened, terms, answered)
        await workflow.wait_condition(answered)

        task.closed = True
        answer = task.answer
        await workflow.execute_activity_method(CaseBookActivities.close_task, TaskClosing(
            opening.task_id, "done" if answer else "withdrawn",
            answer.outcome if answer else None, answer.decided_by if answer else None),
            **EFFECT)
        return answer

    # -- the follow-up (issue 9): finality per partnership, escalation, the municipality --
    async def _partnership_awaits_finality(self, case: CaseInput, terms: CaseTerms) -> bool:
        """Whether the case waits for the final verdict: its partnership's choice, found from
        the person's lease before anything is assessed; the policy's value when the lease is
        in no partnership (such a case is not disclosed anyway) and for cases started before
        partnerships chose."""
        if not self._has("followup-partnership-finality"):
            return terms.await_finality
        lookup = PartnershipLookup(case.case_id, case.verdict)
        if self._has(LEAN_PATCH):
            found = await workflow.execute_local_activity_method(
                EligibilityActivities.case_partnership, lookup, **LOCAL_READ)
        else:
            found = await workflow.execute_activity_method(
                EligibilityActivities.case_partnership, lookup, **EFFECT)
        self._state.partnership = found
        return terms.await_finality if found.await_finality is None else found.await_finality

    async def _await_finality(self, terms: CaseTerms) -> None:
        """Waits for finalized or overturned. An appeal that never reports back is put to the
        police district after the appeal window and our margin (``confirm_finality``), and
        again after each margin while they answer ``still_pending``."""
        state = self._state

        def news() -> bool:
            return state.final or state.overturned

        if not self._has("followup-confirm-finality"):
            await workflow.wait_condition(news)
            return
        wait = timedelta(days=finality_check_day(terms.appeal_window_days,
                                                 terms.finality_confirmation_margin_days))
        while not news():
            if await self._wait(news, wait):
                return
            answer = await self._confirm_finality(terms, news)
            if answer is None:
                continue  # the police system reported meanwhile
            if answer.outcome == FinalityConfirmation.FINAL:
                # The verdict stands as registered, now final: assessed as a final verdict.
                v = self._case.verdict
                state.final_change = VerdictChange(
                    f"{answer.task_id}:final", VERDICT_FINALIZED, v.verdict_id, v.decided_on)
                state.final = True
            elif answer.outcome == FinalityConfirmation.OVERTURNED:
                state.overturned = True
            wait = timedelta(days=max(1, terms.finality_confirmation_margin_days))

    async def _confirm_finality(
        self, terms: CaseTerms, news: Callable[[], bool]
    ) -> DecisionRequest | None:
        """The police district's task: what became of the appeal? None if the finalized or
        overturned event came first (the task is withdrawn)."""
        state, case_id = self._state, self._case.case_id
        state.finality_checks += 1
        kind = TaskKind.CONFIRM_FINALITY.value
        due = workflow.now().date() + timedelta(days=terms.decision_deadline_days)
        # One task per round: a row already closed is never opened again (idempotent on id).
        opening = OpenTask(f"{case_id}-{kind}-{state.finality_checks}", kind,
                           self._case.verdict.police_district, due.isoformat())
        await workflow.execute_activity_method(CaseBookActivities.open_task, TaskOpening(
            opening.task_id, case_id, kind, opening.org_id, opening.due_on), **EFFECT)
        task = state.finality_check = CaseTask(opening)
        await workflow.wait_condition(lambda: task.answer is not None or news())
        task.closed = True
        answer = task.answer
        await workflow.execute_activity_method(CaseBookActivities.close_task, TaskClosing(
            opening.task_id, "done" if answer else "withdrawn",
            answer.outcome if answer else None, answer.decided_by if answer else None),
            **EFFECT)
        return answer

    async def _escalate(self, opening: OpenTask, opened: datetime, terms: CaseTerms,
                        answered: Callable[[], bool]) -> None:
        """At the deadline the task goes to the organisation's supervisors, and is reminded
        every ``escalation_reminder_days`` until answered: one timer and one activity per
        reminder, so the history grows by a fixed amount each time."""
        if not self._has("followup-escalation"):
            return  # cases from before waited silently after the deadline
        case_id = self._case.case_id
        await workflow.execute_activity_method(CaseBookActivities.escalate_task, TaskEscalation(
            case_id, opening.task_id, opening.org_id, opening.due_on,
            workflow.now().isoformat()), **EFFECT)
        for day in escalation_reminders(terms.decision_deadline_days,
                                        terms.escalation_reminder_days):
            remaining = opened + timedelta(days=day) - workflow.now()
            if remaining > timedelta(0) and await self._wait(answered, remaining):
                return
            if answered():
                return
            await workflow.execute_activity_method(
                CaseBookActivities.notify_deadline, DeadlineNotice(
                    case_id, opening.task_id, opening.org_id, Notice.REMINDER.value,
                    opening.due_on, workflow.now().isoformat()), **EFFECT)

    async def _start_municipality_follow_up(
        self, verdict: Verdict, eligibility: EligibilityDecision, terms: CaseTerms
    ) -> None:
        """Tells the area's municipality about a young person (10-17) or a household with
        minors, once the assessment found the person living in a partnership area: the
        municipality that follows up is the area's. A child workflow, so the municipality's
        task never holds up the housing organisation's decision; it outlives the case."""
        if not self._has("followup-municipality"):
            return
        resident = any(r.rule == "residence" and r.passed is True for r in eligibility.rules)
        basis = municipality_follow_up(verdict, resident)
        if (basis is None or self._state.followup_started or not eligibility.area_id
                or not eligibility.municipality_id):
            return
        case_id = self._case.case_id
        due = workflow.now().date() + timedelta(days=terms.decision_deadline_days)
        handle = await workflow.start_child_workflow(
            MunicipalityFollowUpWorkflow.run, FollowUpInput(
                case_id, notification_id(case_id), eligibility.municipality_id,
                eligibility.area_id, eligibility.partnership_id, basis.value, due.isoformat()),
            id=followup_workflow_id(case_id),
            parent_close_policy=ParentClosePolicy.ABANDON)
        self._state.followup_started = True

        async def withdraw_if_overturned() -> None:
            await workflow.wait_condition(lambda: self._state.overturned)
            # A follow-up the municipality closed already has nothing to withdraw.
            await _unless_ended(handle.signal(MunicipalityFollowUpWorkflow.withdraw,
                                              FollowUpWithdrawal("verdict_overturned")))

        # Deterministic: a workflow task, woken only by the case's own state.
        self._followup_watch = asyncio.create_task(withdraw_if_overturned())

    async def _block_reentry(
        self, decision: DecisionRequest, eligibility: EligibilityDecision, terms: CaseTerms
    ) -> None:
        if not decision.termination_date:  # the update's validator let none through
            raise ApplicationError("a termination without its date", non_retryable=True)
        placed_on = date.fromisoformat(decision.termination_date)
        handle = await self._start_block(
            self._block_input(decision, eligibility, terms, placed_on))
        await self._enter(Stage.REENTRY_BLOCKED)

        async def watch() -> None:
            self._state.block = await handle

        watcher = asyncio.create_task(watch())
        await workflow.wait_condition(
            lambda: self._state.block is not None or self._state.overturned)
        if self._state.overturned and self._state.block is None:
            await self._lift(handle, LiftReason.OVERTURNED)
        await watcher

    async def _lift(self, block: workflow.ChildWorkflowHandle[ReentryBlockWorkflow, BlockResult],
                    reason: LiftReason) -> None:
        """Asks the block to lift. A block that ended meanwhile has nothing left to lift:
        its end reaches the case through the child's result (``state.block``). It does end
        between two asks: an overturn after the route had ended asked twice, and a block
        lifted by the first ask (an activity, then done) could be gone before the second
        reached it, which failed the case (``ExternalWorkflowExecutionNotFound``)."""
        await _unless_ended(block.signal(ReentryBlockWorkflow.lift, LiftRequest(reason)))

    def _block_input(self, decision: DecisionRequest, eligibility: EligibilityDecision,
                     terms: CaseTerms, placed_on: date) -> BlockInput:
        """The one place a re-entry block's input is built: from the day the termination
        takes effect, for the case's block years, with the decision's legal ground."""
        case_id = self._case.case_id
        block = BlockInput(
            block_id=f"{case_id}-b1",
            case_id=case_id,
            area_id=eligibility.area_id or "",
            partnership_id=eligibility.partnership_id,
            housing_org_id=eligibility.housing_org_id or "",
            person_ref=self._case.person_ref,
            placed_on=placed_on.isoformat(),
            expires_on=add_years(placed_on, terms.reentry_block_years).isoformat(),
            ground=decision.ground,
        )
        if self._has("reentry-tenant-for-63e"):  # § 63 e: name and address, sealed
            person = self._case.verdict.person
            block.tenant_name, block.tenant_address = person.name, lease_address(person)
        return block

    async def _start_block(
        self, block: BlockInput
    ) -> workflow.ChildWorkflowHandle[ReentryBlockWorkflow, BlockResult]:
        return await workflow.start_child_workflow(
            ReentryBlockWorkflow.run, block, id=block_workflow_id(block.case_id),
            # The block must outlive anything that happens to the case workflow.
            parent_close_policy=ParentClosePolicy.ABANDON,
        )

    async def _retract(self, org_id: str) -> CaseResult:
        disclosure = self._state.disclosure
        if disclosure is None:  # only a disclosed case is retracted
            raise ApplicationError("nothing was disclosed to retract", non_retryable=True)
        # Kept, so that a missing deletion receipt is chased with the very same instruction.
        disclosure.retraction = RetractRequest(
            self._case.case_id, disclosure.disclosure_id, org_id, "verdict_overturned",
            workflow.now().isoformat())
        await workflow.execute_activity_method(
            DisclosureActivities.retract_disclosure, disclosure.retraction, **EFFECT)
        return await self._end(Stage.RETRACTED, [EndReason.RETRACTED])

    async def _end(self, stage: Stage, reasons: list[str]) -> CaseResult:
        await self._enter(stage, rules_failed=reasons if stage == Stage.NOT_ELIGIBLE else [])
        result = CaseResult(self._case.case_id, stage.value, self._state.outcome, reasons)
        # Cases that reached their end before cases lived on completed there, and replay so.
        if not self._has("lifetime-live-until-purged"):
            return result
        return await self._live_until_purged(result)

    # -- after the process: late events, damages, retention ----------------------------
    async def _live_until_purged(self, ended: CaseResult) -> CaseResult:
        """Waits for late events and retention, then purges the case by itself."""
        state = self._state
        terms = state.terms
        if terms is None:  # read before any stage that can end the case
            raise ApplicationError("a case ends without its terms", non_retryable=True)
        state.closed_at = workflow.now().isoformat()
        answer = state.decision.answer if state.decision else None
        if answer is not None and not self._watches and self._moved_out_on() is not None:
            # Decided before cases watched for damages (no marker then): watch from here.
            self._watches.append(asyncio.create_task(self._damages_when_owed(answer)))
        while True:
            if self._late_overturn_to_retract():
                await self._retract_late()
                ended = CaseResult(ended.case_id, Stage.RETRACTED.value, state.outcome,
                                   [EndReason.RETRACTED])
                state.closed_at = workflow.now().isoformat()  # retention runs from here
            await self._record_deletion()
            due = purge_due(datetime.fromisoformat(state.closed_at),
                            terms.retention_after_close_years, self._block_ran_out_on())
            now = workflow.now()
            if due <= now:
                if not self._damages_pending():
                    break
                # The tenant's claim needs the case: purged once the organisation answered.
                await workflow.wait_condition(
                    lambda: not self._damages_pending() or self._late_overturn_to_retract())
                continue
            chasing = self._deletion_unconfirmed()
            timeout = self._chase_interval(terms)
            woke = await self._wait(
                lambda: self._late_overturn_to_retract() or self._deletion_to_record(),
                min(due - now, timeout) if chasing else due - now)
            if not woke and chasing and self._deletion_unconfirmed() and workflow.now() < due:
                # Same instruction, same event id: a gateway that deleted only confirms again.
                self._state.retraction_resent += 1
                await self._send_retraction()
        return await self._purge(ended)

    def _chase_interval(self, terms: CaseTerms) -> timedelta:
        """The first chase after ``receipt_timeout_seconds`` (like a missing receipt), then
        twice as long each time, at most a week: a gateway silent for the years a case is
        kept must not fill the case's history (Temporal caps it at 50,000 events)."""
        first = timedelta(seconds=terms.receipt_timeout_seconds)
        return min(first * (1 << min(self._state.retraction_resent, 20)),
                   max(first, timedelta(days=7)))

    def _late_overturn_to_retract(self) -> bool:
        d = self._state.disclosure
        return self._state.overturned and d is not None and d.retraction is None

    def _deletion_unconfirmed(self) -> bool:
        d = self._state.disclosure
        return d is not None and d.retraction is not None and d.deleted is None

    def _deletion_to_record(self) -> bool:
        d = self._state.disclosure
        return d is not None and d.deleted is not None and not d.deletion_recorded

    async def _record_deletion(self) -> None:
        d = self._state.disclosure
        if d is None or d.deleted is None or d.deletion_recorded:
            return
        d.deletion_recorded = True
        deleted = d.deleted
        await workflow.execute_activity_method(CaseBookActivities.record_deletion, DeletionRecord(
            self._case.case_id, d.disclosure_id, deleted.org_id, deleted.retraction_id,
            deleted.deleted_at), **EFFECT)

    def _block_ran_out_on(self) -> date | None:
        """A terminated tenant's data is kept while the block runs, and not after it."""
        block = self._state.block
        if block is None or block.reason != LiftReason.EXPIRED:
            return None
        return date.fromisoformat(block.lifted_on)  # the day it expired

    async def _retract_late(self) -> None:
        eligibility = self._state.eligibility
        org_id = eligibility.housing_org_id if eligibility else None
        disclosure = self._state.disclosure
        if disclosure is None or org_id is None:
            raise ApplicationError("nothing was disclosed to retract", non_retryable=True)
        disclosure.retraction = RetractRequest(
            self._case.case_id, disclosure.disclosure_id, org_id, "verdict_overturned",
            workflow.now().isoformat())
        await self._send_retraction()
        await self._enter(Stage.RETRACTED)

    async def _send_retraction(self) -> None:
        d = self._state.disclosure
        if d is None or d.retraction is None:
            raise ApplicationError("no retraction to send", non_retryable=True)
        await workflow.execute_activity_method(
            DisclosureActivities.retract_disclosure, d.retraction, **EFFECT)

    async def _purge(self, ended: CaseResult) -> CaseResult:
        """Crypto-shreds the case and completes in the task its result arrives in.

        The activity records the last stage itself; what is written after it (its result,
        the workflow's result) is ids and counts, sealed by the worker under the platform
        key because the case key is gone. Should the worker lose the case between the two
        (a crash in that instant), a new worker cannot replay its history, which no longer
        opens: the workflow task fails and is retried; the data is destroyed already, and
        ``verdictflow case purge CASE_ID --force`` ends the workflow (docs: README).
        """
        state = self._state
        state.stage = Stage.PURGED
        state.stage_seq += 1
        workflow.upsert_search_attributes([sa.STAGE.value_set(Stage.PURGED.value)])
        e = state.eligibility
        last = StageChange(
            case_id=self._case.case_id, seq=state.stage_seq, stage=Stage.PURGED.value,
            at=workflow.now().isoformat(), police_district=self._case.verdict.police_district,
            partnership_id=e.partnership_id if e else None, area_id=e.area_id if e else None,
            housing_org_id=e.housing_org_id if e else None, outcome=state.outcome)
        await workflow.execute_activity_method(
            RetentionActivities.purge_case,
            PurgeRequest(self._case.case_id, RETENTION_ACTOR, last), **EFFECT)
        # The reasons stay those of the end it came to: why it closed is what it was.
        return CaseResult(self._case.case_id, Stage.PURGED.value, state.outcome,
                          ended.reasons, ended_as=ended.final_stage)

    # -- damages and rehousing (almenlejeloven § 92 stk. 4, [L178]) ---------------------
    def _owe_damages_if_the_basis_falls_away(self, decision: DecisionRequest) -> None:
        # Cases decided before cases lived on do not watch; their histories hold no marker.
        if decision.outcome != Outcome.TERMINATE or not self._has("lifetime-damages"):
            return
        self._watches.append(asyncio.create_task(self._damages_when_owed(decision)))

    def _damages_pending(self) -> bool:
        """The basis fell away after the tenant moved out, and the housing organisation has
        not answered the damages task yet: the data is needed until it has."""
        state = self._state
        moved_out = self._moved_out_on()
        if moved_out is None or state.basis_fell_away_on is None:
            return False
        if not damages_owed(moved_out, date.fromisoformat(state.basis_fell_away_on)):
            return False
        return state.damages is None or not state.damages.closed

    def _moved_out_on(self) -> date | None:
        decision = self._state.decision
        answer = decision.answer if decision else None
        if answer is None or answer.outcome != Outcome.TERMINATE or not answer.termination_date:
            return None
        # An opsigelse's tenant moves at the notice's end, not on the day it was given.
        progress = self._state.termination
        if progress is not None:
            return progress.plan.effective_on
        return date.fromisoformat(answer.termination_date)

    async def _damages_when_owed(self, decision: DecisionRequest) -> None:
        state = self._state
        await workflow.wait_condition(lambda: state.basis_fell_away_on is not None)
        if not self._damages_pending():
            return  # the tenant had not moved out: the termination falls, nothing is owed
        org_id = decision.org_id
        terms = state.terms
        if terms is None:
            raise ApplicationError("a decided case without its terms", non_retryable=True)
        case_id = self._case.case_id
        opened = workflow.now()
        due = opened.date() + timedelta(days=terms.decision_deadline_days)
        opening = OpenTask(f"{case_id}-{TaskKind.DAMAGES.value}", TaskKind.DAMAGES.value,
                           org_id, due.isoformat())
        task = state.damages = CaseTask(opening)
        await workflow.execute_activity_method(CaseBookActivities.open_task, TaskOpening(
            opening.task_id, case_id, opening.kind, org_id, opening.due_on), **EFFECT)

        def answered() -> bool:
            return task.answer is not None

        for checkpoint in task_schedule(terms.reminder_days, terms.decision_deadline_days):
            remaining = opened + timedelta(days=checkpoint.day) - workflow.now()
            if remaining > timedelta(0) and await self._wait(answered, remaining):
                break
            if not answered():
                await workflow.execute_activity_method(
                    CaseBookActivities.notify_deadline, DeadlineNotice(
                        case_id, opening.task_id, org_id, checkpoint.notice.value,
                        opening.due_on, workflow.now().isoformat()), **EFFECT)
        await workflow.wait_condition(answered)
        answer = task.answer
        await workflow.execute_activity_method(CaseBookActivities.close_task, TaskClosing(
            opening.task_id, "done", answer.outcome if answer else None,
            answer.decided_by if answer else None), **EFFECT)
        task.closed = True

    def _note_basis_fell_away(self, change: VerdictSignal) -> None:
        """After the decision: an overturn, or a final judgment with another sanction than
        the one the case acted on, takes the termination's basis away (the first counts)."""
        state = self._state
        if state.basis_fell_away_on is not None or self._moved_out_on() is None:
            return
        if change.type == VERDICT_FINALIZED:
            earlier = state.final_change.sentence if state.final_change else None
            acted_on = earlier or self._case.verdict.sentence
            if not sanction_changed(acted_on, change.change.sentence if change.change else None):
                return
        elif change.type != VERDICT_OVERTURNED:
            return
        state.basis_fell_away_on = workflow.now().date().isoformat()

    # -- messages --------------------------------------------------------------------
    @workflow.signal
    def verdict_changed(self, signal: VerdictSignal) -> None:
        state = self._state
        if signal.event_id in state.events_seen:
            return  # the contract: an event id seen twice is acted on once
        state.events_seen.add(signal.event_id)
        self._note_basis_fell_away(signal)
        if signal.type == VERDICT_FINALIZED:
            state.final = True
            state.final_change = signal.change
        elif signal.type == VERDICT_OVERTURNED:
            state.overturned = True
        elif signal.type == VERDICT_APPEALED and state.stage == Stage.REGISTERED:
            state.final = False

    @workflow.signal
    def receipt_received(self, receipt: ReceiptSignal) -> None:
        disclosure = self._state.disclosure
        if (disclosure is None or receipt.disclosure_id != disclosure.disclosure_id
                or disclosure.receipt is not None):
            return
        eligibility = self._state.eligibility
        if receipt.org_id != (eligibility.housing_org_id if eligibility else None):
            # Ingest refuses these; checked again here because only the recipient may move
            # the case on, whatever reaches the signal.
            workflow.logger.warning("receipt from an organisation that is not the recipient",
                                    extra={"case_id": self._case.case_id})
            return
        if disclosure.digest is not None and receipt.digest != disclosure.digest:
            # Receipted something other than what we sent: not a receipt for this disclosure.
            workflow.logger.warning("receipt digest does not match the disclosure sent",
                                    extra={"case_id": self._case.case_id})
            return
        disclosure.receipt = receipt

    @workflow.signal
    def deletion_confirmed(self, deletion: DeletionSignal) -> None:
        """The recipient's signed confirmation that it deleted its retracted copy."""
        d = self._state.disclosure
        if (d is None or d.retraction is None or d.deleted is not None
                or deletion.disclosure_id != d.disclosure_id
                or deletion.retraction_id != retraction_event_id(d.disclosure_id)):
            return
        if deletion.org_id != d.retraction.org_id:
            # Ingest refuses these; only the recipient's own deletion counts.
            workflow.logger.warning("deletion receipt from an organisation that is not the "
                                    "recipient", extra={"case_id": self._case.case_id})
            return
        d.deleted = deletion  # the case records it (``_record_deletion``) as it wakes

    @workflow.update
    def decide(self, request: DecisionRequest) -> DecisionAccepted:
        task = self._state.task
        if task is None:  # the validator let none through
            raise ApplicationError("the case has no task to answer", non_retryable=True)
        task.answer = request
        # A confirmation of finality moves the case on from where it waits, not to decided.
        stage = (self._state.stage if task is self._state.finality_check else Stage.DECIDED)
        return DecisionAccepted(self._case.case_id, request.task_id, request.outcome,
                                stage.value)

    @decide.validator
    def _validate_decision(self, request: DecisionRequest) -> None:
        task = self._state.task
        if task is not None and task.answer is not None:
            raise ValueError("the task has already been decided")
        problem = decision_problem(request, self._state.open_task,
                                   route_required=self._state.route_required)
        if problem:
            raise ValueError(problem)
        terms = self._state.terms
        if request.outcome == Outcome.TERMINATE and terms is not None:
            # The date was checked to parse above; the window makes every later date
            # computation (the block's expiry) safe.
            problem = termination_date_problem(
                date.fromisoformat(request.termination_date or ""), DecisionContext(
                    today=workflow.now().date(),
                    days_before=terms.termination_days_before,
                    days_after=terms.termination_days_after,
                    verdict_date=date.fromisoformat(self._case.verdict.decided_on)))
            if problem:
                raise ApplicationError(problem, type=INVALID_DECISION, non_retryable=True)

    @workflow.query
    def status(self) -> CaseStatus:
        state = self._state
        eligibility, disclosure = state.eligibility, state.disclosure
        return CaseStatus(
            case_id=self._case.case_id,
            stage=state.stage.value,
            housing_org_id=eligibility.housing_org_id if eligibility else None,
            area_id=eligibility.area_id if eligibility else None,
            open_task=state.open_task,
            outcome=state.outcome,
            disclosure_id=disclosure.disclosure_id if disclosure else None,
            disclosure_digest=disclosure.digest if disclosure else None,
            retraction_id=retraction_event_id(disclosure.disclosure_id)
            if disclosure and disclosure.retraction else None,
        )

    # -- plumbing --------------------------------------------------------------------
    def _has(self, patch: str) -> bool:
        """Whether this case runs the code behind ``patch``. Every case started since
        ``DELIVERY_PATCH`` does, and asks nothing; an older case asks its history, where
        each change it saw left a marker of its own."""
        return self._current or workflow.patched(patch)

    @staticmethod
    async def _wait(condition: Callable[[], bool], timeout: timedelta) -> bool:
        try:
            await workflow.wait_condition(condition, timeout=timeout)
            return True
        except TimeoutError:
            return False

    def _upsert_eligibility(self, eligibility: EligibilityDecision) -> None:
        updates = [sa.STAGE.value_set(self._state.stage.value)]
        if eligibility.housing_org_id:
            updates.append(sa.HOUSING_ORG.value_set(eligibility.housing_org_id))
        if eligibility.area_id:
            updates.append(sa.AREA.value_set(eligibility.area_id))
        workflow.upsert_search_attributes(updates)

    def _upserted_unless_merged(
        self, updates: list[SearchAttributeUpdate[Any]],
    ) -> list[SearchAttributeUpdate[Any]]:
        """Search attributes set right before a stage: upserted now, as cases started before
        ``LEAN_PATCH`` did (two commands), or handed back for the stage's own upsert."""
        if self._has(LEAN_PATCH):
            return updates
        workflow.upsert_search_attributes(updates)
        return []

    async def _enter(self, stage: Stage, rules_failed: list[str] | None = None,
                     also: list[SearchAttributeUpdate[Any]] | None = None,
                     hold: bool = False) -> None:
        """Enters the stage and records it (``record_stage``); with ``hold`` the record
        waits to go with the next stage's."""
        change = self._entered(stage, rules_failed, also)
        if hold:
            self._held.append(change)
            return
        change.earlier = self._take_held()
        await workflow.execute_activity_method(CaseBookActivities.record_stage, change, **EFFECT)

    def _entered(self, stage: Stage, rules_failed: list[str] | None = None,
                 also: list[SearchAttributeUpdate[Any]] | None = None) -> StageChange:
        """Enters the stage in the workflow and returns its record, for the caller to
        record or hold."""
        change = self._next_change(stage, rules_failed)
        self._show(stage, also)
        return change

    def _next_change(self, stage: Stage, rules_failed: list[str] | None = None) -> StageChange:
        """The record of entering ``stage`` next, before it is entered (``_show``): for an
        activity that brings the stage about and records it in the same call."""
        state = self._state
        e = state.eligibility
        return StageChange(
            case_id=self._case.case_id,
            seq=state.stage_seq + 1,
            stage=stage.value,
            at=workflow.now().isoformat(),
            police_district=self._case.verdict.police_district,
            partnership_id=e.partnership_id if e else None,
            area_id=e.area_id if e else None,
            housing_org_id=e.housing_org_id if e else None,
            person_ref=self._case.person_ref,
            eligibility=e.outcome.value if e else None,
            policy_version=e.policy_version if e else None,
            outcome=state.outcome,
            rules_failed=rules_failed or [],
        )

    def _show(self, stage: Stage, also: list[SearchAttributeUpdate[Any]] | None = None) -> None:
        """The case is in ``stage`` now: its state, search attribute and details."""
        state = self._state
        state.stage = stage
        state.stage_seq += 1
        workflow.upsert_search_attributes([*(also or []), sa.STAGE.value_set(stage.value)])
        # The Web UI's "current details" for operators: ids and stages only. It is workflow
        # metadata, not a command, so histories replay with or without it.
        workflow.set_current_details(current_details(
            self._case.case_id, self._case.verdict.police_district, state))

    def _take_held(self) -> list[StageChange]:
        """The stages entered and held so far, in order, to be recorded with the next one."""
        held, self._held = self._held, []
        return held

    # -- the termination route (almenlejeloven §§ 85-90, udlejningsbekendtgørelsen § 28) --
    async def _follow_route(
        self, decision: DecisionRequest, eligibility: EligibilityDecision, terms: CaseTerms
    ) -> None:
        """Follows the route the decision chose and keeps the re-entry block true to it.

        The block is registered at once, so that § 28's exceptions (a court finding the
        termination unjustified, no suit in time after an objection) can lift it, and it
        counts from the day the termination takes effect: the ophævelse's date, or the end
        of the opsigelse's notice [BEK28][EL88].
        """
        state = self._state
        route = route_of(decision)
        if route is None or not decision.termination_date:  # the validator let none through
            raise ApplicationError("a termination without its route or date", non_retryable=True)
        plan = plan_termination(route, date.fromisoformat(decision.termination_date),
                                TerminationPeriods(terms.opsigelse_notice_months,
                                                   terms.objection_window_weeks,
                                                   terms.landlord_sue_weeks))
        progress = state.termination = RouteProgress(plan)
        handle = await self._start_block(
            self._block_input(decision, eligibility, terms, plan.effective_on))

        async def watch() -> None:
            state.block = await handle

        watcher = asyncio.create_task(watch())
        await self._enter(Stage.TERMINATION_NOTICED if progress.opsigelse
                          else Stage.REENTRY_BLOCKED)
        lift = await self._await_route(progress, eligibility.housing_org_id or "")
        if state.block is None and (lift is not None or state.overturned):
            await self._lift(handle, lift or LiftReason.OVERTURNED)
        await workflow.wait_condition(lambda: state.block is not None or state.overturned)
        if state.overturned and state.block is None:
            await self._lift(handle, LiftReason.OVERTURNED)
        await watcher

    async def _await_route(self, progress: RouteProgress, org_id: str) -> LiftReason | None:
        """Waits, step by step, until the route ends; the lift reason if it lifts the block."""
        state = self._state

        def over() -> bool:  # the block ended by itself, or the verdict was overturned
            return state.overturned or state.block is not None

        while True:
            awaiting = progress.awaiting(workflow.now().date())
            if over():
                progress.ended = RouteEnd.BLOCK_ENDED
                await self._close_sue_task("withdrawn")
                return None
            if awaiting in (Awaiting.OBJECTION, Awaiting.NOTICE_END):
                # An objection made in time may be recorded late, until the notice ends.
                if await self._wait_until(
                        lambda: over() or progress.objected_on is not None,
                        progress.plan.effective_on):
                    if progress.objected_on is not None:
                        await self._open_sue_task(progress, org_id)
                        await self._enter(Stage.OBJECTED)
                    continue
                progress.ended = RouteEnd.NOTICE_RAN_OUT  # no objection: the block stands
                await self._enter(Stage.REENTRY_BLOCKED)
                return None
            if awaiting == Awaiting.SUIT:
                deadline = progress.plan.sue_deadline or progress.plan.given_on
                # "senest 6 uger efter": a suit on the deadline's day is in time [DL89].
                if await self._wait_until(lambda: over() or progress.sued_on is not None,
                                          deadline + timedelta(days=1)):
                    if progress.sued_on is not None:
                        await self._close_sue_task("done")
                        await self._enter(Stage.IN_COURT)
                    continue
                progress.ended = RouteEnd.NOT_SUED_IN_TIME
                await self._close_sue_task("expired")
                return LiftReason.NOT_SUED_IN_TIME
            # The court's outcome; an ophævelse's suit in fogedretten may be recorded first.
            def moved() -> bool:
                sued_now = progress.sued_on is not None and state.stage != Stage.IN_COURT
                return over() or progress.outcome is not None or sued_now

            await workflow.wait_condition(moved)
            if progress.outcome is None:
                if not over():
                    await self._enter(Stage.IN_COURT)
                continue
            if progress.outcome == CourtOutcome.UNJUSTIFIED:
                progress.ended = RouteEnd.UNJUSTIFIED
                return LiftReason.COURT_FOUND_UNJUSTIFIED
            progress.ended = RouteEnd(progress.outcome.value)  # upheld or settled: it stands
            if state.stage != Stage.REENTRY_BLOCKED:
                await self._enter(Stage.REENTRY_BLOCKED)
            return None

    async def _wait_until(self, condition: Callable[[], bool], day: date) -> bool:
        """Waits for ``condition`` until the start of ``day``; whether it came true."""
        remaining = datetime.combine(day, time.min, UTC) - workflow.now()
        if condition() or remaining <= timedelta(0):
            return condition()
        return await self._wait(condition, remaining)

    async def _open_sue_task(self, progress: RouteProgress, org_id: str) -> None:
        """The tenant objected: the organisation must sue in boligretten by the deadline if
        it wants the opsigelse to stand (§ 89, stk. 2) [DL89]."""
        case_id = self._case.case_id
        due = (progress.plan.sue_deadline or progress.plan.given_on).isoformat()
        task = self._state.sue_task = OpenTask(f"{case_id}-{TaskKind.SUE.value}",
                                               TaskKind.SUE.value, org_id, due)
        await workflow.execute_activity_method(CaseBookActivities.open_task, TaskOpening(
            task.task_id, case_id, task.kind, org_id, due), **EFFECT)

    async def _close_sue_task(self, status: str) -> None:
        task, self._state.sue_task = self._state.sue_task, None
        if task is None:
            return
        sued = status == "done"
        await workflow.execute_activity_method(CaseBookActivities.close_task, TaskClosing(
            task.task_id, status, "sued" if sued else None,
            self._state.sued_by if sued else None), **EFFECT)

    @workflow.update
    def record_objection(self, record: ObjectionRecord) -> TerminationStatus:
        progress = self._route_of_org(record.org_id)
        progress.objected_on = date.fromisoformat(record.objected_on)
        return self._termination_status(progress)

    @record_objection.validator
    def _validate_objection(self, record: ObjectionRecord) -> None:
        progress = self._route_of_org(record.org_id)
        on = self._step_date(record.objected_on, "objected_on")
        self._refuse(progress.objection_problem(on, workflow.now().date()))

    @workflow.update
    def record_suit(self, record: SuitRecord) -> TerminationStatus:
        progress = self._route_of_org(record.org_id)
        progress.sued_on = date.fromisoformat(record.sued_on)
        self._state.sued_by = record.recorded_by
        return self._termination_status(progress)

    @record_suit.validator
    def _validate_suit(self, record: SuitRecord) -> None:
        progress = self._route_of_org(record.org_id)
        on = self._step_date(record.sued_on, "sued_on")
        self._refuse(progress.suit_problem(on, workflow.now().date()))

    @workflow.update
    def record_court_outcome(self, record: CourtOutcomeRecord) -> TerminationStatus:
        progress = self._route_of_org(record.org_id)
        progress.outcome = CourtOutcome(record.outcome)
        progress.decided_on = date.fromisoformat(record.decided_on)
        return self._termination_status(progress)

    @record_court_outcome.validator
    def _validate_court_outcome(self, record: CourtOutcomeRecord) -> None:
        progress = self._route_of_org(record.org_id)
        on = self._step_date(record.decided_on, "decided_on")
        self._refuse(progress.outcome_problem(record.outcome, on, workflow.now().date()))

    @workflow.query
    def termination(self) -> TerminationStatus | None:
        progress = self._state.termination
        return self._termination_status(progress) if progress is not None else None

    def _route_of_org(self, org_id: str) -> RouteProgress:
        eligibility = self._state.eligibility
        if eligibility is None or org_id != eligibility.housing_org_id:
            # Told apart from a refusal: the API answers as for an unknown case.
            raise ApplicationError("not the case's housing organisation",
                                   type=NOT_THE_CASE_ORG, non_retryable=True)
        progress = self._state.termination
        if progress is None:
            raise ValueError("the case follows no termination route")
        return progress

    @staticmethod
    def _step_date(text: str, name: str) -> date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ApplicationError(f"{name} must be a date (YYYY-MM-DD)",
                                   type=INVALID_DECISION, non_retryable=True) from None

    @staticmethod
    def _refuse(problem: StepProblem | None) -> None:
        if problem is None:
            return
        if problem.invalid:
            raise ApplicationError(problem.reason, type=INVALID_DECISION, non_retryable=True)
        raise ValueError(problem.reason)

    def _termination_status(self, progress: RouteProgress) -> TerminationStatus:
        plan = progress.plan
        decision = self._state.decision
        awaiting = progress.awaiting(workflow.now().date())

        def iso(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return TerminationStatus(
            case_id=self._case.case_id,
            route=plan.route.value,
            ground=decision.answer.ground if decision and decision.answer else None,
            given_on=plan.given_on.isoformat(),
            effective_on=plan.effective_on.isoformat(),
            objection_deadline=iso(plan.objection_deadline),
            sue_deadline=iso(plan.sue_deadline),
            objected_on=iso(progress.objected_on),
            sued_on=iso(progress.sued_on),
            court_outcome=progress.outcome.value if progress.outcome else None,
            court_decided_on=iso(progress.decided_on),
            awaiting=awaiting.value if awaiting else None,
            ended=progress.ended.value if progress.ended else None,
        )
