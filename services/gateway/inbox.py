"""The gateway's own store: what a housing organisation received, kept sealed.

The organisation's copy is the sealed object itself; it opens it when a caseworker
reads it, so a stolen database file reveals nothing without the organisation's key.
A retraction deletes the sealed copy and keeps only the fact that it was deleted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import MetaData
from sqlmodel import Field, Session, SQLModel, select

from verdictflow.platform.readmodel import session as _session
from verdictflow.platform.readmodel import utcnow

GATEWAY_STORE = MetaData()


def session(url: str) -> Session:
    return _session(url, GATEWAY_STORE)


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


def keep(url: str, item: ReceivedDisclosure) -> ReceivedDisclosure:
    """Idempotent on the disclosure id: the first copy kept is the one receipted."""
    with session(url) as s:
        existing = s.get(ReceivedDisclosure, item.disclosure_id)
        if existing is not None:
            return existing
        s.add(item)
        s.commit()
        return item


def delete(url: str, org_id: str, disclosure_id: str) -> bool:
    """Deletes the organisation's own copy; idempotent (already deleted: False)."""
    with session(url) as s:
        row = s.get(ReceivedDisclosure, disclosure_id)
        if row is None or row.org_id != org_id or row.status == "deleted":
            return False
        row.sealed = None
        row.status = "deleted"
        row.deleted_at = utcnow()
        s.add(row)
        s.commit()
        return True


def kept(url: str, org_id: str) -> list[ReceivedDisclosure]:
    with session(url) as s:
        q = select(ReceivedDisclosure).where(ReceivedDisclosure.org_id == org_id)
        return list(s.exec(q))
