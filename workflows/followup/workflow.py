"""The municipality's follow-up of one case, beside the case (a child workflow).

notified → municipality task → recorded (or withdrawn when the verdict is overturned).
It runs apart from the case so that the municipality's answer never holds up the housing
organisation's decision, and the case never waits for it. The workflow id is
``followup-<case id>``: one per case, and its payloads are sealed under the case's key
(purging the case shreds it too).

Routing a verdict to the municipality is our design choice, not law: barnets lov §§ 38-39
(formerly serviceloven § 57 a/b) let the municipality order the young person or the
custody holder on suspicion or behaviour, not on a verdict [BL38][BL39][SEL57B]; the
partnership agreements commit the municipality to use them (Slagelse, seed 001).
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.casebook import CaseBookActivities
    from activities.municipality import MunicipalityActivities
    from verdictflow.domain.case import TaskKind, decision_problem
    from workflows.case.messages import (
        DecisionAccepted,
        DecisionRequest,
        OpenTask,
        TaskClosing,
        TaskOpening,
    )
    from workflows.effects import EFFECT
    from workflows.followup.messages import (
        FollowUpInput,
        FollowUpResult,
        FollowUpWithdrawal,
        MunicipalityNotice,
    )


@workflow.defn(name="MunicipalityFollowUp")
class MunicipalityFollowUpWorkflow:
    @workflow.init
    def __init__(self, inp: FollowUpInput) -> None:
        self._input = inp
        self._task: OpenTask | None = None
        self._answer: DecisionRequest | None = None
        self._withdrawn = False

    @workflow.run
    async def run(self, inp: FollowUpInput) -> FollowUpResult:
        await workflow.execute_activity_method(
            MunicipalityActivities.notify_municipality, MunicipalityNotice(
                inp.notification_id, inp.case_id, inp.municipality_id, inp.area_id, inp.basis,
                workflow.now().isoformat()), **EFFECT)
        task = OpenTask(f"{inp.case_id}-{TaskKind.MUNICIPALITY_FOLLOWUP.value}",
                        TaskKind.MUNICIPALITY_FOLLOWUP.value, inp.municipality_id, inp.due_on)
        await workflow.execute_activity_method(CaseBookActivities.open_task, TaskOpening(
            task.task_id, inp.case_id, task.kind, task.org_id, task.due_on,
            legal_basis=inp.basis), **EFFECT)
        self._task = task
        # No reminders: the municipality's own caseload decides its pace; the task stays
        # in its inbox until it records what it did.
        await workflow.wait_condition(lambda: self._answer is not None or self._withdrawn)
        answer = self._answer
        self._task = None
        await workflow.execute_activity_method(CaseBookActivities.close_task, TaskClosing(
            task.task_id, "done" if answer else "withdrawn",
            answer.outcome if answer else None, answer.decided_by if answer else None),
            **EFFECT)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return FollowUpResult(inp.case_id, "done" if answer else "withdrawn",
                              answer.outcome if answer else None)

    @workflow.signal
    def withdraw(self, withdrawal: FollowUpWithdrawal) -> None:
        if self._answer is None:
            self._withdrawn = True

    @workflow.update
    def decide(self, request: DecisionRequest) -> DecisionAccepted:
        self._answer = request
        return DecisionAccepted(self._input.case_id, request.task_id, request.outcome, "done")

    @decide.validator
    def _validate(self, request: DecisionRequest) -> None:
        if self._answer is not None or self._withdrawn:
            raise ValueError("the follow-up has already been recorded or withdrawn")
        problem = decision_problem(request, self._task)
        if problem:
            raise ValueError(problem)

    @workflow.query
    def open_task(self) -> OpenTask | None:
        return self._task
