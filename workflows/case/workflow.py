"""One verdict, followed from registration to a closed case.

registered → awaiting finality → eligibility → (review) → disclosed → awaiting decision
→ decided → re-entry block → closed. An overturned verdict stops the case wherever it is
and, once anything was disclosed, retracts it (and lifts a block).

The workflow id is the case id, derived from the verdict id, so a repeated
``registered`` event cannot start a second case. Search attributes carry stages and ids
only; everything personal stays inside encrypted payloads.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.casebook import DeadlineNotice, StageChange, TaskClosing, TaskOpening
    from activities.disclosure import PublishRequest, RetractRequest, SealRequest
    from activities.eligibility import EligibilityRequest
    from verdictflow.domain.case import (
        INVALID_DECISION,
        BlockInput,
        CaseInput,
        CaseResult,
        CaseStatus,
        CaseTerms,
        DecisionAccepted,
        DecisionContext,
        DecisionRequest,
        LiftRequest,
        OpenTask,
        Outcome,
        ReceiptSignal,
        ReviewOutcome,
        Stage,
        VerdictSignal,
        add_years,
        decision_problem,
        termination_date_problem,
    )
    from verdictflow.domain.identity import block_workflow_id
    from verdictflow.domain.policy import EligibilityDecision
    from verdictflow.domain.sealing import sealed_digest
    from verdictflow.domain.topics import (
        VERDICT_APPEALED,
        VERDICT_FINALIZED,
        VERDICT_OVERTURNED,
    )
    from verdictflow.domain.verdict import VerdictChange, with_change
    from workflows import search_attributes as sa
    from workflows.reentry.workflow import ReentryBlockWorkflow

EFFECT_TIMEOUT = timedelta(minutes=2)
# Bad input is not cured by retrying; everything else (Kafka or the database away) is.
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=5), non_retryable_error_types=["ValueError"])


@workflow.defn(name="VerdictCase")
class VerdictCaseWorkflow:
    def __init__(self) -> None:
        self._stage = Stage.REGISTERED
        self._seq = 0
        self._seen_events: set[str] = set()
        self._final = False
        self._overturned = False
        self._change: VerdictChange | None = None
        self._disclosure_id: str | None = None
        self._receipt: ReceiptSignal | None = None
        self._sent_digest: str | None = None  # a receipt must commit to exactly what was sent
        self._task: OpenTask | None = None
        self._answer: DecisionRequest | None = None
        self._block_over = False
        self._place: EligibilityDecision | None = None
        self._outcome: str | None = None
        self._terms: CaseTerms | None = None

    # -- the process -----------------------------------------------------------------
    @workflow.run
    async def run(self, case: CaseInput) -> CaseResult:
        self._case = case
        self._final = case.verdict.final
        self._seen_events.add(case.registered_event_id)
        workflow.upsert_search_attributes(
            [sa.PERSON_REF.value_set(case.person_ref),
             sa.POLICE_DISTRICT.value_set(case.verdict.police_district)]
        )
        await self._enter(Stage.REGISTERED)
        terms: CaseTerms = await self._do("case_terms", result_type=CaseTerms)
        self._terms = terms

        if not self._final and terms.await_finality:
            await self._enter(Stage.AWAITING_FINALITY)
            await workflow.wait_condition(lambda: self._final or self._overturned)
        if self._overturned:
            return await self._end(Stage.OVERTURNED, ["dommen blev omstødt før videregivelse"])

        verdict = with_change(case.verdict, self._change) if self._change else case.verdict
        await self._enter(Stage.ELIGIBILITY)
        decision: EligibilityDecision = await self._do(
            "assess_eligibility",
            EligibilityRequest(case.case_id, verdict, workflow.now().date().isoformat()),
            result_type=EligibilityDecision,
        )
        self._place = decision
        self._upsert_place(decision)
        failed = [r.rule for r in decision.rules if r.passed is False]

        if decision.outcome == "manual_review":
            review = await self._human_task("review", verdict.police_district, terms,
                                            Stage.AWAITING_REVIEW)
            if review is None:
                return await self._end(Stage.OVERTURNED, ["dommen blev omstødt under vurdering"])
            if review.outcome != ReviewOutcome.DISCLOSE or decision.housing_org_id is None:
                return await self._end(Stage.NOT_ELIGIBLE, ["politiet valgte ikke at videregive"])
        elif decision.outcome != "eligible":
            return await self._end(Stage.NOT_ELIGIBLE, failed)

        org_id = decision.housing_org_id
        assert org_id is not None
        sealed = await self._disclose(verdict, decision, terms)
        if sealed is None:
            return await self._retract(org_id)

        answer = await self._human_task("decision", org_id, terms, Stage.AWAITING_DECISION,
                                        sealed=sealed)
        if answer is None:
            return await self._retract(org_id)
        self._outcome = answer.outcome
        await self._enter(Stage.DECIDED)
        if answer.outcome != Outcome.TERMINATE:
            return await self._end(Stage.CLOSED, [answer.outcome])

        await self._block_reentry(answer, decision, terms)
        if self._overturned:
            return await self._retract(org_id)
        return await self._end(Stage.CLOSED, [answer.outcome])

    # -- stages ----------------------------------------------------------------------
    async def _disclose(
        self, verdict: Any, decision: EligibilityDecision, terms: CaseTerms
    ) -> dict[str, str] | None:
        """Seals, publishes and waits for the receipt; None if overturned meanwhile."""
        case_id = self._case.case_id
        self._disclosure_id = f"{case_id}-d1"
        due = workflow.now().date() + timedelta(days=terms.decision_deadline_days)
        sealed: dict[str, str] = await self._do(
            "seal_disclosure",
            SealRequest(case_id, self._disclosure_id, verdict, decision, due.isoformat()),
            result_type=dict,
        )
        # Cases started before this check accept any receipt for the disclosure id.
        if workflow.patched("receipt-digest-check"):
            self._sent_digest = sealed_digest(sealed)
        publish = PublishRequest(case_id, decision.housing_org_id or "", sealed,
                                 workflow.now().isoformat())
        await self._do("publish_disclosure", publish)
        await self._enter(Stage.DISCLOSED)
        while self._receipt is None and not self._overturned:
            try:
                await workflow.wait_condition(
                    lambda: self._receipt is not None or self._overturned,
                    timeout=timedelta(seconds=terms.receipt_timeout_seconds),
                )
            except TimeoutError:
                # Same bytes, same event id: a gateway that already has it only receipts again.
                await self._do("publish_disclosure", publish)
        return None if self._overturned else sealed

    async def _human_task(
        self, kind: str, org_id: str, terms: CaseTerms, stage: Stage,
        sealed: dict[str, str] | None = None,
    ) -> DecisionRequest | None:
        """Opens a task, reminds and escalates on schedule; None if overturned meanwhile."""
        opened = workflow.now()
        due = opened.date() + timedelta(days=terms.decision_deadline_days)
        task = OpenTask(f"{self._case.case_id}-{kind}", kind, org_id, due.isoformat())
        await self._do("open_task", TaskOpening(
            task.task_id, self._case.case_id, kind, org_id, task.due_on,
            json.dumps(sealed) if sealed else None))
        self._task, self._answer = task, None
        workflow.upsert_search_attributes(
            [sa.DECISION_DUE.value_set(datetime.combine(due, time.min, UTC))]
        )
        await self._enter(stage)

        checkpoints = sorted([(d, "reminder") for d in terms.reminder_days]
                             + [(terms.decision_deadline_days, "deadline_missed")])
        answered = lambda: self._answer is not None or self._overturned  # noqa: E731
        for day, notice in checkpoints:
            remaining = opened + timedelta(days=day) - workflow.now()
            if remaining > timedelta(0) and await self._wait(answered, remaining):
                break
            if not answered():
                await self._do("notify_deadline", DeadlineNotice(
                    self._case.case_id, task.task_id, org_id, notice, task.due_on,
                    workflow.now().isoformat()))
        await workflow.wait_condition(answered)

        self._task = None
        answer = self._answer
        await self._do("close_task", TaskClosing(
            task.task_id, "done" if answer else "withdrawn",
            answer.outcome if answer else None, answer.decided_by if answer else None))
        return answer

    async def _block_reentry(
        self, answer: DecisionRequest, decision: EligibilityDecision, terms: CaseTerms
    ) -> None:
        case_id = self._case.case_id
        placed_on = date.fromisoformat(answer.termination_date or "")
        block = BlockInput(
            block_id=f"{case_id}-b1",
            case_id=case_id,
            area_id=decision.area_id or "",
            partnership_id=decision.partnership_id,
            housing_org_id=decision.housing_org_id or "",
            person_ref=self._case.person_ref,
            placed_on=placed_on.isoformat(),
            expires_on=add_years(placed_on, terms.reentry_block_years).isoformat(),
        )
        handle = await workflow.start_child_workflow(
            ReentryBlockWorkflow.run, block, id=block_workflow_id(case_id),
            # The block must outlive anything that happens to the case workflow.
            parent_close_policy=ParentClosePolicy.ABANDON,
        )
        await self._enter(Stage.REENTRY_BLOCKED)

        async def watch() -> None:
            await handle
            self._block_over = True

        watcher = asyncio.create_task(watch())
        await workflow.wait_condition(lambda: self._block_over or self._overturned)
        if self._overturned and not self._block_over:
            await handle.signal(ReentryBlockWorkflow.lift, LiftRequest("overturned"))
        await watcher

    async def _retract(self, org_id: str) -> CaseResult:
        assert self._disclosure_id is not None
        await self._do("retract_disclosure", RetractRequest(
            self._case.case_id, self._disclosure_id, org_id, "verdict_overturned",
            workflow.now().isoformat()))
        return await self._end(
            Stage.RETRACTED, ["dommen blev omstødt; videregivelsen er trukket tilbage"])

    async def _end(self, stage: Stage, reasons: list[str]) -> CaseResult:
        await self._enter(stage, rules_failed=reasons if stage == Stage.NOT_ELIGIBLE else [])
        return CaseResult(self._case.case_id, stage.value, self._outcome, reasons)

    # -- messages --------------------------------------------------------------------
    @workflow.signal
    def verdict_changed(self, signal: VerdictSignal) -> None:
        if signal.event_id in self._seen_events:
            return  # the contract: an event id seen twice is acted on once
        self._seen_events.add(signal.event_id)
        if signal.type == VERDICT_FINALIZED:
            self._final = True
            self._change = signal.change
        elif signal.type == VERDICT_OVERTURNED:
            self._overturned = True
        elif signal.type == VERDICT_APPEALED and self._stage == Stage.REGISTERED:
            self._final = False

    @workflow.signal
    def receipt_received(self, receipt: ReceiptSignal) -> None:
        if receipt.disclosure_id != self._disclosure_id or self._receipt is not None:
            return
        recipient = self._place.housing_org_id if self._place else None
        if receipt.org_id != recipient:
            # Ingest refuses these; checked again here because only the recipient may move
            # the case on, whatever reaches the signal.
            workflow.logger.warning("receipt from an organisation that is not the recipient",
                                    extra={"case_id": self._case.case_id})
            return
        if self._sent_digest is not None and receipt.digest != self._sent_digest:
            # Receipted something other than what we sent: not a receipt for this disclosure.
            workflow.logger.warning("receipt digest does not match the disclosure sent",
                                    extra={"case_id": self._case.case_id})
            return
        self._receipt = receipt

    @workflow.update
    def decide(self, request: DecisionRequest) -> DecisionAccepted:
        self._answer = request
        return DecisionAccepted(self._case.case_id, request.task_id, request.outcome,
                                Stage.DECIDED.value)

    @decide.validator
    def _validate_decision(self, request: DecisionRequest) -> None:
        if self._answer is not None:
            raise ValueError("the task has already been decided")
        problem = decision_problem(request, self._task)
        if problem:
            raise ValueError(problem)
        if request.outcome == Outcome.TERMINATE and self._terms is not None:
            # The date was checked to parse above; the window makes every later date
            # computation (the block's expiry) safe.
            problem = termination_date_problem(
                date.fromisoformat(request.termination_date or ""), DecisionContext(
                    today=workflow.now().date(),
                    days_before=self._terms.termination_days_before,
                    days_after=self._terms.termination_days_after,
                    verdict_date=date.fromisoformat(self._case.verdict.decided_on)))
            if problem:
                raise ApplicationError(problem, type=INVALID_DECISION, non_retryable=True)

    @workflow.query
    def status(self) -> CaseStatus:
        return CaseStatus(
            case_id=self._case.case_id,
            stage=self._stage.value,
            housing_org_id=self._place.housing_org_id if self._place else None,
            area_id=self._place.area_id if self._place else None,
            open_task=self._task,
            outcome=self._outcome,
            disclosure_id=self._disclosure_id,
            disclosure_digest=self._sent_digest,
        )

    # -- plumbing --------------------------------------------------------------------
    async def _do(self, activity: str, arg: Any = None, *, result_type: type | None = None) -> Any:
        args = [] if arg is None else [arg]
        return await workflow.execute_activity(
            activity, args=args, start_to_close_timeout=EFFECT_TIMEOUT, retry_policy=RETRY,
            result_type=result_type,
        )

    @staticmethod
    async def _wait(condition: Any, timeout: timedelta) -> bool:
        try:
            await workflow.wait_condition(condition, timeout=timeout)
            return True
        except TimeoutError:
            return False

    def _upsert_place(self, d: EligibilityDecision) -> None:
        updates = [sa.STAGE.value_set(self._stage.value)]
        if d.housing_org_id:
            updates.append(sa.HOUSING_ORG.value_set(d.housing_org_id))
        if d.area_id:
            updates.append(sa.AREA.value_set(d.area_id))
        workflow.upsert_search_attributes(updates)

    async def _enter(self, stage: Stage, rules_failed: list[str] | None = None) -> None:
        self._stage = stage
        self._seq += 1
        workflow.upsert_search_attributes([sa.STAGE.value_set(stage.value)])
        p = self._place
        await self._do("record_stage", StageChange(
            case_id=self._case.case_id,
            seq=self._seq,
            stage=stage.value,
            at=workflow.now().isoformat(),
            police_district=self._case.verdict.police_district,
            partnership_id=p.partnership_id if p else None,
            area_id=p.area_id if p else None,
            housing_org_id=p.housing_org_id if p else None,
            person_ref=self._case.person_ref,
            eligibility=p.outcome if p else None,
            policy_version=p.policy_version if p else None,
            outcome=self._outcome,
            rules_failed=rules_failed or [],
        ))
