"""The read model: cases, human tasks, re-entry blocks and the audit log.

Temporal holds the truth of every case; these tables are what the task API and
operators query. Rows carry ids, stages and pseudonyms; the one thing of substance, a
task's disclosure, is stored sealed to the housing organisation, exactly as published.
Every write is an upsert keyed on a natural id, so a retried activity writes once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Index, MetaData, and_, or_
from sqlmodel import Field, SQLModel, col, select

from verdictflow.platform.database import Database

if TYPE_CHECKING:
    from verdictflow.platform.settings import Settings


def utcnow() -> datetime:
    return datetime.now(UTC)


READ_MODEL = MetaData()


class ReadModel(SQLModel):
    """Base of the read-model tables: their own metadata, apart from the gateway's store."""

    metadata = READ_MODEL


class CaseRecord(ReadModel, table=True):
    __tablename__ = "cases"
    case_id: str = Field(primary_key=True)
    stage: str
    police_district: str | None = None
    partnership_id: str | None = None
    area_id: str | None = None
    housing_org_id: str | None = None
    person_ref: str | None = Field(default=None, index=True)
    eligibility: str | None = None
    policy_version: str | None = None
    outcome: str | None = None
    stage_seq: int = 0
    updated_at: datetime = Field(default_factory=utcnow)


class CaseStageRecord(ReadModel, table=True):
    """One stage change of a case, kept (``cases`` holds only the current stage): the
    partnership's yearly figures are made from it. Keyed on ``(case_id, seq)`` so a retried
    ``record_stage`` writes once. Ids, stages and outcomes only: no person reference."""

    __tablename__ = "case_stages"
    __table_args__ = (
        Index("ix_case_stages_partnership_at", "partnership_id", "at"),
        Index("ix_case_stages_area_at", "area_id", "at"),
    )
    case_id: str = Field(primary_key=True)
    seq: int = Field(primary_key=True)
    stage: str
    at: datetime  # when the case entered the stage (the workflow's time, UTC)
    partnership_id: str | None = None
    area_id: str | None = None
    housing_org_id: str | None = None
    police_district: str | None = None
    eligibility: str | None = None
    outcome: str | None = None


class TryghedsindeksRecord(ReadModel, table=True):
    """A figure of Politiets Tryghedsindeks for an area and year, as imported with its
    source (``verdictflow report import-tryghedsindeks``): the police's, not computed."""

    __tablename__ = "tryghedsindeks"
    area_id: str = Field(primary_key=True)
    year: int = Field(primary_key=True)
    indicator: str = Field(primary_key=True)
    value: float
    source: str = Field(max_length=200)
    imported_at: datetime = Field(default_factory=utcnow)


class Task(ReadModel, table=True):
    __tablename__ = "tasks"
    # The inbox's page (task_page): an organisation's tasks in a state, by deadline, then id.
    __table_args__ = (Index("ix_tasks_inbox", "org_id", "status", "due_on", "task_id"),)
    task_id: str = Field(primary_key=True)
    case_id: str = Field(index=True)
    kind: str  # "decision" (housing organisation) or "review" (police district)
    org_id: str = Field(index=True)
    status: str = "open"  # open | done | withdrawn
    created_at: datetime = Field(default_factory=utcnow)
    due_on: date | None = None
    sealed_disclosure: str | None = None  # JSON of SealedDisclosure, ciphertext only
    outcome: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    assignee: str | None = None  # the subject a supervisor assigned the task to
    # Set once, when the deadline passed unanswered: the task went to the organisation's
    # supervisors (a role, never a person), who see it first.
    escalated_at: datetime | None = None
    escalated_to: str | None = None
    legal_basis: str | None = None  # what the task cites (the municipality's follow-up)


class SentDisclosure(ReadModel, table=True):
    """A disclosure as it was sealed and published (``deliver_disclosure``): kept so that a
    retried or repeated delivery publishes the very same bytes, the decision task takes
    them from here, and ingest checks a receipt against it without asking the workflow.
    Ciphertext and ids only; a purge clears ``sealed``."""

    __tablename__ = "disclosures"
    disclosure_id: str = Field(primary_key=True)
    case_id: str = Field(index=True)
    org_id: str  # the housing organisation it was sealed to
    digest: str  # what a receipt must commit to (``sealing.sealed_digest``)
    sealed: str | None = None  # JSON of SealedDisclosure, ciphertext only
    created_at: datetime = Field(default_factory=utcnow)


class ReentryBlockRecord(ReadModel, table=True):
    __tablename__ = "reentry_blocks"
    block_id: str = Field(primary_key=True)
    case_id: str = Field(index=True)
    area_id: str = Field(index=True)
    person_ref: str = Field(index=True)
    placed_on: date
    expires_on: date
    status: str = "active"  # active | lifted
    lifted_on: date | None = None
    lift_reason: str | None = None
    # The legal ground of the termination, in clear: a ground is not personal. placed_on
    # is the termination date the § 28 years run from.
    ground: str | None = None
    # Almenboligloven § 63 e's name and address, sealed under the case's own data key
    # (JSON of a case layer): purging the case shreds them with everything else.
    sealed_tenant: str | None = None


class ReentryRefusalRecord(ReadModel, table=True):
    """An applicant refused under udlejningsbekendtgørelsen § 28: the fact only, as it is
    reported via the municipality, with the block it rests on. The applicant is the
    pseudonym; the reasonable grounds stay out of the read model."""

    __tablename__ = "reentry_refusals"
    refusal_id: str = Field(primary_key=True)
    area_id: str = Field(index=True)
    partnership_id: str | None = None
    org_id: str = Field(index=True)  # the refusing housing organisation
    municipality_id: str | None = None  # the municipality the refusal is reported to
    block_id: str | None = None
    person_ref: str = Field(index=True)
    move_in_on: date
    refused_on: date
    recorded_at: datetime = Field(default_factory=utcnow)
    check_id: str | None = None  # the positive answer it rests on
    # The organisation's reasonable grounds are free text and may name people: sealed under
    # the case key of the termination they rest on (JSON of a case layer), never in clear.
    sealed_grounds: str | None = None
    # The outbox mark: set once the fact was published to the municipality.
    reported_at: datetime | None = Field(default=None, index=True)


class ReentryCheckRecord(ReadModel, table=True):
    """A positive § 28 answer (a qualifying termination found in the asking organisation's
    area), kept so that a refusal can rest on it. Ids and dates only; the look-ups that
    found nothing are in the audit log alone."""

    __tablename__ = "reentry_checks"
    check_id: str = Field(primary_key=True)
    org_id: str = Field(index=True)
    area_id: str
    block_id: str
    case_id: str
    person_ref: str = Field(index=True)
    move_in_on: date
    checked_on: date


class DisclosureRequestRecord(ReadModel, table=True):
    """A housing organisation's request about a resident: ids, dates and state. The person
    is the pseudonym; the requester's reason stays in the request workflow's encrypted
    input."""

    __tablename__ = "disclosure_requests"
    request_id: str = Field(primary_key=True)
    org_id: str = Field(index=True)
    area_id: str
    police_district: str = Field(index=True)
    person_ref: str = Field(index=True)
    state: str  # a RequestState: open | answered | refused | expired
    requested_on: date
    open_until: date
    answered_by_case: str | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class MunicipalityNotification(ReadModel, table=True):
    """A case the municipality follows up with its own means (barnets lov §§ 38-39): ids and
    the basis only, keyed on ``followup.notification_id`` (one per case)."""

    __tablename__ = "municipality_notifications"
    notification_id: str = Field(primary_key=True)  # derived from the case, as event ids are
    municipality_id: str = Field(index=True)
    case_id: str = Field(index=True)
    kind: str  # e.g. "follow_up"
    status: str = "open"  # open | acknowledged | withdrawn
    created_at: datetime = Field(default_factory=utcnow)
    sealed_content: str | None = None  # ciphertext only, never served by the list
    # Added with the first producer (2026-12-05); columns are added, never renamed (reports
    # join these rows to cases).
    area_id: str | None = Field(default=None, index=True)
    basis: str | None = None  # a FollowUpBasis: "barnets lov § 39" or "barnets lov § 38"


class AuditEntry(ReadModel, table=True):
    """One link of the hash chain (platform.audit): ids only, appended, never changed."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True, index=True)  # 1, 2, 3, ... without gaps
    at: datetime = Field(default_factory=utcnow)
    actor: str
    org_id: str | None = None
    action: str
    case_id: str | None = None
    task_id: str | None = None
    detail: str | None = Field(default=None, max_length=200)  # ids, never personal data
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64, unique=True)


class DeadLetterReplay(ReadModel, table=True):
    """A dead letter whose original was published again (``platform.dlq``): keyed on where
    the letter stands, so ``verdictflow ops dlq replay`` re-drives each letter once."""

    __tablename__ = "dead_letter_replays"
    topic: str = Field(primary_key=True)  # the source topic; the letter is on <topic>.dlq
    partition: int = Field(primary_key=True)
    offset: int = Field(primary_key=True)
    replayed_at: datetime = Field(default_factory=utcnow)
    actor: str


def read_model_database(settings: Settings) -> Database:
    """The read model of ``settings.database_url``: build it once per process."""
    return Database(settings.database_url, READ_MODEL)


def open_tasks(db: Database, org_id: str, escalated_only: bool = False) -> list[Task]:
    """The organisation's open tasks: escalated ones first (their deadline has passed),
    then by deadline."""
    with db.session() as s:
        q = select(Task).where(Task.org_id == org_id, Task.status == "open")
        if escalated_only:
            q = q.where(col(Task.escalated_at).is_not(None))
        rows = list(s.exec(q.order_by(col(Task.due_on), col(Task.created_at))))
    return sorted(rows, key=lambda t: t.escalated_at is None)  # stable: keeps the order


# What an inbox row shows; never the sealed disclosure (the list never needs it).
SUMMARY_COLUMNS = ("task_id", "case_id", "kind", "org_id", "status", "due_on", "created_at",
                   "assignee", "escalated_at", "escalated_to", "legal_basis")


@dataclass(frozen=True)
class TaskPosition:
    """Where a page ended, in the order escalated → dated → undated, then due date, then
    id. ``segment`` numbers the four parts of that order (see ``task_page``)."""

    segment: int
    due_on: date | None
    task_id: str


@dataclass(frozen=True)
class TaskFilter:
    kinds: frozenset[str] | None = None  # the caller's role's kinds (and a chosen one)
    state: str = "open"
    area_id: str | None = None
    due_before: date | None = None
    escalated_only: bool = False


def task_page(db: Database, org_id: str, where: TaskFilter, after: TaskPosition | None,
              limit: int) -> tuple[list[Any], TaskPosition | None]:
    """One page of the organisation's tasks, summary columns only, and where the next one
    starts (None: this was the last).

    Escalated tasks come first (they went to the supervisors), then by deadline and id. The
    order is cut into segments, each a range scan of ``ix_tasks_inbox``: (escalated, dated),
    (escalated, undated), (plain, dated), (plain, undated)."""
    rows: list[Any] = []
    start = after.segment if after else 0
    with db.session() as s:
        for segment in range(start, 4):
            escalated, dated = segment < 2, segment % 2 == 0
            if where.escalated_only and not escalated:
                break
            q = select(*(getattr(Task, c) for c in SUMMARY_COLUMNS)).where(
                Task.org_id == org_id, Task.status == where.state)
            q = q.where(col(Task.escalated_at).is_not(None) if escalated
                        else col(Task.escalated_at).is_(None))
            q = q.where(col(Task.due_on).is_not(None) if dated else col(Task.due_on).is_(None))
            if where.kinds is not None:
                q = q.where(col(Task.kind).in_(sorted(where.kinds)))
            if where.due_before is not None:
                q = q.where(col(Task.due_on) < where.due_before)
            if where.area_id is not None:
                # Correlated, so each task in the index's order costs one primary-key lookup
                # of its case; ``IN (SELECT ...)`` read every case ever recorded per page
                # (26 ms at 22,500 cases, growing with years of closed cases).
                q = q.where(select(CaseRecord.case_id).where(
                    CaseRecord.case_id == Task.case_id,
                    CaseRecord.area_id == where.area_id).exists())
            if after is not None and segment == after.segment:
                if dated and after.due_on is not None:
                    q = q.where(or_(col(Task.due_on) > after.due_on,
                                    and_(col(Task.due_on) == after.due_on,
                                         col(Task.task_id) > after.task_id)))
                else:
                    q = q.where(col(Task.task_id) > after.task_id)
            q = q.order_by(col(Task.due_on), col(Task.task_id)).limit(limit + 1 - len(rows))
            found = list(s.exec(q))
            rows.extend((segment, r) for r in found)
            if len(rows) > limit:
                break
    if len(rows) <= limit:
        return [r for _, r in rows], None
    segment, last = rows[limit - 1]
    return [r for _, r in rows[:limit]], TaskPosition(segment, last.due_on, last.task_id)


def get_task(db: Database, task_id: str) -> Task | None:
    with db.session() as s:
        return s.get(Task, task_id)
