"""Notifications to a municipality, which follows up with its own means (barnets lov
§§ 38-39, formerly serviceloven § 57 a/b).

The case's follow-up workflow writes them (``activities/municipality.py``) when a young
person aged 10-17, or a household with minors, is convicted in a partnership area, and
opens the municipality's ``municipality_followup`` task beside them. Rows carry ids and
the basis only; if content comes, it is sealed to the municipality's key like a
disclosure, and opened (and audited) only on a read of one notification.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlmodel import select

from verdictflow.platform.database import Database

# The table lives in the read model (the worker writes it); named here too, as before.
from verdictflow.platform.readmodel import MunicipalityNotification

__all__ = ["MunicipalityNotification", "NotificationSummary", "notifications_for"]


class NotificationSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    notification_id: str
    municipality_id: str
    case_id: str
    kind: str
    status: str
    created_at: datetime
    area_id: str | None = None
    basis: str | None = None


def notifications_for(db: Database, municipality_id: str) -> list[NotificationSummary]:
    """The municipality's notifications, newest first; never another municipality's."""
    with db.session() as s:
        q = (select(MunicipalityNotification)
             .where(MunicipalityNotification.municipality_id == municipality_id)
             .order_by(MunicipalityNotification.created_at.desc()))  # type: ignore[attr-defined]
        return [NotificationSummary.model_validate(n) for n in s.exec(q)]
