"""Kafka producer and consumer set-up shared by the services.

Delivery semantics: producers wait for all in-sync replicas (``acks=all``) with
idempotence on, so a published event is durable before the caller goes on. Consumers
never auto-commit: each service commits an offset only after the message's effect is
durable (Temporal accepted it, or it was dead-lettered), so a crash replays rather
than loses. Replays are harmless because every effect is idempotent on the event id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from verdictflow.domain.cloudevents import encode
from verdictflow.settings import Settings

CONTENT_TYPE = ("content-type", b"application/cloudevents+json")


class EventPublisher:
    """Publishes CloudEvents; ``start()`` before use, ``stop()`` after."""

    def __init__(self, settings: Settings) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=settings.kafka_bootstrap,
            acks="all",
            enable_idempotence=True,
            client_id="verdictflow",
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def __aenter__(self) -> EventPublisher:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def publish(
        self,
        topic: str,
        key: str,
        event: dict[str, Any],
        headers: list[tuple[str, bytes]] | None = None,
    ) -> None:
        await self._producer.send_and_wait(
            topic, encode(event), key=key.encode(), headers=[CONTENT_TYPE, *(headers or [])]
        )

    async def publish_raw(
        self, topic: str, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        await self._producer.send_and_wait(topic, value, key=key, headers=headers)


def consumer(settings: Settings, group_id: str, *topics: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        client_id=group_id,
    )


def dead_letter_headers(
    topic: str, partition: int, offset: int, reason: str
) -> list[tuple[str, bytes]]:
    return [
        ("dlq-reason", reason.encode()),
        ("dlq-original-topic", topic.encode()),
        ("dlq-original-partition", str(partition).encode()),
        ("dlq-original-offset", str(offset).encode()),
    ]


async def consume(
    consumer: AIOKafkaConsumer, handle: Callable[[ConsumerRecord], Awaitable[None]], log: Any,
    *, max_records: int = 200,
) -> None:
    """Handles every record in order and commits each partition's batch once handled.

    At-least-once: the offset is committed only after ``handle`` returned (its effect is
    durable or the record was dead-lettered); a crash or rebalance before that replays
    the batch, and the handlers' effects are idempotent on the event id.
    """
    while True:
        batch = await consumer.getmany(timeout_ms=1000, max_records=max_records)
        for tp, records in batch.items():
            for record in records:
                await handle_until_done(handle, record, log)
            await consumer.commit({tp: records[-1].offset + 1})


async def handle_until_done(
    handle: Callable[[ConsumerRecord], Awaitable[None]], record: ConsumerRecord, log: Any
) -> None:
    """Handles one record, retrying on unexpected errors instead of skipping or crashing.

    A message that can never be applied is dead-lettered by the handler itself; anything
    else (a database briefly locked, a broker away) is worth another try, and the offset
    stays uncommitted meanwhile.
    """
    delay = 0.5
    while True:
        try:
            await handle(record)
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - retried, never dropped
            log.error("message_handling_failed", topic=record.topic, partition=record.partition,
                      offset=record.offset, error=type(exc).__name__, retry_in_s=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30)
