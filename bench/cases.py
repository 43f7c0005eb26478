"""What a case costs, beside a bare Temporal workflow on the same server in the same run.

Prints one JSON line per scenario (stdout; progress goes to stderr):

- ``backlog``: N verdicts produced at once; the time until all N cases wait at
  ``awaiting_decision`` (the stage the read model records with the workflow's time), cases/s.
  ``--n 500,2000`` runs one backlog per size, in order, on the same stack: every later one
  carries ``ratio_to_first_backlog`` (its cases/s over the first's), the deep-backlog figure.
- ``steady``: verdicts at an open-loop rate (``--rate``; by default half the first
  backlog's cases/s); latency produce → ``awaiting_decision``.
- ``open_cases``: with many cases open, ``GET /tasks`` page latency and every process's RSS.

Beside each, bare workflows (``bench/bare.py``) of the same shape run on the same server:
one with as many activities as a case runs until ``awaiting_decision`` (counted from a
real case's history), one with a single activity; every figure comes with its ratio
(``ratio_to_bare_1_activity``, ``ratio_to_bare_same_activities``: case / bare, so a
throughput ratio below 1 and a latency ratio above 1 are what a case costs more).

Each backlog and steady line says where the CPU went: ``cpu_s_per_case`` per process (the
supervised processes and their children, and the bench itself) from ``/proc`` over the
scenario, and ``worker_sdk``: the worker's sticky-cache and replay counters (the Temporal
SDK's Prometheus series) over it, when its SDK metrics port is known.

By default the embedded stack and the services start on ports and a state directory of
their own (``--port-offset``, like the tests' ``VF_TEST_PORT_OFFSET``) and stop at the end.
``--running`` uses the ``VF_*`` environment as it is (another Temporal or Kafka, services
already started: whatever is not running is started) and leaves everything running.
``--cluster`` is ``--running`` against the cluster of ``make cluster`` (infra/cluster.py:
its ``VF_*`` settings are laid over the environment; ``"stack": "cluster"`` on every line).
Loopback only unless the ``VF_*`` settings say otherwise.

    .venv/bin/python bench/cases.py --n 200 --rate 2 --steady-seconds 30
    .venv/bin/python bench/cases.py --n 500,2000 --open-cases 2000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError
from temporalio.worker import Worker

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bare  # noqa: E402 - beside this script, import-light for the workflow sandbox

from infra import processes, stack  # noqa: E402
from verdictflow.cli.launcher import start_services  # noqa: E402
from verdictflow.domain.identity import case_id_for  # noqa: E402
from verdictflow.domain.topics import POLICE_VERDICTS  # noqa: E402
from verdictflow.platform.identity_provider import issue_dev_token  # noqa: E402
from verdictflow.platform.keys import keystore_for  # noqa: E402
from verdictflow.platform.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
AWAITING_DECISION = "awaiting_decision"
SDK_METRICS_BASE = 16100  # + the port offset: clear of the tests' and the bench's other ports
# The worker's SDK series that show evictions and replays (summed over their labels).
# A cache miss is a workflow task that had to replay its history from the start (the run
# was evicted, or its task came through the normal queue after the sticky timeout).
SDK_SERIES = ("temporal_sticky_cache_hit_total", "temporal_sticky_cache_miss_total",
              "temporal_sticky_cache_total_forced_eviction_total",
              "temporal_sticky_cache_size", "temporal_workflow_task_execution_failed_total",
              "temporal_workflow_task_schedule_to_start_latency_sum",
              "temporal_workflow_task_schedule_to_start_latency_count",
              "temporal_activity_schedule_to_start_latency_sum",
              "temporal_activity_schedule_to_start_latency_count")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the stack ---------------------------------------------------------------------------
def own_stack_env(state_dir: Path, off: int) -> dict[str, str]:
    """The tests' ports moved by ``off`` (tests/conftest.py), the codec server's too."""
    return {
        "VF_ENVIRONMENT": "test", "VF_STATE_DIR": str(state_dir),
        "VF_KAFKA_BOOTSTRAP": f"127.0.0.1:{19092 + off}",
        "VF_KAFKA_CONTROLLER_PORT": str(19093 + off),
        "VF_TEMPORAL_ADDRESS": f"127.0.0.1:{17233 + off}",
        "VF_TEMPORAL_UI_PORT": str(18233 + off),
        "VF_API_PORT": str(18000 + off), "VF_CODEC_SERVER_PORT": str(18081 + off),
        # The worker's SDK series (sticky cache, replays): read before and after a scenario.
        "VF_SDK_METRICS_PORT_WORKER": str(SDK_METRICS_BASE + off),
    }


def reuse_jars(state_dir: Path) -> None:
    """The Kafka jars ``make jars`` resolved for this checkout, as the tests reuse them."""
    shared = Path(os.environ.get("VF_BENCH_JARS", ROOT / ".state" / "kafka" / "libs"))
    target = state_dir / "kafka" / "libs"
    if shared.exists() and not target.exists():
        shutil.copytree(shared, target)


# -- conditions --------------------------------------------------------------------------
# -- the cluster (make bench-cluster) -----------------------------------------------------
def cluster_env() -> dict[str, str]:
    """The ``VF_*`` settings that point the services and this script at ``make cluster``'s
    cluster (the state directory's: ``.state/cluster/cluster.env`` holds the same)."""
    from infra import cluster

    return cluster.service_env(Settings())


def cluster_conditions(settings: Settings) -> dict[str, Any]:
    """What the cluster is made of, for every line: its figures depend on it."""
    from infra import cluster

    return {"kafka": kafka_version(), "kafka_brokers": cluster.BROKERS,
            "replication_factor": cluster.REPLICATION_FACTOR,
            "min_insync_replicas": cluster.MIN_INSYNC_REPLICAS,
            "history_shards": cluster.HISTORY_SHARDS,
            "read_model": settings.database_url.split(":", 1)[0],
            "cluster_processes": sorted(cluster.running(settings))}


def tree_pss_mb(settings: Settings, name: str) -> float | None:
    """Proportional set size of a process and its children, summed (PostgreSQL: the
    postmaster's RSS alone leaves out every backend; PSS shares shared buffers out once)."""
    root = processes.running(settings).get(name)
    if root is None:
        return None
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total_kb, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        kb = re.search(r"^Pss:\s+(\d+)", rollup, re.MULTILINE)
        total_kb += int(kb.group(1)) if kb else 0
    return round(total_kb / 1024, 1)


def cpu_times() -> list[int]:
    with open("/proc/stat") as f:
        return [int(v) for v in f.readline().split()[1:]]


def cpu_share(before: list[int], after: list[int]) -> dict[str, float]:
    """Steal and busy over the interval, percent of all CPU time (user nice system idle
    iowait irq softirq steal)."""
    delta = [a - b for a, b in zip(after, before, strict=False)]
    total = sum(delta[:8]) or 1
    idle = delta[3] + delta[4]
    return {"cpu_steal_pct": round(100 * delta[7] / total, 2),
            "cpu_busy_pct": round(100 * (total - idle) / total, 1)}


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> tuple[int, float] | None:
    """A process's session id and CPU seconds (utime + stime, its threads included)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[3]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def process_cpu(settings: Settings) -> dict[str, float]:
    """CPU seconds used so far by each supervised process with everything in its session
    (each leads its own: a launcher's children count to it), and by this bench."""
    sessions = {pid: name for name, pid in processes.running(settings).items()}
    used = dict.fromkeys(sessions.values(), 0.0)
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(entry)) and stat[0] in sessions:
            used[sessions[stat[0]]] += stat[1]
    own = _stat(str(os.getpid()))
    used["bench"] = own[1] if own else 0.0
    return used


def cpu_per_item(before: dict[str, float], after: dict[str, float],
                 items: int) -> dict[str, float]:
    """CPU seconds per case (or bare workflow) of each process over a scenario, and all."""
    spent = {name: after[name] - before.get(name, 0.0) for name in sorted(after)}
    per = {name: round(s / items, 4) for name, s in spent.items()} if items else {}
    if per:
        per["all"] = round(sum(spent.values()) / items, 4)
    return per


def sdk_counters(settings: Settings) -> dict[str, float] | None:
    """The worker's SDK series ``SDK_SERIES`` now, or None (no port, or not answering)."""
    port = settings.sdk_metrics_port_worker
    if not port:
        return None
    try:
        body = httpx.get(f"http://{settings.metrics_host}:{port}/metrics", timeout=5).text
    except httpx.HTTPError:
        return None
    found = dict.fromkeys(SDK_SERIES, 0.0)
    for line in body.splitlines():
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if name in found:
            found[name] += float(line.rsplit(" ", 1)[1])
    return found


def sdk_delta(before: dict[str, float] | None,
              after: dict[str, float] | None) -> dict[str, float] | None:
    """Counters as increases over the scenario; the cache size as it was at its end."""
    if before is None or after is None:
        return None
    delta = {name.removeprefix("temporal_"): (after[name] if name.endswith("_size")
                                               else after[name] - before[name])
             for name in SDK_SERIES}
    # Mean wait of a task for the worker (schedule to start), from each histogram's delta.
    for task in ("workflow_task", "activity"):
        total = delta.pop(f"{task}_schedule_to_start_latency_sum")
        count = delta.pop(f"{task}_schedule_to_start_latency_count")
        delta[f"{task}_schedule_to_start_mean_s"] = round(total / count, 3) if count else 0.0
    return delta


def kafka_version() -> str:
    pom = (ROOT / "infra" / "kafka" / "pom.xml").read_text()
    found = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    return found.group(1) if found else "unknown"


async def versions(client: Client, settings: Settings) -> dict[str, Any]:
    info = await client.workflow_service.get_system_info(GetSystemInfoRequest())
    return {
        "temporalio": metadata.version("temporalio"),
        "temporal_server": info.server_version or "unknown",
        "aiokafka": metadata.version("aiokafka"),
        "kafka": kafka_version() if settings.manage_kafka else "external",
        "python": sys.version.split()[0], "cpus": os.cpu_count(),
    }


def rss_mb(settings: Settings) -> dict[str, float]:
    found = {**processes.running(settings), "bench": os.getpid()}
    rss = {}
    for name, pid in sorted(found.items()):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        kb = re.search(r"VmRSS:\s+(\d+)", status)
        if kb:
            rss[name] = round(int(kb.group(1)) / 1024, 1)
    return rss


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 3)


def summary(latencies: list[float]) -> dict[str, float | None]:
    return {"p50_s": pct(latencies, 50), "p99_s": pct(latencies, 99),
            "mean_s": round(statistics.fmean(latencies), 3) if latencies else None}


def ratio(case: float | None, bare_value: float | None) -> float | None:
    return round(case / bare_value, 3) if case and bare_value else None


# -- verdicts ----------------------------------------------------------------------------
def cpr(i: int) -> str:
    """A well-formed, illustrative CPR number per verdict (a date in 1980-1999)."""
    day, month, year = 1 + i % 28, 1 + (i // 28) % 12, 80 + (i // 336) % 20
    return f"{day:02d}{month:02d}{year:02d}{1000 + i % 9000:04d}"


def registered(verdict_id: str, i: int) -> dict[str, Any]:
    """A verdict every default policy discloses to the Brøndby Strand organisation."""
    decided = (date.today() - timedelta(days=5)).isoformat()
    return {
        "specversion": "1.0", "id": str(uuid.uuid4()), "source": "urn:dk:politi:kbh-vestegn",
        "type": "dk.politi.verdict.registered.v1", "time": datetime.now(UTC).isoformat(),
        "subject": verdict_id, "datacontenttype": "application/json",
        "data": {
            "verdict_id": verdict_id, "police_district": "kbh-vestegn",
            "case_reference": "0100-70111-00123-26", "court": "Retten i Glostrup",
            "decided_on": decided, "final": True,
            "person": {"cpr": cpr(i), "name": "Benchperson Illustrativ",
                       "registered_address": {"street": "Strandesplanaden 12, 3. tv",
                                              "postcode": "2660", "city": "Brøndby Strand"}},
            "offences": [{"law": "straffeloven", "section": "244",
                          "description": "vold (illustrativ)"}],
            "sentence": {"kind": "unconditional_custody", "days": 60},
            "crime_scene": {"street": "Brøndby Strand Centret", "postcode": "2660",
                            "city": "Brøndby Strand", "lat": 55.6197, "lon": 12.4186},
        },
    }


class Cases:
    """Produces verdicts and watches the read model for their cases' stages."""

    def __init__(self, settings: Settings, run_id: str) -> None:
        self.settings = settings
        self.run_id = run_id
        self.pseudonym_key = keystore_for(settings).pseudonym_key()
        self.engine: Engine = create_engine(settings.database_url)
        self.count = 0
        self.producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap,
                                         linger_ms=5)

    async def __aenter__(self) -> Cases:
        await self.producer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.producer.stop()
        self.engine.dispose()

    async def produce(self, at: Callable[[int], float] | None, n: int) -> dict[str, float]:
        """``n`` verdicts, the i-th at ``at(i)`` (monotonic) or all at once; case id →
        wall-clock time it was sent."""
        sent: dict[str, float] = {}
        pending = []
        for i in range(n):
            if at is not None:
                delay = at(i) - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            k = self.count
            self.count += 1
            verdict_id = f"KBV-BENCH-{self.run_id}-{k}"
            event = registered(verdict_id, k)
            sent[case_id_for(verdict_id, self.pseudonym_key)] = time.time()
            pending.append(await self.producer.send(
                POLICE_VERDICTS, json.dumps(event).encode(), key=verdict_id.encode()))
        await self.producer.flush()
        await asyncio.gather(*pending)
        return sent

    def reached(self, since: float) -> dict[str, float]:
        """Case id → when it entered ``awaiting_decision`` (workflow time, epoch s)."""
        cutoff = datetime.fromtimestamp(since - 5, UTC).replace(tzinfo=None)
        with self.engine.connect() as db:
            rows = db.execute(text("SELECT case_id, at FROM case_stages"
                                   " WHERE stage = :s AND at >= :t"),
                              {"s": AWAITING_DECISION, "t": cutoff}).all()
        return {r[0]: _epoch(r[1]) for r in rows}

    def open_tasks(self) -> tuple[int, str | None]:
        with self.engine.connect() as db:
            rows = db.execute(text("SELECT org_id, count(*) FROM tasks WHERE status = 'open'"
                                   " GROUP BY org_id ORDER BY 2 DESC")).all()
        return sum(r[1] for r in rows), (rows[0][0] if rows else None)

    async def wait(self, sent: dict[str, float], since: float, timeout: float,
                   stalled: float | None = None, every: float = 1.0) -> dict[str, float]:
        """Until every case reached ``awaiting_decision``, or ``timeout`` passed, or (with
        ``stalled``) no case reached it for that long: filling 10,000 open cases takes
        longer than any fixed timeout, while a stack that stopped is seen in minutes. A look
        every second is enough: the figures use the times the cases recorded."""
        deadline = time.monotonic() + timeout
        count, progress = -1, time.monotonic()
        while True:
            reached = {c: t for c, t in self.reached(since).items() if c in sent}
            if len(reached) != count:
                count, progress = len(reached), time.monotonic()
            if len(reached) == len(sent) or time.monotonic() > deadline or (
                    stalled is not None and time.monotonic() - progress > stalled):
                return reached
            await asyncio.sleep(every)


def _epoch(value: Any) -> float:
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


def timeout_for(args: argparse.Namespace, n: int) -> float:
    # A deep backlog on a shared 2-core machine runs at 1-2 cases/s: 900 s cut 2,000 short.
    return float(args.timeout or max(900, n))


# -- bare workflows ----------------------------------------------------------------------
# Bare starts, and waits for a result, in flight at once: 2,000 starts together outran the
# RPC deadline, and 2,000 result long-polls the namespace's concurrent poller limit.
START_AT_ONCE = 100
WAIT_AT_ONCE = 100


async def run_bare(client: Client, run_id: str, activities: int, n: int,
                   at: Callable[[int], float] | None) -> dict[str, Any]:
    """``n`` bare workflows started at once or on schedule; throughput and latency."""
    latencies: list[float] = []
    ends: list[float] = []
    t0 = time.time()
    starting = asyncio.Semaphore(START_AT_ONCE)
    waiting = asyncio.Semaphore(WAIT_AT_ONCE)

    async def one(i: int) -> None:
        if at is not None:
            delay = at(i) - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        started = time.time()
        workflow_id = f"bench-bare-{run_id}-{activities}-{i}"
        async with starting:
            await start_bare(client, workflow_id, activities)
        async with waiting:
            ended = await bare_closed(client, workflow_id)
        ends.append(ended)
        latencies.append(ended - started)

    await asyncio.gather(*(one(i) for i in range(n)))
    elapsed = max(ends) - t0
    return {"activities": activities, "n": n, "elapsed_s": round(elapsed, 2),
            "per_s": round(n / elapsed, 2), **summary(latencies)}


async def bare_closed(client: Client, workflow_id: str) -> float:
    """When the server closed the workflow (epoch s): its own record, so a late look at a
    finished workflow does not add to its time."""
    handle = client.get_workflow_handle(workflow_id)
    for attempt in range(10):
        try:
            await handle.result()
            closed = (await handle.describe()).close_time
            return closed.timestamp() if closed else time.time()
        except RPCError:
            if attempt == 9:
                raise
            await asyncio.sleep(1 + attempt)
    raise AssertionError("unreachable")


async def start_bare(client: Client, workflow_id: str, activities: int) -> None:
    """Starts one bare workflow; a start the server took too long to answer is tried again
    (the id absorbs one that went through meanwhile), as ingest does for a case."""
    for attempt in range(10):
        try:
            await client.start_workflow(bare.BareWorkflow.run, activities, id=workflow_id,
                                        task_queue=bare.TASK_QUEUE)
            return
        except WorkflowAlreadyStartedError:
            return
        except RPCError:
            if attempt == 9:
                raise
            await asyncio.sleep(1 + attempt)


async def case_activities(client: Client, case_id: str) -> int:
    """Activities a real case scheduled until it waits at ``awaiting_decision``."""
    history = await client.get_workflow_handle(case_id).fetch_history()
    return sum(1 for e in history.events
               if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)


# -- the API -----------------------------------------------------------------------------
async def task_pages(settings: Settings, org: str, requests: int) -> dict[str, Any]:
    """First pages and cursor pages of ``GET /tasks`` as the organisation's caseworker."""
    token = issue_dev_token(settings, keystore_for(settings), org)
    first: list[float] = []
    later: list[float] = []
    rows = 0
    async with httpx.AsyncClient(base_url=settings.api_url, timeout=60,
                                 headers={"Authorization": f"Bearer {token}"}) as http:
        cursor: str | None = None
        for _ in range(requests):
            params = {"cursor": cursor} if cursor else {}
            started = time.perf_counter()
            response = await http.get("/tasks", params=params)
            took = time.perf_counter() - started
            response.raise_for_status()
            (later if cursor else first).append(took)
            rows = max(rows, len(response.json()))
            cursor = response.headers.get("x-next-cursor")
    return {"org": org, "requests": requests, "page_rows": rows,
            "first_page_p95_s": pct(first, 95), "first_page_p50_s": pct(first, 50),
            "next_page_p95_s": pct(later, 95), "next_pages": len(later)}


# -- scenarios ---------------------------------------------------------------------------
@contextmanager
def measured() -> Iterator[dict[str, Any]]:
    """CPU steal and busy share over the block, the load average at its start."""
    conditions: dict[str, Any] = {"loadavg_start": os.getloadavg()[0]}
    before = cpu_times()
    yield conditions
    conditions.update(cpu_share(before, cpu_times()))


class Profile:
    """Each process's CPU and the worker's SDK counters at the start of a scenario; ``of``
    gives what they spent per case (or bare workflow) since."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cpu = process_cpu(settings)
        self.sdk = sdk_counters(settings)

    def of(self, items: int) -> dict[str, Any]:
        return {"cpu_s_per_case": cpu_per_item(self.cpu, process_cpu(self.settings), items),
                "worker_sdk": sdk_delta(self.sdk, sdk_counters(self.settings))}


async def backlog(cases: Cases, client: Client, args: argparse.Namespace,
                  base: dict[str, Any], n: int) -> tuple[dict[str, Any], int]:
    open_before, _ = cases.open_tasks()
    profile = Profile(cases.settings)
    with measured() as cpu:
        t0 = time.time()
        sent = await cases.produce(None, n)
        reached = await cases.wait(sent, t0, timeout_for(args, len(sent)))
    spent = profile.of(len(reached))
    elapsed = (max(reached.values()) - t0) if reached else None
    per_s = round(len(reached) / elapsed, 2) if elapsed else None
    k = await case_activities(client, next(iter(reached))) if reached else 1
    say(f"backlog: {len(reached)}/{n} cases in {elapsed} s; a case runs {k} activities")
    bare_profile = Profile(cases.settings)
    with measured() as bare_cpu:
        bare1 = await run_bare(client, f"{cases.run_id}-{n}", 1, n, None)
        barek = await run_bare(client, f"{cases.run_id}-{n}", k, n, None)
    bare_cpu["cpu_s_per_workflow"] = bare_profile.of(2 * n)["cpu_s_per_case"]
    latency = summary([reached[c] - sent[c] for c in reached])
    return {**base, "scenario": "backlog", "n": n, "open_cases_before": open_before,
            "started_at": round(t0, 3), **cpu, "bare_cpu": bare_cpu, "completed": len(reached),
            "elapsed_s": round(elapsed, 2) if elapsed else None, "cases_per_s": per_s,
            "latency": latency, "case_activities": k, **spent,
            "bare_1_activity": bare1, "bare_same_activities": barek,
            "ratio_to_bare_1_activity": ratio(per_s, bare1["per_s"]),
            "ratio_to_bare_same_activities": ratio(per_s, barek["per_s"])}, k


async def steady(cases: Cases, client: Client, args: argparse.Namespace,
                 base: dict[str, Any], k: int, rate: float) -> dict[str, Any]:
    n = max(1, int(rate * args.steady_seconds))
    open_before, _ = cases.open_tasks()

    def schedule(start: float) -> Callable[[int], float]:
        return lambda i: start + i / rate

    profile = Profile(cases.settings)
    with measured() as cpu:
        t0 = time.time()
        sent = await cases.produce(schedule(time.monotonic()), n)
        reached = await cases.wait(sent, t0, timeout_for(args, len(sent)))
    spent = profile.of(len(reached))
    latency = summary([reached[c] - sent[c] for c in reached])
    say(f"steady: {len(reached)}/{n} cases at {rate}/s, p50 {latency['p50_s']} s")
    with measured() as bare_cpu:
        bare1 = await run_bare(client, cases.run_id + "s", 1, n, schedule(time.monotonic()))
        barek = await run_bare(client, cases.run_id + "s", k, n, schedule(time.monotonic()))
    return {**base, "scenario": "steady", "n": n, "rate_per_s": rate,
            "rate_from": "--rate" if args.rate else "half the first backlog's cases/s",
            "open_cases_before": open_before, **cpu, "bare_cpu": bare_cpu,
            "completed": len(reached), "latency": latency, "case_activities": k, **spent,
            "bare_1_activity": bare1, "bare_same_activities": barek,
            "ratio_to_bare_1_activity": {
                "p50": ratio(latency["p50_s"], bare1["p50_s"]),
                "p99": ratio(latency["p99_s"], bare1["p99_s"])},
            "ratio_to_bare_same_activities": {
                "p50": ratio(latency["p50_s"], barek["p50_s"]),
                "p99": ratio(latency["p99_s"], barek["p99_s"])}}


async def open_cases(cases: Cases, settings: Settings, args: argparse.Namespace,
                     base: dict[str, Any]) -> dict[str, Any]:
    open_before, _ = cases.open_tasks()
    filled = 0
    fill_s = None
    if args.open_cases > open_before:
        filled = args.open_cases - open_before
        say(f"open_cases: opening {filled} more cases")
        t0 = time.time()
        sent = await cases.produce(None, filled)
        # No deadline but progress (at 2-5 cases/s, 10,000 take most of an hour); polled
        # every 2 s, as the read of every case reached so far grows with the fill.
        reached = await cases.wait(sent, t0, float("inf"), stalled=timeout_for(args, 0),
                                   every=2.0)
        fill_s = round(time.time() - t0, 1)
        say(f"open_cases: {len(reached)}/{filled} more in {fill_s} s")
    held, org = cases.open_tasks()
    with measured() as cpu:
        pages = await task_pages(settings, org or "bbs", args.page_requests)
    return {**base, "scenario": "open_cases", "open_tasks": held, "opened_now": filled,
            "fill_s": fill_s, **cpu, "tasks_api": pages, "rss_mb": rss_mb(settings)}


async def run(settings: Settings, args: argparse.Namespace) -> None:
    client = await Client.connect(settings.temporal_address,
                                  namespace=settings.temporal_namespace)
    run_id = uuid.uuid4().hex[:8]
    base = {"bench": "cases", **await versions(client, settings),
            **(cluster_conditions(settings) if args.cluster else {}),
            "stack": "cluster" if args.cluster else "running" if args.running else "own",
            "ingest_max_in_flight": getattr(settings, "ingest_max_in_flight", None),
            "case_key_cache_s": getattr(settings, "case_key_cache_seconds", None)}
    worker = Worker(client, task_queue=bare.TASK_QUEUE, workflows=[bare.BareWorkflow],
                    activities=[bare.step])
    async with worker, Cases(settings, run_id) as cases:
        emit = _emitter()
        first: float | None = None
        k = 1
        for n in args.n:
            line, k = await backlog(cases, client, args, base, n)
            if first is None:
                first = line["cases_per_s"]
            else:
                line["ratio_to_first_backlog"] = ratio(line["cases_per_s"], first)
                line["first_backlog_n"] = args.n[0]
            emit(line)
        if args.steady_seconds > 0:
            rate = args.rate or round((first or 2.0) / 2, 2)
            emit(await steady(cases, client, args, base, k, rate))
        line = await open_cases(cases, settings, args, base)
        if args.cluster:
            line["cluster_postgres_pss_mb"] = tree_pss_mb(settings, "cluster-postgres")
        emit(line)


def _emitter() -> Callable[[dict[str, Any]], None]:
    def emit(line: dict[str, Any]) -> None:
        print(json.dumps(line), flush=True)
    return emit


def _sizes(value: str) -> list[int]:
    sizes = [int(v) for v in value.split(",") if v.strip()]
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("one or more positive sizes, comma-separated")
    return sizes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=_sizes, default=[200],
                        help="verdicts in the backlog; several (500,2000): one backlog each, "
                             "in order, the later ones with ratio_to_first_backlog")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="verdicts/s when steady (default: half the first backlog's "
                             "cases/s)")
    parser.add_argument("--steady-seconds", type=float, default=30.0,
                        help="how long the steady rate is held (0: no steady scenario)")
    parser.add_argument("--open-cases", type=int, default=0,
                        help="open cases to hold for the API figures (opened as needed)")
    parser.add_argument("--page-requests", type=int, default=40)
    parser.add_argument("--timeout", type=float, default=0.0,
                        help="seconds a scenario waits for its cases (default: 900, or 1 s "
                             "per verdict when more)")
    parser.add_argument("--running", action="store_true",
                        help="use the VF_* environment's stack and services; stop nothing")
    parser.add_argument("--cluster", action="store_true",
                        help="--running against make cluster's cluster (its VF_* settings)")
    parser.add_argument("--port-offset", type=int,
                        default=int(os.environ.get("VF_BENCH_PORT_OFFSET", "500")))
    parser.add_argument("--state-dir", type=Path, default=None,
                        help="own stack's state (default: a temporary directory)")
    args = parser.parse_args(argv)

    made_dir = None
    if args.cluster:
        os.environ.update(cluster_env())
        args.running = True
    if not args.running:
        state = args.state_dir or Path(made_dir := tempfile.mkdtemp(prefix="vf-bench-"))
        os.environ.update(own_stack_env(state.resolve(), args.port_offset))
        reuse_jars(state)
    settings = Settings()
    try:
        with redirect_stdout(sys.stderr):  # the step lines; stdout carries the figures only
            stack.up(settings)
            start_services(settings)
        asyncio.run(run(settings, args))
    finally:
        if not args.running:
            with redirect_stdout(sys.stderr):
                stack.down(settings)
            if made_dir:
                shutil.rmtree(made_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
