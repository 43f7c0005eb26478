"""The whole local stack: Temporal + Kafka with the project's topics and search attributes.

``up``/``down``/``status`` print one line per step for humans (stdout) and return or
raise for Python callers (CLI, Makefile, pytest fixtures).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from infra import cluster, kafka, processes, temporal
from verdictflow.domain.topics import ALL_TOPICS
from verdictflow.platform.settings import Settings, get_settings
from workflows.search_attributes import ALL as SEARCH_ATTRIBUTES

T = TypeVar("T")

EXIT_UNHEALTHY = 3


class StackError(RuntimeError):
    def __init__(self, component: str, reason: str) -> None:
        super().__init__(f"{component}: {reason}")
        self.component = component
        self.reason = reason


def _ok(component: str, detail: str) -> None:
    print(f"✓ {component:<9} {detail}", flush=True)


def _bad(component: str, detail: str) -> None:
    print(f"✗ {component:<9} {detail}", flush=True)


def _step(component: str, fn: Callable[[], T]) -> T:
    try:
        return fn()
    except Exception as err:  # noqa: BLE001 - every failure becomes one ✗ line
        print(f"✗ {component}: {err}", flush=True)
        raise StackError(component, str(err)) from err


def _managed(flag: bool) -> str:
    return "" if flag else "external, "


def up(settings: Settings | None = None) -> None:
    """Start (or just check) Temporal and Kafka and provision topics and search attributes.

    Idempotent. Raises StackError (after printing a ✗ line) on the first failure.
    """
    s = settings or get_settings()
    began = time.monotonic()
    if s.manage_kafka:
        libs = _step("kafka", lambda: kafka.ensure_jars(s))
        _ok("jars", f"{libs} ({len(list(libs.glob('*.jar')))} jars)")

    # Both mostly wait on a JVM / a Go binary to come up, so start them side by side.
    with ThreadPoolExecutor(max_workers=2) as pool:
        temporal_f = pool.submit(_step, "temporal", lambda: temporal.start(s))
        kafka_f = pool.submit(_step, "kafka", lambda: kafka.start(s))
        errors = [e for f in (temporal_f, kafka_f) if (e := f.exception()) is not None]
    if errors:
        raise errors[0]

    _step("kafka", lambda: kafka.ensure_topics(s))
    _ok("kafka", f"{s.kafka_bootstrap} ({_managed(s.manage_kafka)}topics: {len(ALL_TOPICS)})")
    added = _step("temporal", lambda: temporal.ensure_search_attributes(s))
    _ok("temporal", f"{s.temporal_address} ({_managed(s.manage_temporal)}namespace "
                    f"{s.temporal_namespace}, search attributes: {len(SEARCH_ATTRIBUTES)}"
                    f"{f', {len(added)} new' if added else ''}, ui {s.temporal_ui_url})")
    print(f"stack up in {time.monotonic() - began:.1f}s (state {s.state_dir})", flush=True)


def up_cluster(settings: Settings | None = None) -> Settings:
    """The scale path (infra/cluster.py): Temporal's server on PostgreSQL, three Kafka
    brokers. Returns the settings that point at it; raises StackError on a failure."""
    s = settings or get_settings()
    return _step("cluster", lambda: cluster.up(s, say=lambda line: print(line, flush=True)))


def down(settings: Settings | None = None) -> list[str]:
    """Stop every supervised process (app services, then Kafka, then Temporal, then the
    cluster's brokers, its Temporal and its PostgreSQL)."""
    s = settings or get_settings()
    pids = processes.running(s)
    stopped = processes.stop_all(s)
    stopped += cluster.stop(s)
    for name in stopped:
        _ok(name, f"stopped (pid {pids[name]})")
    if not stopped:
        print("nothing was running", flush=True)
    return stopped


def status(settings: Settings | None = None) -> int:
    """Print per-component state; return 0 if Temporal and Kafka are healthy, else 3."""
    s = settings or get_settings()
    pids = processes.running(s)
    healthy = True

    def state(name: str, managed: bool) -> str:
        if not managed:
            return "external"
        return f"running (pid {pids[name]})" if name in pids else "not running"

    info = kafka.health(s, timeout=3.0)
    missing = sorted(set(ALL_TOPICS) - set(info["topics"])) if info else []
    line = f"{s.kafka_bootstrap}  {state('kafka', s.manage_kafka)}, "
    if info and not missing:
        _ok("kafka", line + f"healthy, topics {len(ALL_TOPICS)}/{len(ALL_TOPICS)}")
    elif info:
        healthy = False
        _bad("kafka", line + f"healthy, missing topics: {', '.join(missing)}")
    else:
        healthy = False
        _bad("kafka", line + "not healthy")

    line = f"{s.temporal_address}  {state('temporal', s.manage_temporal)}, "
    if temporal.is_healthy(s, timeout=3.0):
        _ok("temporal", line + f"healthy, ui {s.temporal_ui_url}")
    else:
        healthy = False
        _bad("temporal", line + "not healthy")

    if on_cluster := cluster.running(s):
        c = cluster.settings_for(s)
        up_nodes = len((kafka.describe(c, timeout=3.0) or {}).get("brokers", []))
        serving = temporal.is_healthy(c, timeout=3.0)
        line = (f"{len(on_cluster)}/{len(cluster.NAMES)} processes, temporal "
                f"{c.temporal_address} {'healthy' if serving else 'not healthy'}, "
                f"kafka {up_nodes}/{cluster.BROKERS} brokers")
        if serving and up_nodes == cluster.BROKERS:
            _ok("cluster", line)
        else:
            _bad("cluster", line)
    for name, pid in pids.items():
        if name not in processes.INFRA_ORDER:
            _ok(name, f"running (pid {pid}), log {processes.log_path(name, s)}")
    return 0 if healthy else EXIT_UNHEALTHY
