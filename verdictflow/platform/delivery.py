"""What a consumer does with each record: apply it, wait for the infrastructure, or dead-letter it.

Every consumer (ingest, the gateways, any later one) goes through ``consume``, so one rule
holds everywhere:

- **applied**: the handler returned; its effect is durable.
- **transient failure** (Kafka, Temporal or the database away, see ``is_transient``): the
  same record is tried again, without limit and without skipping: it is not the record's
  fault, and skipping would lose it.
- **poison**: the handler said the record can never be applied (``Poison``), or it failed
  for another reason ``attempts`` times in a row. It goes to the dead-letter topic with its
  reason and the consumer moves on, so one bad record never holds back those behind it.

Offsets are committed per partition after every record of the batch was applied or
dead-lettered (at-least-once; handlers are idempotent on the event id). A crash or a
rebalance before the commit replays the batch.

Records are delivered one after another in partition order, unless the consumer gives a
``lane`` (``consume(..., lane=..., lanes=n)``): then the records of a batch that share a lane
(e.g. one case) still go one after another in their order, and up to ``n`` lanes go at
once. A handler that waits on another system (ingest's receipts: a lookup and a signal
per record) then no longer makes every record behind it wait too. The commit still
follows the whole batch; only dead letters of different lanes may land out of order.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError, KafkaTimeoutError
from sqlalchemy.exc import OperationalError
from temporalio.service import RPCError, RPCStatusCode

from verdictflow.platform.kafka import Record
from verdictflow.platform.metrics import consumer_lag

Handler = Callable[[Record], Awaitable[None]]
DeadLetter = Callable[[Record, str], Awaitable[None]]
Lane = Callable[[Record], str]  # records of one lane keep their order

ATTEMPTS = 3  # for failures that are neither poison nor infrastructure: a bug or bad data
MAX_BACKOFF_S = 30.0

_TRANSIENT_RPC = frozenset({
    RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.RESOURCE_EXHAUSTED,
    RPCStatusCode.ABORTED, RPCStatusCode.CANCELLED, RPCStatusCode.UNKNOWN,
    RPCStatusCode.INTERNAL,
})


class Poison(Exception):
    """The record can never be applied. ``str(self)`` is the reason: ids and rules, no values."""


def is_transient(exc: BaseException) -> bool:
    """The infrastructure is away or busy: waiting cures it, the record is not at fault."""
    if isinstance(exc, RPCError):
        return exc.status in _TRANSIENT_RPC
    if isinstance(exc, KafkaError):
        return bool(getattr(exc, "retriable", False)) or isinstance(exc, KafkaTimeoutError)
    if isinstance(exc, OperationalError | sqlite3.OperationalError):
        return True  # locked, unreachable, disk full: the database, not the record
    return isinstance(exc, OSError | TimeoutError)


class Backoff:
    """0.5 s, doubling, at most ``MAX_BACKOFF_S``."""

    def __init__(self) -> None:
        self.delay = 0.5

    async def wait(self) -> float:
        waited = self.delay
        await asyncio.sleep(waited)
        self.delay = min(self.delay * 2, MAX_BACKOFF_S)
        return waited


def _where(record: Record) -> dict[str, Any]:
    return {"topic": record.topic, "partition": record.partition, "offset": record.offset}


async def deliver(record: Record, handle: Handler, dead_letter: DeadLetter, log: Any,
                  *, attempts: int = ATTEMPTS) -> bool:
    """Applies one record or dead-letters it; True if it was applied."""
    failures = 0
    backoff = Backoff()
    while True:
        try:
            await handle(record)
            return True
        except asyncio.CancelledError:
            raise
        except Poison as poison:
            reason = str(poison)
        except Exception as exc:  # noqa: BLE001 - classified below, never dropped
            if is_transient(exc):
                log.warning("infrastructure_unavailable_retrying", error=type(exc).__name__,
                            retry_in_s=backoff.delay, **_where(record))
                await backoff.wait()
                continue
            failures += 1
            # The type only: an exception's message may quote the record's content.
            log.error("message_handling_failed", error=type(exc).__name__, attempt=failures,
                      of=attempts, **_where(record))
            if failures < attempts:
                await backoff.wait()
                continue
            reason = f"could not be handled after {attempts} attempts ({type(exc).__name__})"
        await _until_dead_lettered(record, reason, dead_letter, log)
        return False


async def _until_dead_lettered(record: Record, reason: str, dead_letter: DeadLetter,
                               log: Any) -> None:
    # Only the infrastructure can stop a dead letter (an oversized one becomes a
    # reference): wait for it rather than lose the record.
    backoff = Backoff()
    while True:
        try:
            await dead_letter(record, reason)
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - retried, never dropped
            log.error("dead_letter_failed_retrying", error=type(exc).__name__,
                      retry_in_s=backoff.delay, **_where(record))
            await backoff.wait()


async def consume(consumer: AIOKafkaConsumer, handle: Handler, dead_letter: DeadLetter,
                  log: Any, *, max_records: int = 200, lane: Lane | None = None,
                  lanes: int = 1) -> None:
    """Delivers every record in order (in its lane's order, with ``lane``: up to ``lanes``
    lanes at once) and commits each partition's batch once all of it was delivered."""
    lane_of = lane if lanes > 1 else None  # None: one record after another
    while True:
        batch = await consumer.getmany(timeout_ms=1000, max_records=max_records)
        if lane_of is not None:
            await deliver_in_lanes(
                [r for records in batch.values() for r in records], lane_of, lanes,
                handle, dead_letter, log)
        for tp, records in batch.items():
            if lane_of is None:
                for record in records:
                    await deliver(record, handle, dead_letter, log)
            try:
                await consumer.commit({tp: records[-1].offset + 1})
            except KafkaError as exc:
                # Not committed: the batch is delivered again later, and every effect is
                # idempotent on the event id. The consumer itself carries on.
                log.warning("commit_failed", error=type(exc).__name__, topic=tp.topic,
                            partition=tp.partition)
            highwater = consumer.highwater(tp)  # the end offset the last fetch saw
            if highwater is not None:
                consumer_lag(tp.topic, tp.partition, highwater - (records[-1].offset + 1))
        if not batch:  # caught up, or nothing fetched yet: what the fetches last said
            await _idle_lag(consumer)


async def deliver_in_lanes(records: list[Record], lane: Lane, lanes: int, handle: Handler,
                           dead_letter: DeadLetter, log: Any) -> None:
    """Delivers ``records``: those of one lane in their order, up to ``lanes`` lanes at once;
    returns when every record was applied or dead-lettered (``deliver`` never gives up)."""
    by_lane: dict[str, list[Record]] = {}
    for record in records:
        by_lane.setdefault(lane(record), []).append(record)
    room = asyncio.Semaphore(lanes)

    async def run(queue: list[Record]) -> None:
        async with room:
            for record in queue:
                await deliver(record, handle, dead_letter, log)

    tasks = [asyncio.create_task(run(queue)) for queue in by_lane.values()]
    try:
        await asyncio.gather(*tasks)
    finally:  # cancelled (the service stops): none of the batch is committed, nor left running
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _idle_lag(consumer: AIOKafkaConsumer) -> None:
    for tp in consumer.assignment():
        highwater = consumer.highwater(tp)
        if highwater is None:
            continue
        try:
            position = await consumer.position(tp)
        except KafkaError:
            continue  # revoked by a rebalance meanwhile: a metric never stops the consumer
        consumer_lag(tp.topic, tp.partition, highwater - position)
