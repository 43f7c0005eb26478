"""The infra package starts, reuses, stops and restarts a real Kafka + Temporal.

Runs on its own state dir and free ports, so it never touches a developer's stack.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest

from infra import kafka, processes, stack, temporal
from verdictflow.domain.topics import ALL_TOPICS, POLICE_VERDICTS
from verdictflow.platform.settings import Settings
from workflows.search_attributes import ALL as SEARCH_ATTRIBUTES

pytestmark = pytest.mark.integration


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    kafka_port, controller, temporal_port, ui = _free_ports(4)
    s = Settings(
        state_dir=tmp_path / "state",
        kafka_bootstrap=f"127.0.0.1:{kafka_port}",
        kafka_controller_port=controller,
        temporal_address=f"127.0.0.1:{temporal_port}",
        temporal_ui_port=ui,
        manage_kafka=True,
        manage_temporal=True,
    )
    yield s
    processes.stop_all(s)


async def _roundtrip(settings: Settings) -> bytes:
    key = uuid.uuid4().hex.encode()
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(POLICE_VERDICTS, b"verdict", key=key)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        POLICE_VERDICTS,
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=f"test-{key.decode()}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        async with asyncio.timeout(30):
            async for msg in consumer:
                if msg.key == key:
                    return msg.value
    finally:
        await consumer.stop()
    raise AssertionError("unreachable")


async def _custom_search_attributes(settings: Settings) -> dict[str, int]:
    client = await temporal.connect(settings)
    resp = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=settings.temporal_namespace)
    )
    return dict(resp.custom_attributes)


def test_up_is_idempotent_and_survives_down(settings: Settings) -> None:
    stack.up(settings)
    pids = processes.running(settings)
    assert set(pids) == {"kafka", "temporal"}
    assert stack.status(settings) == 0

    stack.up(settings)  # second up: same processes, nothing restarted
    assert processes.running(settings) == pids

    assert asyncio.run(_roundtrip(settings)) == b"verdict"
    assert set(kafka.describe(settings)["topics"]) >= set(ALL_TOPICS)
    attrs = asyncio.run(_custom_search_attributes(settings))
    assert {k.name for k in SEARCH_ATTRIBUTES} <= set(attrs)

    assert set(stack.down(settings)) == {"kafka", "temporal"}
    assert processes.running(settings) == {}
    assert not any(processes._alive(pid) for pid in pids.values())
    assert stack.status(settings) == stack.EXIT_UNHEALTHY

    stack.up(settings)  # restart on the existing data
    assert stack.status(settings) == 0
    assert asyncio.run(_roundtrip(settings)) == b"verdict"
