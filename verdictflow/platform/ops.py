"""What needs a person now: the operator's overview behind ``verdictflow ops``.

Five questions, each answered from where the truth of it is kept:

- **overdue tasks**: the read model's open tasks past their due date;
- **receipts overdue**: cases still in stage ``disclosed`` (sent, no receipt) for longer
  than ``VF_RECEIPT_TIMEOUT_SECONDS``; the case sends again, a person asks why;
- **failing activities**: Temporal's pending activities of running workflows that are on
  their second attempt or later, with the failure's *type* only: messages are encrypted
  by the failure converter and may quote data, so they are never printed here;
- **dead letters**: per topic, how many and the oldest one's reason (``platform.dlq``);
- **ingest lag**: per partition, the end offset minus ingest's committed offset.

Ids only (case, task, organisation, topic): nothing personal is printed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlmodel import col, select
from temporalio.client import Client

from verdictflow.domain.dead_letter_reasons import reason_code
from verdictflow.domain.topics import HOUSING_RECEIPTS, POLICE_VERDICTS, TOPICS
from verdictflow.platform.database import Database
from verdictflow.platform.dlq import list_dead_letters
from verdictflow.platform.readmodel import CaseRecord, Task
from verdictflow.platform.settings import Settings

INGEST_GROUP = "verdictflow-ingest"  # services.ingest.service.GROUP_ID (a layer above)
INGEST_TOPICS = (POLICE_VERDICTS, HOUSING_RECEIPTS)


@dataclass
class OverdueTask:
    task_id: str
    case_id: str
    kind: str
    org_id: str
    due_on: str
    days_overdue: int


@dataclass
class ReceiptOverdue:
    case_id: str
    housing_org_id: str | None
    disclosed_at: str
    waiting_seconds: int


@dataclass
class FailingActivity:
    workflow_id: str
    workflow_type: str
    activity_type: str
    attempt: int
    failure_type: str | None


@dataclass
class DeadLetterDepth:
    topic: str
    depth: int
    oldest_reason: str | None = None
    oldest_reason_code: str | None = None
    oldest_position: str | None = None


@dataclass
class PartitionLag:
    topic: str
    partition: int
    end_offset: int
    committed: int | None
    lag: int


@dataclass
class Overview:
    overdue_tasks: list[OverdueTask] = field(default_factory=list)
    receipts_overdue: list[ReceiptOverdue] = field(default_factory=list)
    failing_activities: list[FailingActivity] = field(default_factory=list)
    dead_letters: list[DeadLetterDepth] = field(default_factory=list)
    ingest_lag: list[PartitionLag] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)  # part -> why it is missing


def overdue_tasks(db: Database, today: date) -> list[OverdueTask]:
    with db.session() as s:
        rows = s.exec(select(Task).where(Task.status == "open", col(Task.due_on) < today)
                      .order_by(col(Task.due_on))).all()
    return [OverdueTask(t.task_id, t.case_id, t.kind, t.org_id, str(t.due_on),
                        (today - t.due_on).days) for t in rows if t.due_on is not None]


def receipts_overdue(db: Database, timeout_seconds: int, now: datetime) -> list[ReceiptOverdue]:
    with db.session() as s:
        rows = s.exec(select(CaseRecord).where(CaseRecord.stage == "disclosed")
                      .order_by(col(CaseRecord.updated_at))).all()
    late = []
    for case in rows:
        at = case.updated_at if case.updated_at.tzinfo else case.updated_at.replace(tzinfo=UTC)
        if now - at > timedelta(seconds=timeout_seconds):
            late.append(ReceiptOverdue(case.case_id, case.housing_org_id, at.isoformat(),
                                       int((now - at).total_seconds())))
    return late


async def failing_activities(client: Client, *, min_attempt: int = 2,
                             limit: int = 1000) -> list[FailingActivity]:
    """Pending activities on attempt ``min_attempt`` or later, of up to ``limit`` running
    workflows (one describe each)."""
    failing = []
    seen = 0
    async for execution in client.list_workflows('ExecutionStatus="Running"'):
        seen += 1
        if seen > limit:
            break
        described = await client.get_workflow_handle(execution.id,
                                                     run_id=execution.run_id).describe()
        for pending in described.raw_description.pending_activities:
            if pending.attempt < min_attempt:
                continue
            failure = pending.last_failure if pending.HasField("last_failure") else None
            failure_type = None
            if failure is not None:
                failure_type = (failure.application_failure_info.type
                                if failure.HasField("application_failure_info")
                                else failure.WhichOneof("failure_info"))
            failing.append(FailingActivity(execution.id, execution.workflow_type,
                                           pending.activity_type.name, pending.attempt,
                                           failure_type or None))
    return failing


async def dead_letter_depths(settings: Settings,
                             topics: tuple[str, ...] = TOPICS) -> list[DeadLetterDepth]:
    depths = []
    for topic in topics:
        letters = await list_dead_letters(settings, topic)
        depth = DeadLetterDepth(topic, len(letters))
        if letters:
            oldest = min(letters, key=lambda d: (d.timestamp_ms, d.partition, d.offset))
            depth.oldest_reason = oldest.reason
            depth.oldest_reason_code = reason_code(oldest.reason)
            depth.oldest_position = f"{oldest.partition}:{oldest.offset}"
        depths.append(depth)
    return depths


async def consumer_lag(settings: Settings, group: str = INGEST_GROUP,
                       topics: tuple[str, ...] = INGEST_TOPICS) -> list[PartitionLag]:
    """End offset minus the group's committed offset, per partition (nothing committed
    yet: everything from the beginning counts)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap,
                                enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        described = await admin.describe_topics(list(topics))
        partitions = [TopicPartition(d["topic"], p["partition"]) for d in described
                      for p in sorted(d.get("partitions", []), key=lambda p: p["partition"])]
        if not partitions:
            return []
        ends = await consumer.end_offsets(partitions)
        begins = await consumer.beginning_offsets(partitions)
        lags = []
        for tp in partitions:
            offset = committed.get(tp)
            at = offset.offset if offset is not None and offset.offset >= 0 else None
            lags.append(PartitionLag(tp.topic, tp.partition, ends[tp], at,
                                     ends[tp] - (at if at is not None else begins[tp])))
        return lags
    finally:
        await consumer.stop()
        await admin.close()


async def overview(settings: Settings, db: Database, client: Client | None,
                   now: datetime | None = None) -> Overview:
    """Everything above; a part whose source is away is named in ``unavailable``."""
    now = now or datetime.now(UTC)
    result = Overview(
        overdue_tasks=await asyncio.to_thread(overdue_tasks, db, now.date()),
        receipts_overdue=await asyncio.to_thread(receipts_overdue, db,
                                                 settings.receipt_timeout_seconds, now))
    if client is None:
        result.unavailable["failing_activities"] = "Temporal not reachable"
    else:
        try:
            result.failing_activities = await failing_activities(client)
        except Exception as exc:  # noqa: BLE001 - the rest of the overview still helps
            result.unavailable["failing_activities"] = type(exc).__name__
    try:
        result.dead_letters = await asyncio.wait_for(dead_letter_depths(settings), 60)
        result.ingest_lag = await asyncio.wait_for(consumer_lag(settings), 30)
    except Exception as exc:  # noqa: BLE001 - Kafka away: say so, show the rest
        result.unavailable["kafka"] = type(exc).__name__
    return result
