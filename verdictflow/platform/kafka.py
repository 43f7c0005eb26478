"""Kafka producer and consumer set-up shared by the services.

Delivery semantics: producers wait for all in-sync replicas (``acks=all``) with
idempotence on, so a published event is durable before the caller goes on. Consumers
never auto-commit: each service commits an offset only after the message's effect is
durable (Temporal accepted it, or it was dead-lettered), so a crash replays rather
than loses. Replays are harmless because every effect is idempotent on the event id.
What a consumer does with each record is ``verdictflow.platform.delivery``'s business.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Protocol, TypeAlias

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from aiokafka.errors import KafkaConnectionError

from verdictflow.domain.cloudevents import encode
from verdictflow.platform.log import get_logger
from verdictflow.platform.settings import Settings

CONTENT_TYPE = ("content-type", b"application/cloudevents+json")
# The largest record a producer sends: aiokafka's default, just under the broker's default
# message.max.bytes. The contract's MAX_EVENT_BYTES stays far below it.
KAFKA_MAX_MESSAGE_BYTES = 1024 * 1024
# A record as our consumers get it: no deserialiser, so key and value are the raw bytes.
Record: TypeAlias = ConsumerRecord[bytes, bytes]


class EventPublisher:
    """Publishes CloudEvents; ``start()`` before use, ``stop()`` after."""

    def __init__(self, settings: Settings) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=settings.kafka_bootstrap,
            acks="all",
            enable_idempotence=True,
            client_id="verdictflow",
            max_request_size=KAFKA_MAX_MESSAGE_BYTES,
            linger_ms=settings.kafka_linger_ms,
        )

    async def start(self) -> None:
        await start_when_reachable(self._producer)

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

    async def publish_in_order(self, topic: str, events: Sequence[tuple[str, dict[str, Any]]],
                               ) -> None:
        """Each ``(key, event)`` handed to the producer in turn, acknowledged together.

        The producer keeps a partition's records in the order they were given and sends a
        partition one batch at a time, so one key's events arrive in this order; waiting
        for each before the next cost a linger and a round trip per event.
        """
        sent = [await self._producer.send(topic, encode(event), key=key.encode(),
                                          headers=[CONTENT_TYPE]) for key, event in events]
        await asyncio.gather(*sent)

    async def publish_raw(
        self, topic: str, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        await self._producer.send_and_wait(topic, value, key=key, headers=headers)


class _Startable(Protocol):
    async def start(self) -> None: ...


async def start_when_reachable(client: _Startable, max_delay: float = 30.0) -> None:
    """Starts a producer or consumer, waiting for the broker if it is away.

    A service (re)started while Kafka is down waits for it instead of exiting: no service
    should need a hand after an outage. aiokafka's clients can be started again after a
    failed start.
    """
    delay = 0.5
    while True:
        try:
            await client.start()
            return
        except KafkaConnectionError:
            get_logger("kafka").warning("kafka_unreachable_waiting", retry_in_s=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)


def consumer(settings: Settings, group_id: str, *topics: str,
             max_poll_interval_ms: int = 300_000) -> AIOKafkaConsumer:
    """``max_poll_interval_ms``: how long a handler may hold the loop before the group
    gives the partitions to another member (a consumer that waits on purpose sets more)."""
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        client_id=group_id,
        max_poll_interval_ms=max_poll_interval_ms,
    )
