"""A tiny process supervisor: detached processes tracked by pid files in the state dir.

Used for the infrastructure (Kafka, Temporal) and for the app services alike. Each
process runs in its own session, so it survives the command that started it and can be
stopped as a whole process group. Output goes to ``{state_dir}/logs/{name}.log``, through a
pipe to ``infra.logpump``, which rotates it by size (``VF_LOG_MAX_BYTES``,
``VF_LOG_BACKUPS``) and ends when the process and its children have closed the pipe.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import structlog

from verdictflow.platform.settings import Settings

log = structlog.get_logger(__name__)

INFRA_ORDER = ("kafka", "temporal")  # stopped last, in this order
CLUSTER_PREFIX = "cluster-"  # the scale path's processes: infra.cluster.stop orders them
_START_MARK = "=== verdictflow supervisor: start "
# Popen objects of processes started by this Python process: holding them keeps Popen's
# "still running" ResourceWarning quiet, and lets stop() reap them instead of leaving zombies.
_children: dict[int, subprocess.Popen[bytes]] = {}
_pumps: list[subprocess.Popen[bytes]] = []  # the log pumps started here, reaped as they end


def run_dir(settings: Settings) -> Path:
    return settings.state_dir / "run"


def logs_dir(settings: Settings) -> Path:
    return settings.state_dir / "logs"


def pid_path(name: str, settings: Settings) -> Path:
    return run_dir(settings) / f"{name}.pid"


def log_path(name: str, settings: Settings) -> Path:
    return logs_dir(settings) / f"{name}.log"


def _alive(pid: int) -> bool:
    """True if ``pid`` is a live (non-zombie) process that leads its own session.

    The session check guards against a stale pid file whose pid was reused by an
    unrelated process: everything started here is a session leader.
    """
    try:
        os.kill(pid, 0)
        if os.getsid(pid) != pid:
            return False
    except (ProcessLookupError, PermissionError):
        return False
    try:
        # A child of this Python process that exited stays a zombie until reaped.
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (OSError, IndexError):
        return True


def _read_pid(name: str, settings: Settings) -> int | None:
    try:
        return int(pid_path(name, settings).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def pid_of(name: str, settings: Settings) -> int | None:
    """The pid of the running process ``name``, or None (a stale pid file is removed)."""
    pid = _read_pid(name, settings)
    if pid is None:
        return None
    _reap(pid)
    if _alive(pid):
        return pid
    pid_path(name, settings).unlink(missing_ok=True)
    return None


def is_running(name: str, settings: Settings) -> bool:
    return pid_of(name, settings) is not None


def running(settings: Settings) -> dict[str, int]:
    found = {}
    for path in sorted(run_dir(settings).glob("*.pid")):
        pid = pid_of(path.stem, settings)
        if pid is not None:
            found[path.stem] = pid
    return found


@contextmanager
def lock(name: str, settings: Settings) -> Iterator[None]:
    """An exclusive inter-process lock on ``{state_dir}/run/{name}.lock``.

    Not re-entrant, even within one process: nest only locks of different names.
    """
    # Two concurrent `up`s must not both decide the process is missing and start it.
    run_dir(settings).mkdir(parents=True, exist_ok=True)
    with open(run_dir(settings) / f"{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def start(
    name: str,
    argv: Sequence[str],
    *,
    settings: Settings,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
) -> int:
    """Start ``argv`` detached as ``name`` unless it already runs; return its pid.

    ``env`` is laid over the current environment rather than replacing it.
    """
    with lock(name, settings):
        pid = pid_of(name, settings)
        if pid is not None:
            log.debug("process.already_running", name=name, pid=pid)
            return pid
        logfile = log_path(name, settings)
        logfile.parent.mkdir(parents=True, exist_ok=True)
        with open(logfile, "ab") as out:
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            out.write(f"{_START_MARK}{stamp} {' '.join(map(str, argv))}\n".encode())
        read_end, write_end = os.pipe()
        try:
            _start_pump(logfile, read_end, settings)
            proc = subprocess.Popen(
                [str(a) for a in argv],
                stdin=subprocess.DEVNULL,
                stdout=write_end,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env={**os.environ, **env} if env else None,
                start_new_session=True,
            )
        finally:  # the pump sees the end of its input once the program's copies close
            os.close(read_end)
            os.close(write_end)
        _children[proc.pid] = proc
        tmp = pid_path(name, settings).with_suffix(".pid.tmp")
        tmp.write_text(f"{proc.pid}\n")
        tmp.replace(pid_path(name, settings))
        log.info("process.started", name=name, pid=proc.pid, log=str(logfile))
        return proc.pid


def _start_pump(logfile: Path, read_end: int, settings: Settings) -> None:
    with open(logfile, "ab") as own_errors:
        _pumps.append(subprocess.Popen(
            [sys.executable, "-m", "infra.logpump", str(logfile),
             str(settings.log_max_bytes), str(settings.log_backups)],
            stdin=read_end, stdout=subprocess.DEVNULL, stderr=own_errors,
            cwd=Path(__file__).resolve().parents[1], start_new_session=True,
        ))


def _reap(pid: int) -> None:
    proc = _children.get(pid)
    if proc is not None and proc.poll() is not None:
        del _children[pid]
    _pumps[:] = [p for p in _pumps if p.poll() is None]
    # Not our child: its own parent (or init) reaps it.


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        _reap(pid)
        if not _alive(pid):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def stop(name: str, settings: Settings, timeout: float = 20) -> bool:
    """SIGTERM the process group of ``name``, SIGKILL after ``timeout`` s.

    Returns True if a running process was stopped, False if there was none.
    """
    with lock(name, settings):
        pid = pid_of(name, settings)
        if pid is None:
            return False
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        if not _wait_gone(pid, timeout):
            log.warning("process.kill", name=name, pid=pid, after_seconds=timeout)
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _wait_gone(pid, 5)
        pid_path(name, settings).unlink(missing_ok=True)
        log.info("process.stopped", name=name, pid=pid)
        return True


def stop_all(settings: Settings, timeout: float = 20) -> list[str]:
    """Stop every supervised process: app services first, then Kafka, then Temporal.

    The cluster's (``cluster-*``) are left to ``infra.cluster.stop``, which knows their
    order. Returns the names that were running and are now stopped.
    """
    names = [n for n in running(settings) if not n.startswith(CLUSTER_PREFIX)]
    apps = [n for n in names if n not in INFRA_ORDER]
    ordered = apps + [n for n in INFRA_ORDER if n in names]
    return [n for n in ordered if stop(n, settings, timeout)]


def log_tail(name: str, settings: Settings, lines: int = 30) -> str:
    """The last ``lines`` lines the current (latest) run of ``name`` wrote."""
    path = log_path(name, settings)
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"(no log at {path})"
    if _START_MARK not in text:  # rotated since the start: the previous file ends this run
        backup = path.with_name(f"{path.name}.1")
        text = (backup.read_text(errors="replace") if backup.is_file() else "") + text
    mark = text.rfind(_START_MARK)
    if mark >= 0:
        text = text[text.find("\n", mark) + 1 :]
    return "\n".join(text.splitlines()[-lines:]) or "(log is empty)"
