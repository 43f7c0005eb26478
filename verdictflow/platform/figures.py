"""The read-model side of a partnership's yearly figures: the rows, and the index import.

The numbers are made by ``verdictflow.domain.figures`` from plain rows; this module only
queries. A partnership's cases are those whose history or case row names it; their area is
the last one recorded. Days are Danish calendar days (Europe/Copenhagen), as the
partnership counts its year.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import column, table, union
from sqlmodel import Session, col, select

from verdictflow.domain.figures import (
    BlockRow,
    IndexRow,
    NotificationRow,
    RefusalRow,
    ReportInput,
    StageRow,
    TaskRow,
    partnership_figures,
)
from verdictflow.domain.partnerships import Partnership
from verdictflow.platform.database import Database
from verdictflow.platform.readmodel import (
    CaseRecord,
    CaseStageRecord,
    ReentryBlockRecord,
    ReentryRefusalRecord,
    Task,
    TryghedsindeksRecord,
    utcnow,
)

DANISH = ZoneInfo("Europe/Copenhagen")

# The municipality notifications table is defined beside the API that serves it (a layer
# above this one); the report reads the three columns it needs, by name.
_notifications = table("municipality_notifications", column("case_id"), column("created_at"))


def danish_day(at: datetime) -> date:
    # SQLite gives back naive datetimes: everything is written in UTC.
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(DANISH).date()


def today() -> date:
    return datetime.now(DANISH).date()


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def report_input(db: Database, partnership: Partnership, year: int,
                 as_of: date) -> ReportInput:
    area_ids = [a.id for a in partnership.areas]
    pid = partnership.id
    case_ids = union(
        select(CaseStageRecord.case_id).where(CaseStageRecord.partnership_id == pid),
        select(CaseRecord.case_id).where(CaseRecord.partnership_id == pid),
    ).subquery()
    in_partnership = select(case_ids.c.case_id)
    with db.session() as s:
        stages = list(s.exec(select(CaseStageRecord)
                             .where(col(CaseStageRecord.case_id).in_(in_partnership))))
        case_rows = list(s.exec(select(CaseRecord.case_id, CaseRecord.area_id)
                                .where(CaseRecord.partnership_id == pid)))
        tasks = list(s.exec(select(Task).where(col(Task.case_id).in_(in_partnership))))
        blocks = list(s.exec(select(ReentryBlockRecord)
                             .where(col(ReentryBlockRecord.area_id).in_(area_ids))))
        refusals = list(s.exec(select(ReentryRefusalRecord)
                               .where(col(ReentryRefusalRecord.area_id).in_(area_ids))))
        notifications = _notification_rows(s, in_partnership)
        index = list(s.exec(select(TryghedsindeksRecord).where(
            col(TryghedsindeksRecord.area_id).in_(area_ids),
            col(TryghedsindeksRecord.year).in_([year - 1, year]))))

    history: set[str] = set()
    case_areas: dict[str, str] = {}
    for r in sorted(stages, key=lambda r: (r.case_id, r.seq)):
        history.add(r.case_id)
        if r.area_id is not None:
            case_areas[r.case_id] = r.area_id  # the last one recorded wins
    for case_id, area_id in case_rows:
        if case_id not in case_areas and area_id is not None:
            case_areas[case_id] = area_id
    return ReportInput(
        partnership_id=pid,
        partnership_name=partnership.name,
        year=year,
        as_of=as_of,
        areas=[(a.id, a.name) for a in partnership.areas],
        stages=[StageRow(r.case_id, r.seq, r.stage, _aware(r.at), danish_day(r.at),
                         r.area_id, r.eligibility, r.outcome) for r in stages],
        case_areas=case_areas,
        cases_without_history=sum(1 for cid, _ in case_rows if cid not in history),
        tasks=[TaskRow(t.case_id, t.kind, t.status, danish_day(t.created_at), t.due_on,
                       danish_day(t.decided_at) if t.decided_at else None) for t in tasks],
        blocks=[BlockRow(b.area_id, b.placed_on, b.expires_on, b.lifted_on) for b in blocks],
        refusals=[RefusalRow(r.area_id, r.refused_on) for r in refusals],
        notifications=notifications,
        index=[IndexRow(r.area_id, r.year, r.indicator, r.value, r.source) for r in index],
    )


def _notification_rows(s: Session, in_partnership: Any) -> list[NotificationRow]:
    q = (select(_notifications.c.case_id, _notifications.c.created_at)
         .where(_notifications.c.case_id.in_(in_partnership)))
    rows = []
    for case_id, created_at in s.exec(q):
        # SQLite hands a raw column back as text when the table is not a mapped model.
        at = datetime.fromisoformat(created_at) if isinstance(created_at, str) else created_at
        rows.append(NotificationRow(case_id, danish_day(at)))
    return rows


def partnership_report(db: Database, partnership: Partnership, year: int,
                       as_of: date | None = None) -> dict[str, Any]:
    """The partnership's figures for ``year`` as of ``as_of`` (default: today)."""
    return partnership_figures(report_input(db, partnership, year, as_of or today()))


def import_index(db: Database, rows: list[IndexRow]) -> tuple[int, int]:
    """Upserts Tryghedsindeks rows keyed on (area, year, indicator): (added, changed).

    Importing the same file again changes nothing; a corrected value replaces the old one.
    """
    added = changed = 0
    with db.session() as s:
        for r in rows:
            row = s.get(TryghedsindeksRecord, (r.area_id, r.year, r.indicator))
            if row is None:
                s.add(TryghedsindeksRecord(area_id=r.area_id, year=r.year,
                                           indicator=r.indicator, value=r.value,
                                           source=r.source))
                added += 1
            elif (row.value, row.source) != (r.value, r.source):
                row.value, row.source, row.imported_at = r.value, r.source, utcnow()
                s.add(row)
                changed += 1
        s.commit()
    return added, changed
