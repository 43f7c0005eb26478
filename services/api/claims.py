"""A caseworker takes an open task of the organisation, or gives it back.

The supervisor's reassignment is ``tasks.assign_task`` (``POST /tasks/{id}/assignee``); a
caseworker may only take a task no one holds and release one they hold themselves. Both are
a conditional update in one statement, so two caseworkers clicking at once cannot both win,
and both are audited like an assignment (``task.assign``, detail ``claim`` or ``release``).
"""

from __future__ import annotations

from sqlalchemy import or_, update
from sqlmodel import col

from services.api.auth import Principal
from services.api.schemas import TaskSummary
from services.api.tasks import TaskIds, TaskNotFound, TaskNotOpen, task_for
from verdictflow.platform.audit import TASK_ASSIGN, record_audit
from verdictflow.platform.database import Database
from verdictflow.platform.log import get_logger
from verdictflow.platform.readmodel import Task

log = get_logger(__name__)


class TaskHeldByAnother(TaskNotOpen):
    """409: someone else holds the task (a supervisor can reassign it)."""


def _set_assignee(db: Database, principal: Principal, task_id: str, new: str | None,
                  expected: tuple[str | None, ...], action: str) -> TaskSummary:
    task = task_for(db, principal, task_id)  # 404 for another organisation's task
    if task.status != "open":
        raise TaskNotOpen("the task is not open")
    held = [col(Task.assignee) == a for a in expected if a is not None]
    if None in expected:
        held.append(col(Task.assignee).is_(None))
    stmt = (update(Task).where(col(Task.task_id) == task_id, col(Task.status) == "open",
                               or_(*held)).values(assignee=new))
    with db.session() as s:
        changed = s.connection().execute(stmt).rowcount
        s.commit()
    if not changed:
        raise TaskHeldByAnother("another caseworker holds the task")
    ids = TaskIds(org_id=principal.org_id, case_id=task.case_id, task_id=task_id)
    record_audit(db, actor=principal.subject, action=TASK_ASSIGN, detail=action, **ids)
    log.info(f"task.{action}", **ids)
    fresh = task_for(db, principal, task_id)
    return TaskSummary.model_validate(fresh)


def claim_task(db: Database, principal: Principal, task_id: str) -> TaskSummary:
    """The caller takes the task: it must be free (or theirs already)."""
    return _set_assignee(db, principal, task_id, principal.subject,
                         (None, principal.subject), "claim")


def release_task(db: Database, principal: Principal, task_id: str) -> TaskSummary:
    """The caller gives the task back; a supervisor may free anyone's."""
    if principal.role == "supervisor":
        task = task_for(db, principal, task_id)
        holder = task.assignee
        return _set_assignee(db, principal, task_id, None, (holder,), "release")
    return _set_assignee(db, principal, task_id, None, (principal.subject,), "release")


__all__ = ["TaskHeldByAnother", "TaskNotFound", "claim_task", "release_task"]
