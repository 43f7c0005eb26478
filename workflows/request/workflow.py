"""A housing organisation's request about a resident, open until answered, refused or past.

opened → (police review: keep open / refuse) → answered by a case's disclosure | refused |
expired. The police district gets a review task at once. Cases registered while the
request is open find it when they are assessed (the read model is where they look), and a
case that discloses under it signals ``answered``. A case already disclosed to the
requester when the request comes answers it at once.

The workflow id is ``request-<request id>``, itself a digest of the pseudonym: nothing in
an id, a search attribute or the read model says who was asked about.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.casebook import CaseBookActivities
    from activities.requests import RequestActivities
    from verdictflow.domain.case import RequestReview, TaskKind, decision_problem
    from verdictflow.domain.requests import RequestState, request_workflow_id
    from workflows import search_attributes as sa
    from workflows.case.messages import (
        DecisionAccepted,
        DecisionRequest,
        OpenTask,
        TaskClosing,
        TaskOpening,
    )
    from workflows.effects import EFFECT
    from workflows.request.messages import (
        MatchedCase,
        RequestAnswered,
        RequestDetails,
        RequestInput,
        RequestLookup,
        RequestRecord,
        RequestResult,
    )

# Stages in which a case has disclosed to its housing organisation.
DISCLOSED_STAGES = frozenset({"disclosed", "awaiting_decision", "decided", "reentry_blocked",
                              "closed"})


@workflow.defn(name="DisclosureRequest")
class DisclosureRequestWorkflow:
    @workflow.init
    def __init__(self, request: RequestInput) -> None:
        self._request = request
        self._state = RequestState.OPEN
        self._answered: RequestAnswered | None = None
        self._matched: list[MatchedCase] = []
        self._task: OpenTask | None = None
        self._review: DecisionRequest | None = None

    @workflow.run
    async def run(self, request: RequestInput) -> RequestResult:
        workflow.upsert_search_attributes([
            sa.STAGE.value_set(RequestState.OPEN.value),
            sa.HOUSING_ORG.value_set(request.org_id), sa.AREA.value_set(request.area_id),
            sa.POLICE_DISTRICT.value_set(request.police_district),
            sa.PERSON_REF.value_set(request.person_ref)])
        await self._record()
        self._matched = await workflow.execute_activity_method(
            RequestActivities.matching_cases,
            RequestLookup(request.person_ref, workflow.now().date().isoformat()), **EFFECT)
        known = next((m for m in self._matched if self._already_told(m)), None)
        if known is not None:
            self._answered = RequestAnswered(known.case_id, "")
        else:
            await self._await_answer()
        # A review being written down when the request ends finishes first.
        await workflow.wait_condition(workflow.all_handlers_finished)
        if self._answered is not None:
            self._state = RequestState.ANSWERED
        elif self._state != RequestState.REFUSED:
            self._state = RequestState.EXPIRED
        await self._record()
        workflow.upsert_search_attributes([sa.STAGE.value_set(self._state.value)])
        return RequestResult(request.request_id, self._state.value,
                             self._answered.case_id if self._answered else None)

    async def _await_answer(self) -> None:
        r = self._request
        due = workflow.now().date() + timedelta(days=r.review_deadline_days)
        self._task = OpenTask(f"{r.request_id}-review", TaskKind.REQUEST.value,
                              r.police_district, due.isoformat())
        await workflow.execute_activity_method(CaseBookActivities.open_task, TaskOpening(
            self._task.task_id, request_workflow_id(r.request_id), self._task.kind,
            r.police_district, self._task.due_on), **EFFECT)
        workflow.upsert_search_attributes(
            [sa.DECISION_DUE.value_set(datetime.combine(due, time.min, UTC))])

        closes = datetime.combine(date.fromisoformat(r.open_until), time.max, UTC)
        try:
            await workflow.wait_condition(
                lambda: self._answered is not None or self._state == RequestState.REFUSED,
                timeout=max(closes - workflow.now(), timedelta(seconds=1)))
        except TimeoutError:
            pass  # the period ran out
        if self._task is not None:  # unanswered by the police: nothing left to review
            await self._close_task("withdrawn", None)

    def _already_told(self, case: MatchedCase) -> bool:
        return (case.stage in DISCLOSED_STAGES and case.housing_org_id == self._request.org_id
                and case.area_id == self._request.area_id)

    async def _close_task(self, status: str, review: DecisionRequest | None) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        await workflow.execute_activity_method(CaseBookActivities.close_task, TaskClosing(
            task.task_id, status, review.outcome if review else None,
            review.decided_by if review else None), **EFFECT)

    async def _record(self) -> None:
        r = self._request
        await workflow.execute_activity_method(RequestActivities.record_request, RequestRecord(
            r.request_id, r.org_id, r.area_id, r.police_district, r.person_ref,
            self._state.value, r.requested_on, r.open_until,
            self._answered.case_id if self._answered else None), **EFFECT)

    # -- messages --------------------------------------------------------------------
    @workflow.signal
    def answered(self, answer: RequestAnswered) -> None:
        if self._answered is None and self._state == RequestState.OPEN:
            self._answered = answer

    @workflow.update
    async def decide(self, review: DecisionRequest) -> DecisionAccepted:
        self._review = review
        if review.outcome == RequestReview.REFUSE:
            self._state = RequestState.REFUSED
        await self._close_task("done", review)
        return DecisionAccepted(request_workflow_id(self._request.request_id), review.task_id,
                                review.outcome, self._state.value)

    @decide.validator
    def _validate_review(self, review: DecisionRequest) -> None:
        if self._state != RequestState.OPEN:
            raise ValueError(f"the request is {self._state.value}")
        problem = decision_problem(review, self._task)
        if problem:
            raise ValueError(problem)

    @workflow.query
    def details(self) -> RequestDetails:
        r = self._request
        return RequestDetails(
            request_id=r.request_id, state=self._state.value, org_id=r.org_id,
            area_id=r.area_id, police_district=r.police_district,
            requested_on=r.requested_on, open_until=r.open_until, reason=r.reason,
            answered_by_case=self._answered.case_id if self._answered else None,
            matched_cases=list(self._matched), open_task=self._task)
