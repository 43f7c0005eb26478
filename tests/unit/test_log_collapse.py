"""Repeated warnings and errors are written once and counted; the rest is untouched."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from verdictflow.platform.log import configure, get_logger, sensitive
from verdictflow.platform.log_collapse import RepeatCollapser

CPR = "010190-1234"
NAME = "Jens Peter Hansen"


@pytest.fixture
def logs(tmp_path: Path, restore_logging: None) -> Any:
    def configured(**kwargs: Any) -> Path:
        path = tmp_path / "svc.json.log"
        configure("test-svc", "INFO", path, **kwargs)
        return path

    return configured


def written(path: Path) -> list[dict[str, Any]]:
    for handler in logging.getLogger().handlers:
        handler.flush()  # ends every open run
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def retry(offset: int = 7, delay: float = 0.5) -> None:
    get_logger("gateway").error("message_handling_failed", topic="housing.disclosures.v1",
                                partition=0, offset=offset, error="KafkaConnectionError",
                                retry_in_s=delay)


def test_a_thousand_identical_retries_become_two_lines(logs: Any) -> None:
    path = logs()
    before = time.time()
    for i in range(1000):
        retry(delay=min(0.5 * 2**i, 30))  # the volatile delay does not make lines differ
    first, summary = written(path)

    assert first["event"] == summary["event"] == "message_handling_failed"
    assert "repeated" not in first and first["retry_in_s"] == 0.5
    assert summary["repeated"] is True and summary["count"] == 1000
    assert (summary["offset"], summary["level"], summary["logger"]) == (7, "error", "gateway")
    assert summary["first_at"] == first["timestamp"]
    assert first["timestamp"] <= summary["last_at"] <= summary["timestamp"]
    assert summary["first_at"] >= time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(before))
    assert "retry_in_s" not in summary


def test_different_errors_are_not_merged(logs: Any) -> None:
    path = logs()
    for _ in range(3):
        for offset in (1, 2):  # two consumers failing side by side, interleaved
            retry(offset=offset)
        logging.getLogger("aiokafka").error("Unable connect to node with id %s", 1)
    get_logger("ingest").error("message_handling_failed", topic="housing.disclosures.v1",
                               partition=0, offset=1, error="KafkaConnectionError")

    lines = written(path)
    firsts = [(x.get("logger"), x.get("offset")) for x in lines if "repeated" not in x]
    assert firsts == [("gateway", 1), ("gateway", 2), ("aiokafka", None), ("ingest", 1)]
    summaries = {(x["logger"], x.get("offset")): x["count"] for x in lines if "repeated" in x}
    assert summaries == {("gateway", 1): 3, ("gateway", 2): 3, ("aiokafka", None): 3}


def test_info_is_never_collapsed(logs: Any) -> None:
    path = logs()
    for _ in range(50):
        get_logger("worker").info("heartbeat", queue="verdictflow")
        logging.getLogger("aiokafka").info("Discovered coordinator 1")
    lines = written(path)
    assert len(lines) == 100 and not any("repeated" in x for x in lines)


def test_a_recovered_source_ends_its_run_at_once(logs: Any) -> None:
    path = logs()
    coordinator = logging.getLogger("aiokafka.consumer.group_coordinator")
    for _ in range(5):
        coordinator.error("Group Coordinator Request failed: NodeNotReadyError")
    coordinator.info("Discovered coordinator 1 for group verdictflow-ingest")
    lines = [json.loads(x) for x in path.read_text().splitlines()]  # nothing flushed yet
    assert [(x["event"][:17], x.get("count")) for x in lines] == [
        ("Group Coordinator", None), ("Group Coordinator", 5), ("Discovered coordi", None)]


def test_the_window_ends_a_run_without_further_logging(logs: Any) -> None:
    path = logs(repeat_window_s=0.3)
    for _ in range(20):
        retry()
    time.sleep(1.8)  # the sweeper writes the summary; the process logs nothing more
    first, summary = [json.loads(x) for x in path.read_text().splitlines()]
    assert summary["count"] == 20
    retry()  # a new run: written again
    assert len(path.read_text().splitlines()) == 3


def test_redaction_covers_the_summary(logs: Any) -> None:
    path = logs()
    kafka = logging.getLogger("aiokafka")
    with sensitive(NAME):
        for _ in range(40):
            kafka.warning("could not decode %s for %s", CPR, NAME)
    # flushed outside the context that registered the name: still masked
    lines = written(path)
    text = path.read_text()
    assert CPR not in text and NAME not in text and "0101901234" not in text
    first, summary = lines
    assert summary["count"] == 40
    assert summary["event"] == first["event"] == "could not decode [cpr-redacted] for [redacted]"


def test_concurrent_repeats_are_all_counted(logs: Any) -> None:
    path = logs()

    def hammer() -> None:
        for _ in range(250):
            retry()

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first, summary = written(path)
    assert summary["count"] == 2000


def test_window_zero_writes_every_line(logs: Any) -> None:
    path = logs(repeat_window_s=0)
    for _ in range(30):
        retry()
    assert len(written(path)) == 30


def test_collapser_first_and_last_and_expiry() -> None:
    now = [0.0]
    collapser = RepeatCollapser(10, json.dumps, clock=lambda: now[0], now_iso=lambda: "T")

    def line(ts: int, **extra: Any) -> str:
        return json.dumps({"event": "x", "logger": "l", "level": "error",
                           "timestamp": f"t{ts}", **extra})

    out = []
    for ts in range(1000):
        now[0] = ts / 200  # 1000 lines in 5 s, inside one window
        out += collapser.offer(logging.ERROR, "l", line(ts))
    assert out == [line(0)]
    now[0] = 10.0
    [summary] = [json.loads(x) for x in collapser.expire()]
    assert summary == {"event": "x", "logger": "l", "level": "error", "repeated": True,
                       "count": 1000, "first_at": "t0", "last_at": "t999", "timestamp": "T"}
    assert collapser.offer(logging.ERROR, "l", line(1001)) == [line(1001)]  # a new run
    assert collapser.drain() == []  # a run of one line needs no summary
