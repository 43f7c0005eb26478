"""The termination route of a case, as plain functions: read it, record the tenant's
objection, the organisation's suit and the court's outcome (almenlejeloven §§ 85-90).

Each record is a Temporal Update on the case workflow, whose validator refuses it before
it reaches history; the API checks first that the case is the caller's organisation's
(another's answers exactly as an unknown case). Audited with ids only: the dates and the
outcome stay in the case's encrypted history.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from services.api.auth import Principal
from services.api.schemas import CourtOutcomeBody, ObjectionBody, SuitBody, TerminationView
from services.api.tasks import ApiContext, CaseServiceUnavailable, TaskError
from verdictflow.platform.audit import (
    TERMINATION_COURT_OUTCOME,
    TERMINATION_OBJECTION,
    TERMINATION_READ,
    TERMINATION_SUIT,
    record_audit,
)
from verdictflow.platform.database import Database
from verdictflow.platform.log import get_logger
from verdictflow.platform.readmodel import CaseRecord
from workflows.case.messages import (
    INVALID_DECISION,
    NOT_THE_CASE_ORG,
    CourtOutcomeRecord,
    ObjectionRecord,
    SuitRecord,
    TerminationStatus,
)
from workflows.case.workflow import VerdictCaseWorkflow

log = get_logger(__name__)


class CaseNotFound(TaskError):
    """Unknown case, or another organisation's: one answer, so existence does not leak."""

    def __init__(self, reason: str = "case not found") -> None:
        super().__init__(reason)


class StepRejected(TaskError):
    """The case refuses the record in its state (409): say, a suit before any objection."""


class StepInvalid(TaskError):
    """The record's content breaks a rule (422): say, an objection after the window."""


def case_of_org(db: Database, principal: Principal, case_id: str) -> CaseRecord:
    with db.session() as s:
        case = s.get(CaseRecord, case_id)
    if case is None or case.housing_org_id != principal.org_id:
        raise CaseNotFound()
    return case


def view(status: TerminationStatus) -> TerminationView:
    return TerminationView.model_validate(status)


async def read_termination(ctx: ApiContext, db: Database, principal: Principal,
                           case_id: str) -> TerminationView:
    await asyncio.to_thread(case_of_org, db, principal, case_id)
    client = await ctx.temporal.get()
    try:
        status = await client.get_workflow_handle(case_id).query(VerdictCaseWorkflow.termination)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise CaseNotFound() from exc
        log.warning("termination.query_failed", status=exc.status.name, case_id=case_id)
        raise CaseServiceUnavailable("the case service failed; try again shortly") from exc
    if status is None:
        raise CaseNotFound("the case follows no termination route")
    await asyncio.to_thread(record_audit, db, actor=principal.subject, action=TERMINATION_READ,
                            org_id=principal.org_id, case_id=case_id)
    return view(status)


def _update_id(action: str, case_id: str, fields: list[str]) -> str:
    """The same record sent twice is one record (Temporal de-duplicates on the id)."""
    digest = hashlib.sha256("\x1f".join([case_id, *fields]).encode()).hexdigest()[:24]
    return f"{action}-{case_id}-{digest}"


async def _record(ctx: ApiContext, db: Database, principal: Principal, case_id: str,
                  update: Any, arg: Any, action: str, fields: list[str]) -> TerminationView:
    await asyncio.to_thread(case_of_org, db, principal, case_id)
    update_id = _update_id(action, case_id, [principal.subject, *fields])
    client = await ctx.temporal.get()
    try:
        status: TerminationStatus = await client.get_workflow_handle(case_id).execute_update(
            update, arg, id=update_id)
    except WorkflowUpdateFailedError as exc:
        reason = getattr(exc.cause, "message", None) or str(exc.cause)
        kind = getattr(exc.cause, "type", None)
        log.info("termination.rejected", action=action, case_id=case_id)
        if kind == NOT_THE_CASE_ORG:
            raise CaseNotFound() from exc
        if kind == INVALID_DECISION:
            raise StepInvalid(reason) from exc
        raise StepRejected(reason) from exc
    except WorkflowUpdateRPCTimeoutOrCancelledError as exc:
        raise CaseServiceUnavailable(
            "the case did not answer in time; sending the same record again is safe") from exc
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:  # the case workflow has ended
            raise StepRejected("the case no longer takes termination records") from exc
        log.warning("termination.rpc_failed", status=exc.status.name, case_id=case_id)
        raise CaseServiceUnavailable("the case service failed; try again shortly") from exc

    key = hashlib.sha256(update_id.encode()).hexdigest()
    await asyncio.to_thread(record_audit, db, actor=principal.subject, action=action,
                            org_id=principal.org_id, case_id=case_id, detail=f"update {key}",
                            once=True)
    log.info("termination.recorded", action=action, case_id=case_id)
    return view(status)


async def record_objection(ctx: ApiContext, db: Database, principal: Principal, case_id: str,
                           body: ObjectionBody) -> TerminationView:
    on = body.objected_on.isoformat()
    return await _record(ctx, db, principal, case_id, VerdictCaseWorkflow.record_objection,
                         ObjectionRecord(principal.org_id, principal.subject, on),
                         TERMINATION_OBJECTION, [on])


async def record_suit(ctx: ApiContext, db: Database, principal: Principal, case_id: str,
                      body: SuitBody) -> TerminationView:
    on = body.sued_on.isoformat()
    return await _record(ctx, db, principal, case_id, VerdictCaseWorkflow.record_suit,
                         SuitRecord(principal.org_id, principal.subject, on),
                         TERMINATION_SUIT, [on])


async def record_court_outcome(ctx: ApiContext, db: Database, principal: Principal,
                               case_id: str, body: CourtOutcomeBody) -> TerminationView:
    on = body.decided_on.isoformat()
    return await _record(ctx, db, principal, case_id, VerdictCaseWorkflow.record_court_outcome,
                         CourtOutcomeRecord(principal.org_id, principal.subject, body.outcome,
                                            on),
                         TERMINATION_COURT_OUTCOME, [body.outcome, on])
