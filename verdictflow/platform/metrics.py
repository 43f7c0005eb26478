"""The Prometheus series of verdictflow's own processes (``prometheus_client``).

Every label is bounded and free of personal data: stages, task kinds, topics,
partitions and reason *codes* (``verdictflow.domain.dead_letter_reasons``), never a case
id, an organisation's free text or a dead letter's reason text. The Temporal SDK's own
series (workflow and activity task latencies, schedule-to-start, slots) come from its
Runtime's exporter on a port of its own (``verdictflow.platform.temporal.runtime``).

Each process serves the series it updates: the worker the stage transitions and decision
latency, ingest and the gateways their consumer lag and dead letters, the API the
read-model gauges (computed per scrape, ``ReadModelCollector``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import start_http_server as _start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlmodel import select

from verdictflow.domain.dead_letter_reasons import reason_code
from verdictflow.platform.database import Database
from verdictflow.platform.readmodel import CaseRecord, Task

if TYPE_CHECKING:
    from verdictflow.platform.settings import Settings

STAGE_TRANSITIONS = Counter(
    "verdictflow_stage_transitions", "Stage changes written to the read model, by stage "
    "entered (a retried record_stage counts once).", ["stage"])
DECISION_LATENCY = Histogram(
    "verdictflow_decision_latency_seconds", "From a task opened to its answer "
    "(close_task), by task kind and how it closed.", ["kind", "status"],
    buckets=(3600, 6 * 3600, 86400, 3 * 86400, 7 * 86400, 14 * 86400, 28 * 86400,
             56 * 86400, float("inf")))
DEAD_LETTERS = Counter(
    "verdictflow_dead_letters", "Records dead-lettered, by source topic and reason code.",
    ["topic", "reason"])
CONSUMER_LAG = Gauge(
    "verdictflow_consumer_lag_messages", "End offset minus this consumer's position, per "
    "partition it is assigned (ingest: the ingest lag).", ["topic", "partition"])
CODEC_DECODED = Counter(
    "verdictflow_codec_payloads_decoded", "Payloads the codec server opened for operators "
    "(each decode audited per case).")

# Series names as scraped (counters gain _total): the README and the tests name these.
SERIES = ("verdictflow_stage_transitions_total", "verdictflow_decision_latency_seconds",
          "verdictflow_dead_letters_total", "verdictflow_consumer_lag_messages",
          "verdictflow_disclosure_receipts_outstanding", "verdictflow_tasks_overdue",
          "verdictflow_tasks_open", "verdictflow_codec_payloads_decoded_total")


def stage_entered(stage: str) -> None:
    STAGE_TRANSITIONS.labels(stage=stage).inc()


def task_closed(kind: str, status: str, opened_at: datetime, closed_at: datetime) -> None:
    opened = opened_at if opened_at.tzinfo else opened_at.replace(tzinfo=UTC)
    closed = closed_at if closed_at.tzinfo else closed_at.replace(tzinfo=UTC)
    DECISION_LATENCY.labels(kind=kind, status=status).observe(
        max(0.0, (closed - opened).total_seconds()))


def dead_lettered(topic: str, reason: str) -> None:
    DEAD_LETTERS.labels(topic=topic, reason=reason_code(reason)).inc()


def payloads_decoded(count: int) -> None:
    CODEC_DECODED.inc(count)


def consumer_lag(topic: str, partition: int, lag: int) -> None:
    CONSUMER_LAG.labels(topic=topic, partition=str(partition)).set(max(0, lag))


class ReadModelCollector(Collector):
    """Gauges read from the read model at each scrape: what waits on a person or a partner.

    ``verdictflow_disclosure_receipts_outstanding``: cases in stage ``disclosed`` (sent,
    no receipt yet), and of those how many past ``receipt_timeout_seconds``;
    ``verdictflow_tasks_open`` / ``verdictflow_tasks_overdue`` by task kind.
    """

    def __init__(self, db: Database, receipt_timeout_seconds: int) -> None:
        self.db = db
        self.receipt_timeout = timedelta(seconds=receipt_timeout_seconds)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        now = datetime.now(UTC)
        receipts = GaugeMetricFamily(
            "verdictflow_disclosure_receipts_outstanding",
            "Disclosures sent without a receipt; overdue: past VF_RECEIPT_TIMEOUT_SECONDS.",
            labels=["overdue"])
        open_tasks = GaugeMetricFamily("verdictflow_tasks_open", "Open tasks by kind.",
                                       labels=["kind"])
        overdue = GaugeMetricFamily("verdictflow_tasks_overdue",
                                    "Open tasks past their due date, by kind.", labels=["kind"])
        with self.db.session() as s:
            waiting = s.exec(select(CaseRecord.updated_at).where(
                CaseRecord.stage == "disclosed")).all()
            late = sum(1 for at in waiting
                       if now - (at if at.tzinfo else at.replace(tzinfo=UTC))
                       > self.receipt_timeout)
            receipts.add_metric(["false"], len(waiting) - late)
            receipts.add_metric(["true"], late)
            for kind, count in s.exec(select(Task.kind, func.count()).where(
                    Task.status == "open").group_by(Task.kind)).all():
                open_tasks.add_metric([kind], count)
            for kind, count in s.exec(select(Task.kind, func.count()).where(
                    Task.status == "open", Task.due_on < now.date()  # type: ignore[operator]
                    ).group_by(Task.kind)).all():
                overdue.add_metric([kind], count)
        yield receipts
        yield open_tasks
        yield overdue


def register_read_model(db: Database, settings: Settings,
                        registry: CollectorRegistry = REGISTRY) -> ReadModelCollector:
    collector = ReadModelCollector(db, settings.receipt_timeout_seconds)
    registry.register(collector)
    return collector


def serve_metrics(settings: Settings, service: str) -> int:
    """Starts this process's /metrics on ``VF_METRICS_PORT_<SERVICE>``; 0 leaves it off.
    Returns the port (0 when off)."""
    port: int = getattr(settings, f"metrics_port_{service.replace('-', '_')}", 0)
    if port:
        _start_http_server(port, addr=settings.metrics_host)
    return port
