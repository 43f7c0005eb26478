"""HTTP routes, kept thin: each one hands over to a plain function.

Reads are plain ``def`` routes (FastAPI runs them in its thread pool, so the SQLite read
model and the decryption do not block the event loop); the decision awaits Temporal.
Who may call what is the route's role dependency (``services.api.auth``); which rows the
caller sees is the function's business (own organisation only, another's task is 404).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlmodel import select

from services.api import tasks
from services.api.auth import Auditor, MunicipalityUser, Supervisor, TaskUser
from services.api.notifications import NotificationSummary, notifications_for
from services.api.schemas import (
    AssigneeBody,
    AuditRow,
    DecisionBody,
    DecisionResult,
    Problem,
    TaskDetail,
    TaskSummary,
    ValidationProblem,
)
from verdictflow.platform.database import Database
from verdictflow.platform.identity_provider import jwks
from verdictflow.platform.readmodel import AuditEntry

Ctx = Annotated[tasks.ApiContext, Depends(tasks.api_context)]
Db = Annotated[Database, Depends(tasks.read_model)]
MAX_ROW_ID = 2**63 - 1  # a larger id cannot even be compared in SQLite (and PostgreSQL's bigint)


def _problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": Problem} for code in codes}


router = APIRouter(responses=_problems(401, 403))


@router.get("/healthz", tags=["operations"])
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/tasks", tags=["tasks"])
def list_tasks(
    db: Db, user: TaskUser,
    escalated: Annotated[bool, Query(description="only tasks past their deadline, escalated "
                                     "to the organisation's supervisors")] = False,
) -> list[TaskSummary]:
    """The caller organisation's open tasks: escalated ones first (their deadline passed and
    they went to the supervisors), then earliest deadline first."""
    return tasks.list_open_tasks(db, user, escalated)


@router.get("/tasks/{task_id}", tags=["tasks"], responses=_problems(404, 502))
def read_task(task_id: str, ctx: Ctx, db: Db, user: TaskUser) -> TaskDetail:
    """The task and its disclosure, opened for the caller's organisation (CPR masked).

    Every read is written to the audit log.
    """
    return tasks.read_task(ctx, db, user, task_id)


@router.post("/tasks/{task_id}/decision", tags=["tasks"],
             responses={**_problems(400, 404, 409, 503), 422: {"model": ValidationProblem}})
async def decide(task_id: str, body: DecisionBody, ctx: Ctx, db: Db,
                 user: TaskUser) -> DecisionResult:
    """Decides the task. 422: the decision breaks a rule; 409: the case refuses it."""
    accepted = await tasks.decide(ctx, db, user, task_id, body)
    return DecisionResult(case_id=accepted.case_id, task_id=accepted.task_id,
                          outcome=accepted.outcome, stage=accepted.stage)


@router.post("/tasks/{task_id}/assignee", tags=["tasks"], responses=_problems(400, 404, 409))
def assign(task_id: str, body: AssigneeBody, db: Db, user: Supervisor) -> TaskSummary:
    """Supervisors only: hands an open task of the organisation to another caseworker."""
    return tasks.assign_task(db, user, task_id, body.assignee)


@router.get("/notifications", tags=["municipality"])
def list_notifications(db: Db, user: MunicipalityUser) -> list[NotificationSummary]:
    """The caller municipality's notifications (barnets lov §§ 38-39 follow-up)."""
    return notifications_for(db, user.org_id)


@router.get("/audit", tags=["audit"])
def list_audit(
    db: Db, user: Auditor,
    after_id: Annotated[int, Query(ge=0, le=MAX_ROW_ID,
                                   description="page on: the last id seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditRow]:
    """Auditors only: the audit log entries of the caller's organisation, oldest first."""
    return audit_entries(db, user.org_id, after_id, limit)


def audit_entries(db: Database, org_id: str, after_id: int, limit: int) -> list[AuditRow]:
    # Scoped to the auditor's organisation like every other read: a platform auditor is
    # one whose token names the platform's organisation (operators' codec reads land there).
    with db.session() as s:
        q = (select(AuditEntry).where(AuditEntry.org_id == org_id,
                                      AuditEntry.id > after_id)  # type: ignore[operator]
             .order_by(AuditEntry.id).limit(limit))  # type: ignore[arg-type]
        return [AuditRow.model_validate(e) for e in s.exec(q)]


# Outside production only (create_app decides): the development issuer's public keys, so
# any OIDC-aware client (or the codec server on another host) can verify its tokens.
dev_router = APIRouter(tags=["operations"])


@dev_router.get("/.well-known/jwks.json")
def dev_jwks(ctx: Ctx) -> dict[str, Any]:
    return jwks(ctx.keys)
