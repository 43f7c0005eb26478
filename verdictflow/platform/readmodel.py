"""The read model: cases, human tasks, re-entry blocks and the audit log.

Temporal holds the truth of every case; these tables are what the task API and
operators query. Rows carry ids, stages and pseudonyms; the one thing of substance, a
task's disclosure, is stored sealed to the housing organisation, exactly as published.
Every write is an upsert keyed on a natural id, so a retried activity writes once.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Field, Session, SQLModel, create_engine, select

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


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


class Task(ReadModel, table=True):
    __tablename__ = "tasks"
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


def engine_for(url: str, metadata: MetaData | None = None) -> Engine:
    """One engine per database URL per process, its tables created on first use."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _new_engine(url)
            _create_tables(engine, metadata or READ_MODEL)
            _engines[url] = engine
        return engine


def _new_engine(url: str) -> Engine:
    connect_args = {"check_same_thread": False, "timeout": 30} if url.startswith("sqlite") else {}
    engine = create_engine(url, connect_args=connect_args)
    if url.startswith("sqlite"):
        # Several processes (worker, API, gateways) share the file: WAL lets readers and
        # one writer work at once.
        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record):  # noqa: ANN001
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

    return engine


def _create_tables(engine: Engine, metadata: MetaData) -> None:
    # Processes starting together race to create the same tables; the loser sees
    # "already exists" and simply looks again.
    for attempt in range(5):
        try:
            metadata.create_all(engine)
            return
        except OperationalError as exc:
            if "already exists" not in str(exc) and "locked" not in str(exc):
                raise
            time.sleep(0.2 * (attempt + 1))
    metadata.create_all(engine)


def session(url: str, metadata: MetaData | None = None) -> Session:
    return Session(engine_for(url, metadata), expire_on_commit=False)


def open_tasks(url: str, org_id: str) -> list[Task]:
    with session(url) as s:
        q = select(Task).where(Task.org_id == org_id, Task.status == "open")
        return list(s.exec(q.order_by(Task.due_on, Task.created_at)))


def get_task(url: str, task_id: str) -> Task | None:
    with session(url) as s:
        return s.get(Task, task_id)
