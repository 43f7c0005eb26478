"""How many cases ingest has set going that are still busy: the backpressure on new verdicts.

A burst of verdicts would otherwise start hundreds of cases at once; the worker then
spreads itself over all of them and every case, and every receipt behind them, waits. So
ingest starts a new case only while fewer than ``limit`` of the cases it started are
still busy (no row yet, or ``registered``, ``eligibility`` or ``disclosed`` in the read
model): the police consumer waits in its handler (nothing is skipped or lost; its offsets
are committed after, as always). Receipts have a consumer of their own and never wait
here, and they are what settles a disclosed case.

A case counts at most ``max_age`` seconds, so a stalled gateway or read model slows new
cases down to ``limit`` per ``max_age`` and never stops them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection

from verdictflow.domain.case import Stage

BUSY = frozenset({Stage.REGISTERED, Stage.ELIGIBILITY, Stage.DISCLOSED})
StageReader = Callable[[Collection[str]], dict[str, str]]  # case id → stage, known ones


class InFlight:
    def __init__(self, limit: int, max_age: float, stages: StageReader,
                 poll_s: float = 0.2) -> None:
        self.limit = limit
        self.max_age = max_age
        self.stages = stages
        self.poll_s = poll_s
        self.busy: dict[str, float] = {}  # case id → when it was started (monotonic)
        self.waited_s = 0.0

    def started(self, case_id: str) -> None:
        if self.limit > 0:
            self.busy[case_id] = time.monotonic()

    async def room(self) -> None:
        """Returns once fewer than ``limit`` started cases are busy (``limit`` 0: at once)."""
        if self.limit <= 0:
            return
        began = time.monotonic()
        while len(self.busy) >= self.limit:
            await self.refresh()
            if len(self.busy) < self.limit:
                break
            await asyncio.sleep(self.poll_s)
        self.waited_s += time.monotonic() - began

    async def refresh(self) -> None:
        now = time.monotonic()
        for case_id, since in list(self.busy.items()):
            if now - since > self.max_age:
                del self.busy[case_id]
        if not self.busy:
            return
        try:
            stages = await asyncio.to_thread(self.stages, list(self.busy))
        except Exception:  # noqa: BLE001 - the read model away: the age bound still frees room
            return
        for case_id, stage in stages.items():
            if stage not in BUSY:
                self.busy.pop(case_id, None)
