"""Reporting § 28 refusals to the municipality: an outbox relay in the worker process.

Udlejningsbekendtgørelsen § 28: every refusal is reported, the fact only, via the
municipality [BEK28]. The task API records the refusal (``reentry_refusals``, with
``reported_at`` empty) and reaches no Kafka; this relay, running beside the worker's
Temporal worker with the worker's own publisher, publishes each unreported row as
``dk.tryghed.reentry.refusal-reported.v1`` on ``municipality.notifications.v1`` (record key:
the municipality id) and then marks it.

Delivery: at least once. A crash between publishing and marking publishes the row again
with the same event id (uuid5 of ``<refusal id>:reported``), and consumers act once per
id. The data is ids and a date: no person, no pseudonym, no grounds.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlmodel import col, select

from verdictflow.domain.cloudevents import cloud_event
from verdictflow.domain.topics import MUNICIPALITY_NOTIFICATIONS, REFUSAL_REPORTED
from verdictflow.platform.database import Database
from verdictflow.platform.log import get_logger
from verdictflow.platform.readmodel import ReentryRefusalRecord

log = get_logger(__name__)
BATCH = 100
INTERVAL_S = 5.0


class Publisher(Protocol):
    async def publish(self, topic: str, key: str, event: dict[str, Any],
                      headers: list[tuple[str, bytes]] | None = None) -> None: ...


def refusal_event(row: ReentryRefusalRecord) -> dict[str, Any]:
    data = {"refusal_id": row.refusal_id, "area_id": row.area_id,
            "municipality_id": row.municipality_id, "housing_org_id": row.org_id,
            "refused_on": row.refused_on.isoformat(),
            "legal_basis": "udlejningsbekendtgørelsen § 28"}
    at = row.recorded_at if row.recorded_at.tzinfo else row.recorded_at.replace(tzinfo=UTC)
    return cloud_event(type=REFUSAL_REPORTED, subject=row.refusal_id, data=data,
                       time=at.isoformat(), idempotency_key=f"{row.refusal_id}:reported")


def _pending(db: Database) -> list[ReentryRefusalRecord]:
    with db.session() as s:
        q = (select(ReentryRefusalRecord)
             .where(col(ReentryRefusalRecord.reported_at).is_(None),
                    col(ReentryRefusalRecord.municipality_id).is_not(None))
             .order_by(col(ReentryRefusalRecord.recorded_at)).limit(BATCH))
        return list(s.exec(q))


def _mark(db: Database, refusal_id: str) -> None:
    with db.session() as s:
        row = s.get(ReentryRefusalRecord, refusal_id)
        if row is not None and row.reported_at is None:
            row.reported_at = datetime.now(UTC)
            s.add(row)
            s.commit()


async def report_pending(db: Database, publisher: Publisher) -> int:
    """Publishes every unreported refusal, then marks it; the number reported."""
    rows = await asyncio.to_thread(_pending, db)
    for row in rows:
        assert row.municipality_id is not None  # selected so
        await publisher.publish(MUNICIPALITY_NOTIFICATIONS, row.municipality_id,
                                refusal_event(row))
        await asyncio.to_thread(_mark, db, row.refusal_id)
        log.info("reentry.refusal_reported", refusal_id=row.refusal_id,
                 municipality_id=row.municipality_id)
    return len(rows)


async def run_relay(db: Database, publisher: Publisher, interval_s: float = INTERVAL_S) -> None:
    """Until cancelled. Kafka or the database away: logged, tried again next round."""
    while True:
        try:
            await report_pending(db, publisher)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the relay outlives any one outage
            log.warning("reentry.refusal_report_failed", error=type(exc).__name__)
        await asyncio.sleep(interval_s)
