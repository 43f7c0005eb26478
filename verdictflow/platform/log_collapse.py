"""Repeated warnings and errors written once, then counted: an outage must not fill the disk.

During an outage every retry logs the same line (``message_handling_failed``, aiokafka's
``Unable connect to node``), from many consumers at once, interleaved. A *run* is the
lines of one fingerprint (logger, level, event and fields, volatile fields such as the
timestamp and ``retry_in_s`` left out): its first line is written, the repeats are
counted, and when the run ends one summary line is written, the first line's fields
with ``repeated: true``, ``count`` (every line of the run, the written one included),
``first_at`` and ``last_at``. A run ends when its window has passed since its first
line, when the same logger writes a line below WARNING (it has recovered: "Discovered
coordinator" after "Group Coordinator Request failed"), on flush and on close. Runs are
kept per fingerprint, not per logger, because consumers sharing a logger interleave
their errors. INFO and below pass untouched.

Collapsing works on the rendered, already redacted lines, so a summary carries only what
was written, even when it is written outside the context whose values were masked.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Fields that differ between retries of the same failure.
VOLATILE_FIELDS = frozenset({"timestamp", "retry_in_s", "attempt"})
# A summary says what repeated; the first line already carried the traceback.
_NOT_SUMMARISED = VOLATILE_FIELDS | {"exception", "stack"}
# A flood of distinct lines (an offset in every message) must not grow memory without end.
MAX_OPEN_RUNS = 1024


def _now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class _Run:
    first: dict[str, Any]
    opened: float
    last_at: Any
    count: int = 1


class RepeatCollapser:
    """Decides which lines are written. Pure and not thread-safe: the handler holds a lock."""

    def __init__(self, window_s: float, render: Callable[[dict[str, Any]], str],
                 clock: Callable[[], float] = time.monotonic,
                 now_iso: Callable[[], str] = _now_iso) -> None:
        self.window_s = window_s
        self.render = render
        self.clock = clock
        self.now_iso = now_iso
        self._runs: dict[str, _Run] = {}  # in the order opened

    def offer(self, level: int, logger: str, line: str) -> list[str]:
        """The lines to write for ``line``: summaries of runs that ended, then ``line``
        itself unless it repeats an open run."""
        out = self.expire()
        if level < logging.WARNING or self.window_s <= 0:
            out += self._end(lambda run: run.first.get("logger") == logger)
            return [*out, line]
        try:
            fields = json.loads(line)
        except ValueError:
            return [*out, line]
        if not isinstance(fields, dict):
            return [*out, line]
        key = json.dumps({k: v for k, v in fields.items() if k not in VOLATILE_FIELDS},
                         sort_keys=True, default=str)
        run = self._runs.get(key)
        if run is not None:
            run.count += 1
            run.last_at = fields.get("timestamp")
            return out
        if len(self._runs) >= MAX_OPEN_RUNS:
            oldest = next(iter(self._runs))
            out += self._summaries([oldest])
        self._runs[key] = _Run(fields, self.clock(), fields.get("timestamp"))
        return [*out, line]

    def expire(self) -> list[str]:
        """Summaries of the runs whose window has passed."""
        deadline = self.clock() - self.window_s
        ended = []
        for key, run in self._runs.items():
            if run.opened > deadline:
                break  # opened in order: the rest are younger
            ended.append(key)
        return self._summaries(ended)

    def drain(self) -> list[str]:
        """Summaries of every open run (flush, close)."""
        return self._summaries(list(self._runs))

    def _end(self, which: Callable[[_Run], bool]) -> list[str]:
        return self._summaries([k for k, run in self._runs.items() if which(run)])

    def _summaries(self, keys: list[str]) -> list[str]:
        out = []
        for key in keys:
            run = self._runs.pop(key)
            if run.count > 1:
                summary = {k: v for k, v in run.first.items() if k not in _NOT_SUMMARISED}
                summary |= {"repeated": True, "count": run.count,
                            "first_at": run.first.get("timestamp"), "last_at": run.last_at,
                            "timestamp": self.now_iso()}
                out.append(self.render(summary))
        return out


class CollapsingHandler(logging.Handler):
    """Renders each record with its formatter, collapses repeats, writes through ``target``.

    ``target`` (a rotating file or a stream handler) receives finished lines only. A
    daemon thread ends runs whose window passed, so a summary is written even when the
    process falls silent after an outage.
    """

    def __init__(self, target: logging.Handler, window_s: float,
                 render: Callable[[dict[str, Any]], str]) -> None:
        super().__init__()
        self.target = target
        target.setFormatter(logging.Formatter("%(message)s"))
        self.collapser = RepeatCollapser(window_s, render)
        self._stopped = threading.Event()
        if window_s > 0:
            threading.Thread(target=self._sweep, args=(min(1.0, window_s),),
                             name="log-repeat-sweeper", daemon=True).start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            lines = self.collapser.offer(record.levelno, record.name, self.format(record))
            self._write(lines)
        except Exception:  # noqa: BLE001 - logging must never raise into the caller
            self.handleError(record)

    def _write(self, lines: list[str]) -> None:
        for line in lines:
            self.target.handle(logging.makeLogRecord({"msg": line}))

    def _sweep(self, interval: float) -> None:
        while not self._stopped.wait(interval):
            with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
                if not self._stopped.is_set():  # a closed file would be opened again
                    self._write(self.collapser.expire())

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write(self.collapser.drain())
            self.target.flush()

    def close(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            if not self._stopped.is_set():
                self._write(self.collapser.drain())
                self._stopped.set()
                self.target.close()
        super().close()
