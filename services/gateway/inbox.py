"""The gateway's own store: what a housing organisation received, kept sealed.

The organisation's copy is the sealed object itself; it opens it when a caseworker
reads it, so a stolen database file reveals nothing without the organisation's key.
A retraction deletes the sealed copy and keeps only the fact that it was deleted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import MetaData
from sqlmodel import Field, SQLModel, select

from verdictflow.platform.database import Database
from verdictflow.platform.readmodel import utcnow
from verdictflow.platform.settings import Settings

GATEWAY_STORE = MetaData()


def gateway_db_url(settings: Settings) -> str:
    return f"sqlite:///{settings.state_dir / 'gateway.db'}"


def gateway_store(settings: Settings) -> Database:
    """The gateways' store (one database for every gateway of the process): build it once."""
    return Database(gateway_db_url(settings), GATEWAY_STORE)


class ReceivedDisclosure(SQLModel, table=True):
    metadata = GATEWAY_STORE

    __tablename__ = "gateway_disclosures"
    disclosure_id: str = Field(primary_key=True)
    org_id: str = Field(index=True)
    case_id: str
    sealed: str | None
    digest: str
    received_at: datetime = Field(default_factory=utcnow)
    status: str = "kept"  # kept | deleted
    deleted_at: datetime | None = None


def keep(db: Database, item: ReceivedDisclosure) -> ReceivedDisclosure:
    """Idempotent on the disclosure id: the first copy kept is the one receipted."""
    with db.session() as s:
        existing = s.get(ReceivedDisclosure, item.disclosure_id)
        if existing is not None:
            return existing
        s.add(item)
        s.commit()
        return item


def delete(db: Database, org_id: str, disclosure_id: str) -> bool:
    """Deletes the organisation's own copy; idempotent (already deleted: False)."""
    with db.session() as s:
        row = s.get(ReceivedDisclosure, disclosure_id)
        if row is None or row.org_id != org_id or row.status == "deleted":
            return False
        row.sealed = None
        row.status = "deleted"
        row.deleted_at = utcnow()
        s.add(row)
        s.commit()
        return True


def deleted_at(db: Database, org_id: str, disclosure_id: str) -> datetime | None:
    """When the organisation's copy was deleted; None if it holds no such copy, deleted
    or kept."""
    with db.session() as s:
        row = s.get(ReceivedDisclosure, disclosure_id)
        if row is None or row.org_id != org_id:
            return None
        return row.deleted_at


def kept(db: Database, org_id: str) -> list[ReceivedDisclosure]:
    with db.session() as s:
        q = select(ReceivedDisclosure).where(ReceivedDisclosure.org_id == org_id)
        return list(s.exec(q))
