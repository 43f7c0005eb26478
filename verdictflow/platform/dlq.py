"""Operating the dead-letter topics: see what was refused and why, and send it again.

``list_dead_letters`` shows ids, reasons and where each original came from, never its
content. ``replay`` puts one original back on its topic once the cause is mended (a key
provisioned, a consumer fixed): a sealed copy is opened, a reference is followed to the
original at its offset and checked against its SHA-256. A replay is audited, and harmless
if the original was applied after all: every consumer acts once per event id.

``replay_all`` (``verdictflow ops dlq replay TOPIC``) re-drives every letter of a topic
that can be read now, each once: a replay is recorded in ``dead_letter_replays`` keyed on
the letter's partition and offset, after it was published (a crash in between replays it
again, which the consumers' de-duplication by event id absorbs). A letter whose original
was itself a replay (it failed again) is left for a person to look at, not looped.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from cryptography.exceptions import InvalidTag
from sqlmodel import select

from verdictflow.domain.topics import TOPICS, dlq
from verdictflow.platform.audit import DLQ_REPLAY, record_audit
from verdictflow.platform.database import Database
from verdictflow.platform.deadletter import KIND_HEADER, open_dead_letter
from verdictflow.platform.kafka import KAFKA_MAX_MESSAGE_BYTES, EventPublisher, Record
from verdictflow.platform.keys import KeyStore
from verdictflow.platform.readmodel import DeadLetterReplay
from verdictflow.platform.settings import Settings

REPLAYED_FROM = "dlq-replayed-from"


class DeadLetterError(Exception):
    """Why a dead letter cannot be replayed."""


@dataclass
class DeadLetter:
    partition: int
    offset: int
    kind: str
    reason: str
    original_topic: str
    original_partition: int
    original_offset: int
    size: int
    replayed_from: str | None = None  # the original was a replay of PARTITION:OFFSET
    timestamp_ms: int = 0  # when it was dead-lettered (the broker's record time)


def _headers(record: Record) -> dict[str, bytes]:
    return {k: v for k, v in (record.headers or [])}


def describe(record: Record) -> DeadLetter:
    h = _headers(record)
    return DeadLetter(
        partition=record.partition, offset=record.offset,
        kind=h.get(KIND_HEADER, b"copy").decode(),  # letters written before references
        reason=h.get("dlq-reason", b"").decode(errors="replace"),
        original_topic=h.get("dlq-original-topic", b"").decode(errors="replace"),
        original_partition=int(h.get("dlq-original-partition", b"-1")),
        original_offset=int(h.get("dlq-original-offset", b"-1")),
        size=len(record.value or b""),
        replayed_from=h[REPLAYED_FROM].decode(errors="replace") if REPLAYED_FROM in h else None,
        timestamp_ms=int(getattr(record, "timestamp", 0) or 0),
    )


def _consumer(settings: Settings) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False,
                            fetch_max_bytes=2 * KAFKA_MAX_MESSAGE_BYTES)


async def _read(consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int) -> Record:
    consumer.assign([tp])
    consumer.seek(tp, offset)
    batch = await consumer.getmany(tp, timeout_ms=5000, max_records=1)
    records = batch.get(tp, [])
    if not records or records[0].offset != offset:
        raise DeadLetterError(f"{tp.topic}[{tp.partition}] has no record at offset {offset} "
                              "(past its retention?)")
    return records[0]


def _checked_topic(topic: str) -> str:
    if topic not in TOPICS:
        raise DeadLetterError(f"unknown topic {topic!r}; one of: {', '.join(TOPICS)}")
    return topic


async def _partitions(settings: Settings, topic: str) -> list[int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
        return sorted(p["partition"] for p in described.get("partitions", []))
    finally:
        await admin.close()


async def list_dead_letters(settings: Settings, topic: str) -> list[DeadLetter]:
    """Every dead letter of ``topic`` now on ``<topic>.dlq``, oldest first per partition."""
    name = dlq(_checked_topic(topic))
    consumer = _consumer(settings)
    await consumer.start()
    try:
        partitions = [TopicPartition(name, p) for p in await _partitions(settings, name)]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        letters: list[DeadLetter] = []
        while any([await consumer.position(tp) < end[tp] for tp in partitions]):
            batch = await consumer.getmany(*partitions, timeout_ms=1000)
            letters += [describe(r) for records in batch.values() for r in records]
        return letters
    finally:
        await consumer.stop()


async def original_of(settings: Settings, keys: KeyStore, topic: str, partition: int,
                      offset: int) -> tuple[DeadLetter, bytes | None, bytes]:
    """The dead letter at ``<topic>.dlq`` partition/offset, and the key and bytes of the
    original it keeps (opened, if sealed) or refers to (fetched from its offset)."""
    consumer = _consumer(settings)
    await consumer.start()
    try:
        letter_record = await _read(consumer, TopicPartition(dlq(_checked_topic(topic)),
                                                             partition), offset)
        letter = describe(letter_record)
        if letter.kind != "reference":
            return letter, letter_record.key, open_dead_letter(
                letter_record.value or b"", _headers(letter_record), keys)
        ref = json.loads(letter_record.value or b"{}")["original"]
        original = await _read(consumer, TopicPartition(ref["topic"], ref["partition"]),
                               ref["offset"])
        value = original.value or b""
        if hashlib.sha256(value).hexdigest() != ref["sha256"]:
            raise DeadLetterError("the record at the referenced offset is not the original "
                                  "(SHA-256 differs)")
        return letter, original.key, value
    finally:
        await consumer.stop()


async def replay(settings: Settings, keys: KeyStore, audit_log: Database, topic: str,
                 partition: int, offset: int, actor: str = "operator") -> DeadLetter:
    """Publishes the original of one dead letter to its topic again (audited in
    ``audit_log``, the read model's)."""
    letter, key, value = await original_of(settings, keys, topic, partition, offset)
    if letter.original_topic != topic:
        raise DeadLetterError(f"the dead letter came from {letter.original_topic}, not {topic}")
    async with EventPublisher(settings) as publisher:
        await publisher.publish_raw(topic, key, value, [(REPLAYED_FROM,
                                                         f"{partition}:{offset}".encode())])
    _record_replay(audit_log, topic, partition, offset, actor)
    record_audit(audit_log, actor=actor, action=DLQ_REPLAY,
                 detail=f"{dlq(topic)} {partition}:{offset}")
    return letter


def _record_replay(db: Database, topic: str, partition: int, offset: int, actor: str) -> None:
    with db.session() as s:
        if s.get(DeadLetterReplay, (topic, partition, offset)) is None:
            s.add(DeadLetterReplay(topic=topic, partition=partition, offset=offset, actor=actor))
            s.commit()


def _replayed(db: Database, topic: str) -> set[tuple[int, int]]:
    with db.session() as s:
        return {(r.partition, r.offset) for r in s.exec(
            select(DeadLetterReplay).where(DeadLetterReplay.topic == topic))}


@dataclass
class ReplayReport:
    topic: str
    replayed: list[str] = field(default_factory=list)  # PARTITION:OFFSET on <topic>.dlq
    before: list[str] = field(default_factory=list)  # replayed by an earlier run
    failed_again: list[str] = field(default_factory=list)  # a replay dead-lettered again
    unreadable: dict[str, str] = field(default_factory=dict)  # position -> why


async def replay_all(settings: Settings, keys: KeyStore, read_model: Database, topic: str,
                     actor: str = "operator") -> ReplayReport:
    """Re-drives every dead letter of ``topic`` that can be read now, each once."""
    report = ReplayReport(topic)
    done = _replayed(read_model, topic)
    for letter in await list_dead_letters(settings, topic):
        position = f"{letter.partition}:{letter.offset}"
        if (letter.partition, letter.offset) in done:
            report.before.append(position)
        elif letter.replayed_from is not None:
            report.failed_again.append(position)
        else:
            try:
                await replay(settings, keys, read_model, topic, letter.partition,
                             letter.offset, actor)
            except (DeadLetterError, KeyError, InvalidTag) as exc:
                # A key not (yet) provisioned, an original past retention: not now.
                report.unreadable[position] = str(exc) if isinstance(
                    exc, DeadLetterError) else type(exc).__name__
                continue
            report.replayed.append(position)
    return report
