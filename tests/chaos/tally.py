"""Counting what the system produced, from its real outputs, never from its own counters.

- cases: executions of the ``VerdictCase`` workflow in Temporal, by workflow id (the
  case id, an HMAC of the verdict id). Two runs under one id would be two cases.
- disclosures: distinct disclosure ids of ``sealed`` events on ``housing.disclosures.v1``,
  per case; the same event read twice (at-least-once) is one disclosure, a second id is
  a second disclosure.
- kept: what the housing gateways' store kept, per case.
- tasks: decision tasks in the read model, per case.

Per kind, ``lost`` is the expected cases without a record and ``doubled`` the records
beyond one per case; the figures add them up over the kinds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlmodel import Session, select

from infra.temporal import connect
from services.gateway.inbox import ReceivedDisclosure, gateway_store
from services.gateway.service import MULTI_GROUP_ID as GATEWAYS_GROUP
from services.ingest.service import GROUP_ID as INGEST_GROUP
from tests.integration.platform import read_topic
from verdictflow.domain.topics import (
    DISCLOSURE_SEALED,
    HOUSING_DISCLOSURES,
    HOUSING_RECEIPTS,
    POLICE_VERDICTS,
)
from verdictflow.platform.database import Database
from verdictflow.platform.readmodel import Task, read_model_database
from verdictflow.platform.settings import Settings

KINDS = ("cases", "disclosures", "kept", "tasks")


@dataclass(frozen=True)
class Tally:
    expected: int
    found: dict[str, Counter[str]]  # kind -> case id -> records found

    def total(self, kind: str) -> int:
        return sum(self.found[kind].values())

    def lost_of(self, kind: str) -> int:
        return self.expected - len(self.found[kind])

    def doubled_of(self, kind: str) -> int:
        return sum(n - 1 for n in self.found[kind].values() if n > 1)

    @property
    def lost(self) -> int:
        return sum(self.lost_of(k) for k in KINDS)

    @property
    def doubled(self) -> int:
        return sum(self.doubled_of(k) for k in KINDS)

    @property
    def complete(self) -> bool:
        return self.lost == 0

    def figures(self) -> dict[str, int]:
        return {k: self.total(k) for k in KINDS} | {"lost": self.lost, "doubled": self.doubled}

    def detail(self) -> dict[str, dict[str, int]]:
        """Per kind, for a failure message."""
        return {k: {"lost": self.lost_of(k), "doubled": self.doubled_of(k)} for k in KINDS}


def _only(case_ids: Collection[str], pairs: Iterable[tuple[str, str]]) -> Counter[str]:
    """Distinct (case, record) pairs, counted per case of ``case_ids``."""
    return Counter(case for case, _ in set(pairs) if case in case_ids)


async def case_runs(settings: Settings, case_ids: Collection[str]) -> Counter[str]:
    client = await connect(settings, timeout=10)
    runs = []
    async for wf in client.list_workflows("WorkflowType = 'VerdictCase'"):
        runs.append((wf.id, wf.run_id))
    return _only(case_ids, runs)


async def sealed_disclosures(settings: Settings, case_ids: Collection[str]) -> Counter[str]:
    pairs = []
    for record in await read_topic(settings, HOUSING_DISCLOSURES):
        event = json.loads(record.value)
        if event.get("type") == DISCLOSURE_SEALED:
            pairs.append((event["data"]["case_id"], event["data"]["disclosure_id"]))
    return _only(case_ids, pairs)


@contextlib.contextmanager
def reading(db: Database) -> Iterator[Session]:
    """A session on a database opened for this one look: the observer holds no connection
    between looks, while the processes of the system under test are killed and restarted."""
    try:
        with db.session() as s:
            yield s
    finally:
        db.dispose()


def kept_disclosures(settings: Settings, case_ids: Collection[str]) -> Counter[str]:
    with reading(gateway_store(settings)) as s:
        rows = s.exec(select(ReceivedDisclosure.case_id, ReceivedDisclosure.disclosure_id))
        return _only(case_ids, [(c, d) for c, d in rows])


def decision_tasks(settings: Settings, case_ids: Collection[str]) -> Counter[str]:
    with reading(read_model_database(settings)) as s:
        rows = s.exec(select(Task.case_id, Task.task_id).where(Task.kind == "decision"))
        return _only(case_ids, [(c, t) for c, t in rows])


async def count(settings: Settings, case_ids: Collection[str]) -> Tally:
    return Tally(len(case_ids), {
        "cases": await case_runs(settings, case_ids),
        "disclosures": await sealed_disclosures(settings, case_ids),
        "kept": kept_disclosures(settings, case_ids),
        "tasks": decision_tasks(settings, case_ids),
    })


async def backlog(settings: Settings, orgs: Collection[str]) -> int:
    """Records on the inputs not yet committed by the services that consume them."""
    groups = {INGEST_GROUP: (POLICE_VERDICTS, HOUSING_RECEIPTS)}
    # The system runs `gateway --all`: one group for every organisation's gateway.
    groups[GATEWAYS_GROUP] = (HOUSING_DISCLOSURES,)
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    reader = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap,
                              enable_auto_commit=False)
    await admin.start()
    await reader.start()
    try:
        # A consumer without a subscription tracks no topic's partitions; ask the cluster.
        metadata = await reader._client.fetch_all_metadata()
        behind = 0
        for group, topics in groups.items():
            committed = await admin.list_consumer_group_offsets(group)
            partitions = [TopicPartition(t, p) for t in topics
                          for p in sorted(metadata.partitions_for_topic(t) or ())]
            ends = await reader.end_offsets(partitions)
            behind += sum(end - (committed[tp].offset if tp in committed else 0)
                          for tp, end in ends.items())
        return behind
    finally:
        await reader.stop()
        await admin.close()


async def settle(settings: Settings, case_ids: Collection[str], orgs: Collection[str],
                 timeout: float, alive: Callable[[], None]) -> Tally:
    """Waits until every case has all its records and the inputs are drained, or the
    deadline passes; then counts once more. ``alive()`` fails the wait if a part died."""
    deadline = time.monotonic() + timeout
    while True:
        alive()
        # The read model is cheap to ask: the whole count only once it looks complete.
        ready = len(decision_tasks(settings, case_ids)) == len(case_ids)
        if ready and (await count(settings, case_ids)).complete \
                and await backlog(settings, orgs) == 0:
            return await count(settings, case_ids)
        if time.monotonic() > deadline:
            return await count(settings, case_ids)
        await asyncio.sleep(1)
