"""What the task API does, as plain functions: list, read (open + mask + audit), decide.

Routes only translate HTTP to these calls; the errors below carry the reason the caller
sees, and ``app.py`` maps each to its status code. Logs carry ids only (task, case, org):
never disclosure content, names, CPR numbers or a justification.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypedDict

from fastapi import Request
from pydantic import ValidationError
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from services.api.auth import TASK_KINDS, Principal
from services.api.disclosure_reading import read_disclosure
from services.api.schemas import DecisionBody, DisclosureView, TaskDetail, TaskSummary
from verdictflow.domain.case import TASK_OUTCOMES, DecisionContext, TaskKind, decision_problem
from verdictflow.domain.eligibility_policy import TerminationWindow
from verdictflow.domain.followup import followup_workflow_id
from verdictflow.domain.identity import InvalidCpr, mask_cpr
from verdictflow.domain.sealing import SealedDisclosure, SealError
from verdictflow.platform.audit import record_audit
from verdictflow.platform.casekeys import CaseKeyDestroyed, CaseKeyUnknown
from verdictflow.platform.database import Database
from verdictflow.platform.keys import KeyStore
from verdictflow.platform.log import get_logger
from verdictflow.platform.readmodel import Task, get_task, open_tasks
from verdictflow.platform.settings import Settings
from verdictflow.platform.temporal import connect
from workflows.case.messages import (
    INVALID_DECISION,
    DecisionAccepted,
    DecisionRequest,
    OpenTask,
)
from workflows.case.workflow import VerdictCaseWorkflow
from workflows.followup.workflow import MunicipalityFollowUpWorkflow
from workflows.request.workflow import DisclosureRequestWorkflow

log = get_logger(__name__)


# -- errors the caller sees (status codes in app.py) ----------------------------------
class TaskError(Exception):
    """A request the API refuses; ``str(self)`` is the reason given to the caller."""


class TaskNotFound(TaskError):
    """Unknown id or another organisation's task: one answer, so existence does not leak."""

    def __init__(self) -> None:
        super().__init__("task not found")


class TaskNotOpen(TaskError):
    pass


class DecisionInvalid(TaskError):
    """The decision's content breaks a domain rule (decision_problem)."""


class DecisionRejected(TaskError):
    """The case workflow refused the decision (already decided, no open task, closed)."""


class DisclosureUnreadable(TaskError):
    pass


class CaseServiceUnavailable(TaskError):
    pass


# -- context --------------------------------------------------------------------------
class UpdateHandle(Protocol):
    async def execute_update(self, update: Any, arg: Any, *, id: str | None = None,
                             result_type: type | None = None) -> Any: ...


class UpdateClient(Protocol):
    """The part of ``temporalio.client.Client`` the API uses (a fake suffices in tests)."""

    def get_workflow_handle(self, workflow_id: str) -> Any: ...

    async def start_workflow(self, *args: Any, **kwargs: Any) -> Any: ...


@dataclass
class TemporalLink:
    """Connects on first use, not at start: listing and reading tasks only need the
    database, so they keep working while Temporal is down or still starting."""

    settings: Settings
    keys: KeyStore
    client: UpdateClient | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def get(self) -> UpdateClient:
        async with self._lock:
            if self.client is None:
                try:
                    self.client = await connect(self.settings, self.keys, "api")
                except Exception as exc:  # noqa: BLE001 - any failure means "not now"
                    log.warning("temporal.connect_failed", error=type(exc).__name__)
                    raise CaseServiceUnavailable(
                        "the case service (Temporal) cannot be reached; try again shortly"
                    ) from exc
            return self.client


@dataclass
class ApiContext:
    settings: Settings
    keys: KeyStore
    temporal: TemporalLink
    termination_window: TerminationWindow = field(default_factory=TerminationWindow)


def api_context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.ctx
    return ctx


def read_model(request: Request) -> Database:
    """The app's read model, built once by ``create_app``; each function below opens its own
    short sessions on it (the decision must not hold one while it waits for Temporal) and
    the audit log appends in a transaction of its own, under the chain's lock."""
    db: Database = request.app.state.read_model
    return db


# -- listing and reading ----------------------------------------------------------------
class TaskIds(TypedDict):
    """What the audit entries and log lines about a task carry: ids, never content."""

    org_id: str
    case_id: str
    task_id: str


def visible_to(task: Task | None, principal: Principal) -> bool:
    """The caller's organisation's task, of a kind the caller's role works on."""
    return (task is not None and task.org_id == principal.org_id
            and task.kind in TASK_KINDS.get(principal.role, frozenset()))


def list_open_tasks(db: Database, principal: Principal,
                    escalated_only: bool = False) -> list[TaskSummary]:
    rows = open_tasks(db, principal.org_id, escalated_only)
    return [TaskSummary.model_validate(t) for t in rows if visible_to(t, principal)]


def task_for(db: Database, principal: Principal, task_id: str) -> Task:
    task = get_task(db, task_id)
    if task is None or not visible_to(task, principal):
        raise TaskNotFound()
    return task


def assign_task(db: Database, principal: Principal, task_id: str,
                assignee: str) -> TaskSummary:
    """A supervisor hands an open task to a colleague; the same assignee twice is a no-op
    on the task (each call is still audited: who reassigned what, when)."""
    with db.session() as s:
        task = s.get(Task, task_id)
        if task is None or not visible_to(task, principal):
            raise TaskNotFound()
        if task.status != "open":
            raise TaskNotOpen("the task is not open")
        task.assignee = assignee
        s.add(task)
        s.commit()
    ids = TaskIds(org_id=principal.org_id, case_id=task.case_id, task_id=task_id)
    record_audit(db, actor=principal.subject, action="task.assign", **ids)
    log.info("task.assigned", **ids)  # the assignee is an employee id, kept out of logs too
    return TaskSummary.model_validate(task)


def masked_person(person: dict[str, Any]) -> dict[str, Any]:
    """The person without the CPR number, with only its masked form."""
    shown = {k: v for k, v in person.items() if k != "cpr"}
    try:
        shown["cpr_masked"] = mask_cpr(str(person.get("cpr", "")))
    except InvalidCpr:
        shown["cpr_masked"] = "******-****"  # a malformed number is still not shown
    return shown


def open_for_org(keys: KeyStore, org_id: str, sealed_json: str) -> dict[str, Any]:
    """Opens a stored sealed disclosure with the organisation's key; SealError if untrusted."""
    try:
        sealed = SealedDisclosure.from_dict(json.loads(sealed_json))
    except (ValueError, TypeError) as exc:
        raise SealError("the stored sealed disclosure is not a sealed-disclosure object") from exc
    try:
        return read_disclosure(sealed, org_id, keys)
    except (CaseKeyDestroyed, CaseKeyUnknown) as exc:
        raise SealError(str(exc)) from exc


def disclosure_view(content: dict[str, Any]) -> DisclosureView:
    person = content.get("person")
    shown = {**content, "person": masked_person(person if isinstance(person, dict) else {})}
    try:
        return DisclosureView.model_validate(shown)
    except ValidationError as exc:
        # The validation message quotes the input (personal data): only field paths go on.
        where = sorted({".".join(map(str, e["loc"])) for e in exc.errors()})
        raise SealError(f"the opened disclosure lacks or mistypes: {', '.join(where)}") from None


def read_task(ctx: ApiContext, db: Database, principal: Principal, task_id: str) -> TaskDetail:
    task = task_for(db, principal, task_id)
    summary = TaskSummary.model_validate(task).model_dump()
    # Review tasks carry nothing sealed; a withdrawn task's disclosure was retracted
    # (verdict overturned) and the organisation was told to delete it: not shown again.
    if task.sealed_disclosure is None or task.status == "withdrawn":
        return TaskDetail(**summary, disclosure=None)

    ids = TaskIds(org_id=principal.org_id, case_id=task.case_id, task_id=task.task_id)
    try:
        view = disclosure_view(open_for_org(ctx.keys, principal.org_id, task.sealed_disclosure))
    except SealError as exc:
        record_audit(db, actor=principal.subject, action="disclosure.read_failed", **ids)
        log.warning("disclosure.read_failed", reason=str(exc), **ids)
        raise DisclosureUnreadable(
            f"the disclosure could not be opened and is not shown ({exc}); "
            "the platform operators have been notified through the audit log"
        ) from exc
    # Audited before it is returned: if the audit row cannot be written, nothing is shown.
    record_audit(db, actor=principal.subject, action="disclosure.read", **ids)
    log.info("disclosure.read", **ids)
    return TaskDetail(**summary, disclosure=view)


# -- deciding ---------------------------------------------------------------------------
def decision_request(principal: Principal, task_id: str, body: DecisionBody) -> DecisionRequest:
    return DecisionRequest(
        task_id=task_id,
        outcome=body.outcome,
        justification=body.justification,
        decided_by=principal.subject,
        org_id=principal.org_id,
        termination_date=body.termination_date.isoformat() if body.termination_date else None,
    )


def update_id(req: DecisionRequest) -> str:
    """Temporal de-duplicates Updates by id: a client retrying the very same decision (say,
    after a timeout) gets the first answer back, while a different decision on the same task
    reaches the validator and is refused. Only a digest: the id shows in Temporal's UI."""
    fields = [req.task_id, req.outcome, req.justification, req.decided_by, req.org_id,
              req.termination_date or ""]
    digest = hashlib.sha256("\x1f".join(fields).encode()).hexdigest()[:24]
    return f"decide-{req.task_id}-{digest}"


def _open_task(task: Task) -> OpenTask:
    return OpenTask(task.task_id, task.kind, task.org_id,
                    task.due_on.isoformat() if task.due_on else "")


def _answered_by(task: Task) -> tuple[Any, str]:
    """The workflow a task's answer goes to, and its update."""
    if task.kind == TaskKind.REQUEST:  # the task's case_id is the request's workflow id
        return DisclosureRequestWorkflow.decide, task.case_id
    if task.kind == TaskKind.MUNICIPALITY_FOLLOWUP:  # the case's follow-up, beside it
        return MunicipalityFollowUpWorkflow.decide, followup_workflow_id(task.case_id)
    return VerdictCaseWorkflow.decide, task.case_id


async def decide(ctx: ApiContext, db: Database, principal: Principal, task_id: str,
                 body: DecisionBody) -> DecisionAccepted:
    # The database is SQLite by default and may wait on a lock: off the event loop.
    task = await asyncio.to_thread(task_for, db, principal, task_id)
    if task.status != "open":
        raise TaskNotOpen("the task is not open")
    if task.kind not in TASK_OUTCOMES:
        raise DecisionInvalid("this task takes no decision")
    req = decision_request(principal, task_id, body)
    # Content rules are checked here too, so the caller gets 422 with the reason; the
    # workflow checks them again, with its own state (and the verdict's date), before the
    # decision enters history.
    window = ctx.termination_window
    context = DecisionContext(today=datetime.now(UTC).date(), days_before=window.days_before,
                              days_after=window.days_after)
    problem = decision_problem(req, _open_task(task), context)
    if problem:
        raise DecisionInvalid(problem)

    ids = TaskIds(org_id=principal.org_id, case_id=task.case_id, task_id=task_id)
    client = await ctx.temporal.get()
    try:
        update, workflow_id = _answered_by(task)
        accepted: DecisionAccepted = await client.get_workflow_handle(workflow_id).execute_update(
            update, req, id=update_id(req)
        )
    except WorkflowUpdateFailedError as exc:
        reason = getattr(exc.cause, "message", None) or str(exc.cause)
        log.info("decision.rejected", **ids)
        if getattr(exc.cause, "type", None) == INVALID_DECISION:
            raise DecisionInvalid(reason) from exc
        raise DecisionRejected(reason) from exc
    except WorkflowUpdateRPCTimeoutOrCancelledError as exc:
        raise CaseServiceUnavailable(
            "the case did not answer in time; sending the same decision again is safe"
        ) from exc
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:  # the case workflow has already ended
            raise DecisionRejected("the case no longer accepts decisions") from exc
        log.warning("decision.rpc_failed", status=exc.status.name, **ids)
        raise CaseServiceUnavailable("the case service failed; try again shortly") from exc

    # One entry per accepted decision, however often it is sent: the update id (what
    # Temporal de-duplicates the decision on) is the entry's idempotency key.
    # A 64-hex digest: no id of the caller's can make the entry look like a CPR number.
    key = hashlib.sha256(update_id(req).encode()).hexdigest()
    await asyncio.to_thread(record_audit, db, actor=principal.subject, action="decision.made",
                            detail=f"update {key}", once=True, **ids)
    log.info("decision.made", outcome=accepted.outcome, **ids)
    return accepted
