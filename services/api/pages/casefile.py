"""What the pages read beside the API's functions: the inbox with its filters, a case's
stage history, its tasks and its re-entry block. Ids, stages and dates only: the one thing
of substance, the disclosure, is read through ``tasks.read_task`` (opened and audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select

from services.api.auth import Principal
from services.api.schemas import TaskSummary
from services.api.tasks import visible_to
from verdictflow.platform.database import Database
from verdictflow.platform.readmodel import CaseRecord, CaseStageRecord, ReentryBlockRecord, Task

INBOX_LIMIT = 500


@dataclass(frozen=True)
class InboxRow:
    task: TaskSummary
    area_id: str | None
    overdue: bool


@dataclass(frozen=True)
class Filters:
    area: str = ""
    kind: str = ""
    state: str = "open"


def inbox(db: Database, user: Principal, f: Filters, today: date) -> list[InboxRow]:
    """The organisation's tasks the role works on: open and overdue first, then by due date."""
    with db.session() as s:
        q = (select(Task, CaseRecord.area_id)
             .join(CaseRecord, col(CaseRecord.case_id) == col(Task.case_id), isouter=True)
             .where(col(Task.org_id) == user.org_id))
        if f.state:
            q = q.where(col(Task.status) == f.state)
        if f.kind:
            q = q.where(col(Task.kind) == f.kind)
        if f.area:
            q = q.where(col(CaseRecord.area_id) == f.area)
        found = list(s.exec(q.order_by(col(Task.due_on), col(Task.created_at))
                            .limit(INBOX_LIMIT)))
    rows = [InboxRow(TaskSummary.model_validate(t), area,
                     t.status == "open" and t.due_on is not None and t.due_on < today)
            for t, area in found if visible_to(t, user)]
    return sorted(rows, key=lambda r: (not r.overdue, r.task.status != "open",
                                       r.task.due_on or date.max))


def areas_of_tasks(db: Database, user: Principal) -> list[str]:
    """The areas the organisation's tasks lie in: the inbox's area filter offers these."""
    with db.session() as s:
        q = (select(CaseRecord.area_id).distinct()
             .join(Task, col(CaseRecord.case_id) == col(Task.case_id))
             .where(col(Task.org_id) == user.org_id, col(CaseRecord.area_id).is_not(None)))
        return sorted(a for a in s.exec(q) if a)


def stages(db: Database, case_id: str) -> list[CaseStageRecord]:
    with db.session() as s:
        q = select(CaseStageRecord).where(col(CaseStageRecord.case_id) == case_id)
        return list(s.exec(q.order_by(col(CaseStageRecord.seq))))


def case_tasks(db: Database, user: Principal, case_id: str) -> list[TaskSummary]:
    with db.session() as s:
        q = select(Task).where(col(Task.case_id) == case_id)
        return [TaskSummary.model_validate(t) for t in s.exec(q.order_by(col(Task.created_at)))
                if visible_to(t, user)]


def blocks(db: Database, case_id: str) -> list[ReentryBlockRecord]:
    """The case's re-entry blocks: ids, area and dates (the tenant stays sealed)."""
    with db.session() as s:
        q = select(ReentryBlockRecord).where(col(ReentryBlockRecord.case_id) == case_id)
        return list(s.exec(q.order_by(col(ReentryBlockRecord.placed_on))))
