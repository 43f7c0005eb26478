"""Every log rotates by size: a service's JSON log and the supervisor's capture of a process."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra import processes
from verdictflow.platform import log as vflog
from verdictflow.platform.log import configure, get_logger
from verdictflow.platform.settings import Settings

MAX, BACKUPS = 2000, 3


def files_of(path: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in path.parent.glob(f"{path.name}*")}


def test_service_log_keeps_n_backups_of_at_most_max_bytes(tmp_path: Path,
                                                          restore_logging: None) -> None:
    path = tmp_path / "svc.json.log"
    configure("svc", "INFO", path, max_bytes=MAX, backups=BACKUPS)
    for i in range(400):
        get_logger("worker").info("stage_changed", case_id=f"case-{i:04d}")
        logging.getLogger("aiokafka").error("Failed fetch for partition %d", i)  # distinct

    sizes = files_of(path)
    assert set(sizes) == {"svc.json.log", *(f"svc.json.log.{n}" for n in range(1, BACKUPS + 1))}
    assert all(0 < size <= MAX for size in sizes.values())
    newest = [json.loads(x) for x in path.read_text().splitlines()]  # whole lines only
    assert newest[-1]["event"] == "Failed fetch for partition 399"


def test_a_second_process_on_the_same_file_writes_its_own(tmp_path: Path) -> None:
    # flock is per open file, so a second claim within one process stands in for another.
    path = tmp_path / "worker.json.log"
    first = vflog._ServiceLogFile(path, MAX, BACKUPS)
    second = vflog._ServiceLogFile(path, MAX, BACKUPS)
    try:
        assert Path(first.baseFilename) == path
        assert Path(second.baseFilename) == tmp_path / f"worker-{os.getpid()}.json.log"
    finally:
        first.close()
        second.close()
    third = vflog._ServiceLogFile(path, MAX, BACKUPS)  # released on close
    assert Path(third.baseFilename) == path
    third.close()


# -- the supervisor's capture -----------------------------------------------------------
CHATTY = """
import sys, time
for i in range(300):
    print(f"line {i:04d} " + "x" * 40, flush=True)
print("done", flush=True)
time.sleep(120)
"""


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    s = Settings(state_dir=tmp_path / "state", log_max_bytes=MAX, log_backups=BACKUPS)
    yield s
    processes.stop_all(s, timeout=5)


def _wait_for(predicate, timeout: float = 15) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _pumps_running(settings: Settings) -> int:
    """This test's pumps (their log lies in its state dir): a session's real stack, started
    by other tests, runs its own pumps meanwhile."""
    mine = str(settings.state_dir)
    return sum(p.poll() is None and any(mine in str(a) for a in p.args)  # type: ignore[union-attr]
               for p in processes._pumps)


def test_captured_output_rotates_and_the_pid_is_the_program(settings: Settings) -> None:
    pid = processes.start("chatty", [sys.executable, "-c", CHATTY], settings=settings)
    path = processes.log_path("chatty", settings)
    _wait_for(lambda: path.is_file() and path.read_text().endswith("\ndone\n"))

    sizes = files_of(path)
    assert set(sizes) == {"chatty.log", *(f"chatty.log.{n}" for n in range(1, BACKUPS + 1))}
    assert all(size <= MAX for size in sizes.values())
    assert processes.log_tail("chatty", settings, 2).splitlines()[-1] == "done"
    # The pid file names the program itself (a session leader), not its pump.
    assert processes.pid_of("chatty", settings) == pid
    assert b"CHATTY" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    assert b"print" in Path(f"/proc/{pid}/cmdline").read_bytes()

    assert processes.stop("chatty", settings, timeout=5)
    assert not processes._alive(pid)
    _wait_for(lambda: _pumps_running(settings) == 0)  # the pump ends with its program


def test_sigkill_by_pid_kills_the_program_and_its_pump_ends(settings: Settings) -> None:
    pid = processes.start("chatty", [sys.executable, "-c", CHATTY], settings=settings)
    path = processes.log_path("chatty", settings)
    _wait_for(lambda: path.is_file() and path.read_text().endswith("\ndone\n"))
    os.kill(pid, signal.SIGKILL)
    _wait_for(lambda: not processes.is_running("chatty", settings))
    _wait_for(lambda: _pumps_running(settings) == 0)


def test_log_tail_shows_the_latest_run_and_crash_output(settings: Settings) -> None:
    crash = "import sys; print('first words', flush=True); sys.exit('config missing')"
    processes.start("svc", [sys.executable, "-c", "print('old run')"], settings=settings)
    _wait_for(lambda: not processes.is_running("svc", settings) and _pumps_running(settings) == 0)
    processes.start("svc", [sys.executable, "-c", crash], settings=settings)
    _wait_for(lambda: not processes.is_running("svc", settings) and _pumps_running(settings) == 0)
    assert processes.log_tail("svc", settings).splitlines() == ["first words", "config missing"]
