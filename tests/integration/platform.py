"""The application services run in-process against the real stack, for integration tests."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from temporalio.client import Client

from activities.deps import Deps
from services.gateway.service import run_gateways
from services.ingest.service import IngestService
from services.worker import build_worker
from verdictflow.platform.database import Database
from verdictflow.platform.keys import KeyStore, keystore_for, provision_for_development
from verdictflow.platform.settings import Settings
from verdictflow.platform.temporal import connect

T = TypeVar("T")


@dataclass
class Platform:
    settings: Settings
    client: Client
    keys: KeyStore
    ingest: IngestService
    read_model: Database  # the worker's


@contextlib.asynccontextmanager
async def running_platform(settings: Settings, orgs: list[str]) -> AsyncIterator[Platform]:
    provision_for_development(settings)
    keys = keystore_for(settings)
    client = await connect(settings, keys)
    deps = Deps.build(settings)
    await deps.publisher.start()
    ingest = IngestService(settings, client, keys)
    await ingest.start()
    background = [asyncio.create_task(ingest.run()),
                  asyncio.create_task(run_gateways(settings, orgs, keys))]
    try:
        async with build_worker(client, deps):
            yield Platform(settings, client, keys, ingest, deps.read_model)
    finally:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await ingest.stop()
        await deps.publisher.stop()
        deps.read_model.dispose()


async def produce(settings: Settings, topic: str, *messages: tuple[bytes | None, bytes]) -> None:
    """Records as any producer would send them (room for one near the broker's limit)."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap,
                                max_request_size=1_048_000 + 4096)
    await producer.start()
    try:
        for key, value in messages:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def read_topic(settings: Settings, topic: str) -> list[ConsumerRecord]:
    """Everything on a topic now, from the beginning, without joining a group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        # A consumer without a subscription tracks no topic's partitions; ask the cluster.
        metadata = await consumer._client.fetch_all_metadata()
        partitions = [TopicPartition(topic, p)
                      for p in sorted(metadata.partitions_for_topic(topic) or [])]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord] = []
        async def behind() -> bool:
            return any([await consumer.position(tp) < end[tp] for tp in partitions])

        while await behind():
            batch = await consumer.getmany(*partitions, timeout_ms=1000)
            for recs in batch.values():
                records.extend(recs)
        return records
    finally:
        await consumer.stop()


async def eventually(probe: Callable[[], Awaitable[T | None]], timeout: float = 60,
                     what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.3)


def headers_of(record: ConsumerRecord) -> dict[str, bytes]:
    return {k: v for k, v in (record.headers or [])}


def as_json(record: ConsumerRecord) -> Any:
    import json

    return json.loads(record.value)


def readable_events(records: list[ConsumerRecord]) -> list[dict[str, Any]]:
    """The records that are JSON objects, in order: the trust tests put deliberately
    unreadable records (30,000 levels deep, not JSON) on the shared topics, which the
    services dead-letter and a test looking for its own events passes over."""
    import json

    found = []
    for record in records:
        try:
            value = json.loads(record.value)
        except (ValueError, RecursionError):
            continue
        if isinstance(value, dict):
            found.append(value)
    return found
