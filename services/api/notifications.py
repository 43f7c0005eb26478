"""Notifications to a municipality, which follows up with its own means (Serviceloven § 57 a/b).

Nothing writes notifications yet: the v1 police contract carries no household data, so the
municipality follow-up (``municipality.notifications.v1``) waits. The table and the read
path exist so that the municipality caseworker's access is in place and tested before data
arrives. Rows carry ids only; when content comes, it is sealed to the municipality's key
like a disclosure, and opened (and audited) only on a read of one notification.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlmodel import Field, select

from verdictflow.platform.database import Database
from verdictflow.platform.readmodel import ReadModel, utcnow


class MunicipalityNotification(ReadModel, table=True):
    __tablename__ = "municipality_notifications"
    notification_id: str = Field(primary_key=True)  # derived from the case, as event ids are
    municipality_id: str = Field(index=True)
    case_id: str = Field(index=True)
    kind: str  # e.g. "follow_up"
    status: str = "open"  # open | acknowledged | withdrawn
    created_at: datetime = Field(default_factory=utcnow)
    sealed_content: str | None = None  # ciphertext only, never served by the list


class NotificationSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    notification_id: str
    municipality_id: str
    case_id: str
    kind: str
    status: str
    created_at: datetime


def notifications_for(db: Database, municipality_id: str) -> list[NotificationSummary]:
    """The municipality's notifications, newest first; never another municipality's."""
    with db.session() as s:
        q = (select(MunicipalityNotification)
             .where(MunicipalityNotification.municipality_id == municipality_id)
             .order_by(MunicipalityNotification.created_at.desc()))  # type: ignore[attr-defined]
        return [NotificationSummary.model_validate(n) for n in s.exec(q)]
