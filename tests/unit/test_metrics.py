"""Each process's /metrics serves the series the README names, with bounded, PII-free labels.

The worker's, ingest's, the gateways' and the codec server's endpoints are scraped over
HTTP on loopback ports (``serve_metrics``, as the CLI starts them); the API's is its own
app's ``/metrics``. The values come from the real code paths: ``record_stage`` and
``close_task`` on a real read model, ``DeadLetters``, ``delivery.consume``, a decode.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from aiokafka import TopicPartition
from fastapi.testclient import TestClient
from google.protobuf import json_format
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from temporalio.api.common.v1 import Payload, Payloads

from activities.casebook import CaseBookActivities
from services.api.app import create_app
from services.codec_server.app import create_codec_app
from tests.unit.test_delivery import Record
from verdictflow.domain.dead_letter_reasons import REASON_CODES, reason_code
from verdictflow.platform.deadletter import DeadLetters
from verdictflow.platform.delivery import consume
from verdictflow.platform.identity_provider import issue_dev_token
from verdictflow.platform.keys import FileKeyStore
from verdictflow.platform.metrics import serve_metrics
from verdictflow.platform.readmodel import CaseRecord, Task, read_model_database
from verdictflow.platform.settings import Settings
from workflows.case.messages import StageChange, TaskClosing, TaskOpening

CASE = "case-" + "7" * 32
CPR = "0101901234"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scrape(port: int) -> dict[str, list[Any]]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert CASE not in text and CPR not in text
    families = text_string_to_metric_families(text)
    return {f.name: f.samples for f in families}


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class StubPublisher:
    def __init__(self) -> None:
        self.raw: list[tuple[str, bytes | None, bytes, list[Any]]] = []

    async def publish(self, topic: str, key: str, event: dict[str, Any],
                      headers: Any = None) -> None:
        pass

    async def publish_in_order(self, topic: str, events: list[tuple[str, dict[str, Any]]],
                               ) -> None:
        for key, event in events:
            await self.publish(topic, key, event)

    async def publish_raw(self, topic: str, key: bytes | None, value: bytes,
                          headers: list[Any]) -> None:
        self.raw.append((topic, key, value, headers))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(environment="test", state_dir=tmp_path, receipt_timeout_seconds=3600,
                    metrics_port_worker=free_port(), metrics_port_ingest=free_port(),
                    metrics_port_gateways=free_port(), metrics_port_codec_server=free_port())


def _change(seq: int, stage: str) -> StageChange:
    return StageChange(case_id=CASE, seq=seq, stage=stage, at="2026-03-01T10:00:00+00:00",
                       person_ref="p-" + "a" * 20)


async def test_worker_stage_transitions_and_decision_latency(settings: Settings) -> None:
    db = read_model_database(settings)
    book = CaseBookActivities(SimpleNamespace(read_model=db, publisher=StubPublisher()))  # type: ignore[arg-type]
    before = value("verdictflow_stage_transitions_total", stage="disclosed")
    latency_before = value("verdictflow_decision_latency_seconds_count",
                           kind="decision", status="done")
    port = serve_metrics(settings, "worker")

    await book.record_stage(_change(1, "disclosed"))
    await book.record_stage(_change(1, "disclosed"))  # a retry: counted once
    await book.open_task(TaskOpening(task_id=f"{CASE}-decision", case_id=CASE,
                                     kind="decision", org_id="fob-slagelse",
                                     due_on="2026-03-15"))
    await book.close_task(TaskClosing(task_id=f"{CASE}-decision", status="done",
                                      outcome="warn", decided_by="cw-1"))
    await book.close_task(TaskClosing(task_id=f"{CASE}-decision", status="done",
                                      outcome="warn", decided_by="cw-1"))  # once

    series = scrape(port)
    [transitions] = [s for s in series["verdictflow_stage_transitions"]
                     if s.name.endswith("_total") and s.labels == {"stage": "disclosed"}]
    assert transitions.value == before + 1
    counts = [s for s in series["verdictflow_decision_latency_seconds"]
              if s.name.endswith("_count") and s.labels == {"kind": "decision",
                                                             "status": "done"}]
    assert counts[0].value == latency_before + 1
    db.dispose()


async def test_ingest_dead_letters_by_reason_code_never_the_text(settings: Settings) -> None:
    letters = DeadLetters(StubPublisher())  # type: ignore[arg-type]
    before = value("verdictflow_dead_letters_total", topic="police.verdicts.v1",
                   reason="no_open_case")
    port = serve_metrics(settings, "ingest")

    await letters(Record(topic="police.verdicts.v1", value=b"{}"),
                  f"no open case {CASE} for this event")  # type: ignore[arg-type]

    samples = scrape(port)["verdictflow_dead_letters"]
    [ours] = [s for s in samples if s.labels == {"topic": "police.verdicts.v1",
                                                 "reason": "no_open_case"}]
    assert ours.value == before + 1
    assert {s.labels["reason"] for s in samples} <= REASON_CODES


def test_reason_codes_are_bounded() -> None:
    assert reason_code("invalid event: data.person.cpr: 0101901234 is not valid") \
        == "invalid_event"
    assert reason_code(f"case {CASE} could not say what it sent") == "case_unanswered"
    assert reason_code("could not be handled after 3 attempts (KeyError)") == "handler_failed"
    assert reason_code("something new Jens Hansen") == "other"


class FakeConsumer:
    """Two records of partition 0 fetched, the broker's end offset at 10; then stop."""

    def __init__(self) -> None:
        self.tp = TopicPartition("disclosures.v1", 0)
        self.calls = 0
        self.committed: dict[TopicPartition, int] = {}

    async def getmany(self, timeout_ms: int = 0, max_records: int = 0) -> Any:
        self.calls += 1
        if self.calls == 1:
            return {self.tp: [Record(topic=self.tp.topic, partition=0, offset=o, value=b"{}")
                              for o in (3, 4)]}
        if self.calls == 2:
            return {}
        raise asyncio.CancelledError

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.committed.update(offsets)

    def highwater(self, tp: TopicPartition) -> int:
        return 10

    def assignment(self) -> set[TopicPartition]:
        return {self.tp}

    async def position(self, tp: TopicPartition) -> int:
        return self.committed[tp]


async def test_consumer_lag_per_partition(settings: Settings) -> None:
    consumer = FakeConsumer()
    seen: list[float] = []

    async def handle(record: Any) -> None:
        pass

    async def dead_letter(record: Any, reason: str) -> None:
        raise AssertionError("nothing is dead-lettered here")

    original = consumer.getmany

    async def getmany(**kw: Any) -> Any:
        if consumer.calls == 1:  # after the first batch was committed
            seen.append(value("verdictflow_consumer_lag_messages", topic="disclosures.v1",
                              partition="0"))
        return await original(**kw)

    consumer.getmany = getmany  # type: ignore[method-assign]
    port = serve_metrics(settings, "gateways")
    with pytest.raises(asyncio.CancelledError):
        await consume(consumer, handle, dead_letter, SimpleNamespace())  # type: ignore[arg-type]

    assert seen == [10 - 5]  # end offset 10, next to read 5
    [lag] = [s for s in scrape(port)["verdictflow_consumer_lag_messages"]
             if s.labels == {"topic": "disclosures.v1", "partition": "0"}]
    assert lag.value == 5


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    db = read_model_database(settings)
    now = datetime.now(UTC)
    with db.session() as s:
        s.add(CaseRecord(case_id=CASE, stage="disclosed", updated_at=now - timedelta(hours=2)))
        s.add(CaseRecord(case_id="case-" + "8" * 32, stage="disclosed", updated_at=now))
        s.add(CaseRecord(case_id="case-" + "9" * 32, stage="awaiting_decision"))
        s.add(Task(task_id="t-late", case_id=CASE, kind="decision", org_id="fob-slagelse",
                   due_on=date.today() - timedelta(days=1)))
        s.add(Task(task_id="t-fresh", case_id=CASE, kind="review", org_id="x",
                   due_on=date.today() + timedelta(days=5)))
        s.commit()
    with TestClient(create_app(settings, database=db)) as client:
        yield client
    db.dispose()


def test_api_serves_the_read_model_gauges(api: TestClient) -> None:
    r = api.get("/metrics", headers={"X-Request-ID": "req-42"})
    assert r.status_code == 200 and CASE not in r.text
    assert r.headers["X-Request-ID"] == "req-42"  # the request's trace id, sent back
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for f in text_string_to_metric_families(r.text) for s in f.samples}
    assert samples[("verdictflow_disclosure_receipts_outstanding", (("overdue", "true"),))] == 1
    assert samples[("verdictflow_disclosure_receipts_outstanding", (("overdue", "false"),))] == 1
    assert samples[("verdictflow_tasks_overdue", (("kind", "decision"),))] == 1
    assert samples[("verdictflow_tasks_open", (("kind", "review"),))] == 1
    assert ("verdictflow_tasks_overdue", (("kind", "review"),)) not in samples


def test_a_request_id_that_is_not_a_token_is_replaced(api: TestClient) -> None:
    r = api.get("/healthz", headers={"X-Request-ID": f"cpr {CPR}"})
    assert CPR not in r.headers["X-Request-ID"] and r.headers["X-Request-ID"].startswith("h-")


def test_codec_server_counts_decoded_payloads(settings: Settings) -> None:
    keys = FileKeyStore(settings.keys_dir)
    token = issue_dev_token(settings, keys, "platform", role="operator", subject="op-1")
    headers = {"Authorization": f"Bearer {token}", "X-Namespace": "default",
               "Content-Type": "application/json"}
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'"hej"')
    port = serve_metrics(settings, "codec_server")
    before = value("verdictflow_codec_payloads_decoded_total")
    with TestClient(create_codec_app(settings)) as client:
        sealed = client.post("/encode", headers=headers, content=json_format.MessageToJson(
            Payloads(payloads=[plain, plain])))
        assert client.post("/decode", headers=headers, content=sealed.text).status_code == 200

    [decoded] = [s for s in scrape(port)["verdictflow_codec_payloads_decoded"]
                 if s.name.endswith("_total")]
    assert decoded.value == before + 2


def test_off_means_no_port(tmp_path: Path) -> None:
    assert serve_metrics(Settings(environment="test", state_dir=tmp_path), "worker") == 0
