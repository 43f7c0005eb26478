"""The delivery rule every consumer follows, on stand-in records (no broker needed)."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass, field

import pytest
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, MessageSizeTooLargeError
from temporalio.service import RPCError, RPCStatusCode

from verdictflow.platform import delivery
from verdictflow.platform.deadletter import MAX_COPY_BYTES, DeadLetters
from verdictflow.platform.delivery import Poison, deliver, is_transient
from verdictflow.platform.kafka import start_when_reachable


@dataclass
class Record:
    topic: str = "police.verdicts.v1"
    partition: int = 0
    offset: int = 7
    key: bytes | None = b"KBV-1"
    value: bytes | None = b"{}"
    headers: list = field(default_factory=list)


class Log:
    def __init__(self) -> None:
        self.lines: list[tuple[str, dict]] = []

    def warning(self, event: str, **kw: object) -> None:
        self.lines.append((event, kw))

    error = warning


_sleep = asyncio.sleep


async def instant(_delay: float) -> None:
    await _sleep(0)


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery.asyncio, "sleep", instant)  # back-off without the wait


def failing(*errors: BaseException):  # noqa: ANN201
    queue = list(errors)

    async def handle(_record: Record) -> None:
        if queue:
            raise queue.pop(0)

    return handle


async def collect(record: Record, handle) -> tuple[bool, list[str]]:  # noqa: ANN001
    letters: list[str] = []

    async def dead_letter(_r: Record, reason: str) -> None:
        letters.append(reason)

    applied = await deliver(record, handle, dead_letter, Log())
    return applied, letters


@pytest.mark.parametrize("error", [
    RPCError("away", RPCStatusCode.UNAVAILABLE, b""), KafkaConnectionError(),
    KafkaTimeoutError(), sqlite3.OperationalError("database is locked"), ConnectionResetError(),
])
def test_infrastructure_failures_are_transient(error: BaseException) -> None:
    assert is_transient(error)


@pytest.mark.parametrize("error", [
    RecursionError(), KeyError("x"), ValueError("x"), MessageSizeTooLargeError(),
    RPCError("no", RPCStatusCode.NOT_FOUND, b""),
])
def test_everything_else_is_not(error: BaseException) -> None:
    assert not is_transient(error)


async def test_transient_failures_are_waited_for_without_limit() -> None:
    away = [RPCError("away", RPCStatusCode.UNAVAILABLE, b"")] * 50
    assert await collect(Record(), failing(*away)) == (True, [])


async def test_poison_is_dead_lettered_at_once_with_its_reason() -> None:
    calls = 0

    async def handle(_r: Record) -> None:
        nonlocal calls
        calls += 1
        raise Poison("invalid event: data.court is missing")

    assert await collect(Record(), handle) == (False, ["invalid event: data.court is missing"])
    assert calls == 1


async def test_an_unexpected_failure_is_dead_lettered_after_three_attempts() -> None:
    # The RecursionError of a deeply nested event once held every partition for ever.
    applied, letters = await collect(Record(), failing(*[RecursionError("deep")] * 3))
    assert not applied
    assert letters == ["could not be handled after 3 attempts (RecursionError)"]


async def test_one_unexpected_failure_is_retried_and_applied() -> None:
    assert await collect(Record(), failing(KeyError("flaky"))) == (True, [])


class Publisher:
    def __init__(self, refuse_over: int | None = None) -> None:
        self.sent: list[tuple[str, bytes | None, bytes, list]] = []
        self.refuse_over = refuse_over

    async def publish_raw(self, topic: str, key: bytes | None, value: bytes,
                          headers: list) -> None:
        if self.refuse_over is not None and len(value) > self.refuse_over:
            raise MessageSizeTooLargeError()
        self.sent.append((topic, key, value, headers))


async def test_a_record_too_large_to_copy_is_dead_lettered_as_a_reference() -> None:
    publisher = Publisher()
    letters = DeadLetters(publisher)  # type: ignore[arg-type]
    await letters(Record(value=b"x" * (MAX_COPY_BYTES + 1)), "event is larger than 65536 bytes")
    [(topic, key, value, headers)] = publisher.sent
    assert topic == "police.verdicts.v1.dlq" and key == b"KBV-1"
    assert dict(headers)["dlq-kind"] == b"reference" and len(value) < 1000
    assert b'"size": %d' % (MAX_COPY_BYTES + 1) in value


async def test_a_copy_the_broker_refuses_falls_back_to_a_reference() -> None:
    publisher = Publisher(refuse_over=1000)
    letters = DeadLetters(publisher)  # type: ignore[arg-type]
    await letters(Record(value=b"y" * 5000), "invalid event")
    assert [dict(h)["dlq-kind"] for *_, h in publisher.sent] == [b"reference"]


async def test_a_small_record_is_copied_with_its_origin() -> None:
    publisher = Publisher()
    await DeadLetters(publisher)(Record(value=b"{oops"), "not JSON")  # type: ignore[arg-type]
    [(_, _, value, headers)] = publisher.sent
    h = dict(headers)
    assert value == b"{oops" and h["dlq-kind"] == b"copy"
    assert (h["dlq-reason"], h["dlq-original-offset"]) == (b"not JSON", b"7")


async def test_a_client_waits_for_the_broker_to_come_back() -> None:
    attempts = 0

    class Client:
        async def start(self) -> None:
            nonlocal attempts
            attempts += 1
            if attempts < 4:
                raise KafkaConnectionError()

    await start_when_reachable(Client())
    assert attempts == 4


# -- lanes: one case's records in order, different cases at once --------------------------
def by_key(record: Record) -> str:
    return (record.key or b"").decode()


async def test_lanes_keep_each_lanes_order_and_run_lanes_at_once() -> None:
    records = [Record(offset=i, key=k) for i, k in enumerate([b"a", b"b", b"a", b"b"])]
    b_started = asyncio.Event()
    done: list[int] = []

    async def handle(record: Record) -> None:
        if record.offset == 0:  # a's first waits for b's first: one at a time would never end
            await asyncio.wait_for(b_started.wait(), timeout=5)
        if record.offset == 1:
            b_started.set()
        done.append(record.offset)

    letters: list[str] = []

    async def dead_letter(_r: Record, reason: str) -> None:
        letters.append(reason)

    await delivery.deliver_in_lanes(records, by_key, 4, handle, dead_letter, Log())
    assert sorted(done) == [0, 1, 2, 3] and letters == []
    assert done.index(0) < done.index(2) and done.index(1) < done.index(3)
    assert done.index(1) < done.index(0)  # b went while a's first waited


async def test_a_poison_record_in_one_lane_is_dead_lettered_and_the_rest_applied() -> None:
    records = [Record(offset=i, key=k) for i, k in enumerate([b"a", b"a", b"b"])]
    applied: list[int] = []
    letters: list[tuple[int, str]] = []

    async def handle(record: Record) -> None:
        if record.offset == 0:
            raise Poison("receipt refused: case has sent no disclosure")
        applied.append(record.offset)

    async def dead_letter(record: Record, reason: str) -> None:
        letters.append((record.offset, reason))

    await delivery.deliver_in_lanes(records, by_key, 2, handle, dead_letter, Log())
    assert sorted(applied) == [1, 2]
    assert letters == [(0, "receipt refused: case has sent no disclosure")]


class Stop(Exception):
    pass


class Consumer:
    """One batch, then ``Stop``; each commit notes which records were applied by then."""

    def __init__(self, batch: dict[object, list[Record]]) -> None:
        self.batch = batch
        self.commits: list[tuple[dict, list[int]]] = []
        self.applied: list[int] = []

    async def getmany(self, **_kw: object) -> dict[object, list[Record]]:
        if self.batch is None:
            raise Stop
        batch, self.batch = self.batch, None  # type: ignore[assignment]
        return batch

    async def commit(self, offsets: dict) -> None:
        self.commits.append((offsets, sorted(self.applied)))

    def highwater(self, _tp: object) -> None:
        return None


async def test_with_lanes_a_partition_is_committed_only_after_all_its_records() -> None:
    records = [Record(offset=i, key=k) for i, k in enumerate([b"a", b"b", b"c", b"a"])]
    consumer = Consumer({"tp0": records})
    release = asyncio.Event()

    async def handle(record: Record) -> None:
        if record.key == b"c":
            await asyncio.wait_for(release.wait(), timeout=5)  # the slow lane
        elif record.offset == 3:
            release.set()
        consumer.applied.append(record.offset)

    async def dead_letter(_r: Record, _reason: str) -> None:
        raise AssertionError("nothing here is poison")

    with pytest.raises(Stop):
        await delivery.consume(consumer, handle, dead_letter, Log(),  # type: ignore[arg-type]
                               lane=by_key, lanes=3)
    assert consumer.commits == [({"tp0": 4}, [0, 1, 2, 3])]
