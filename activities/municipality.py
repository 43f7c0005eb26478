"""The municipality's notification: ``municipality.notifications.v1`` and its read-model row.

Idempotent on ``notification_id`` (one per case): the row is written once, and the event
id derives from it, so a retried activity publishes the same event and the municipality
acts once. Ids and the basis only: no CPR number, name, age or verdict detail.
"""

from __future__ import annotations

import asyncio

from temporalio import activity

from activities.deps import Deps
from verdictflow.domain.cloudevents import cloud_event
from verdictflow.domain.topics import MUNICIPALITY_NOTIFICATIONS, MUNICIPALITY_NOTIFIED
from verdictflow.platform.readmodel import MunicipalityNotification
from workflows.followup.messages import MunicipalityNotice


class MunicipalityActivities:
    """The activity name (``name=``) stands in recorded histories: it never changes."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.db = deps.read_model

    @activity.defn(name="notify_municipality")
    async def notify_municipality(self, n: MunicipalityNotice) -> None:
        if self.deps.partnerships.municipality(n.municipality_id) is None:
            # Reference data changed under a running case: retrying will not help.
            raise ValueError("the notification names an unknown municipality")
        await asyncio.to_thread(self._write, n)
        event = cloud_event(
            type=MUNICIPALITY_NOTIFIED,
            subject=n.case_id,
            data={"notification_id": n.notification_id, "case_id": n.case_id,
                  "area_id": n.area_id, "municipality_id": n.municipality_id,
                  "basis": n.basis},
            time=n.at,
            idempotency_key=f"notification:{n.notification_id}",
        )
        await self.deps.publisher.publish(MUNICIPALITY_NOTIFICATIONS, n.municipality_id, event)

    def _write(self, n: MunicipalityNotice) -> None:
        with self.db.session() as s:
            if s.get(MunicipalityNotification, n.notification_id) is not None:
                return
            s.add(MunicipalityNotification(
                notification_id=n.notification_id, municipality_id=n.municipality_id,
                case_id=n.case_id, kind="follow_up", area_id=n.area_id, basis=n.basis))
            s.commit()
