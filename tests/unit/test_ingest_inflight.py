"""Ingest's bound on the cases it has in flight."""

from __future__ import annotations

import asyncio
from collections.abc import Collection

from services.ingest.inflight import InFlight


class Stages:
    def __init__(self) -> None:
        self.now: dict[str, str] = {}
        self.fail = False

    def __call__(self, case_ids: Collection[str]) -> dict[str, str]:
        if self.fail:
            raise OSError("read model away")
        return {c: self.now[c] for c in case_ids if c in self.now}


async def test_a_new_case_waits_until_a_started_one_settles() -> None:
    stages = Stages()
    bound = InFlight(limit=2, max_age=60, stages=stages, poll_s=0.01)
    bound.started("a")
    bound.started("b")
    stages.now = {"a": "eligibility"}  # b has no row yet: busy too
    waiting = asyncio.create_task(bound.room())
    await asyncio.sleep(0.1)
    assert not waiting.done()
    stages.now["a"] = "awaiting_decision"
    await asyncio.wait_for(waiting, 1)
    assert set(bound.busy) == {"b"}


async def test_a_case_counts_only_for_its_maximum_age() -> None:
    stages = Stages()
    stages.fail = True  # nothing can be read: the age bound alone frees room
    bound = InFlight(limit=1, max_age=0.05, stages=stages, poll_s=0.01)
    bound.started("a")
    await asyncio.wait_for(bound.room(), 1)
    assert not bound.busy


async def test_no_limit_never_waits() -> None:
    bound = InFlight(limit=0, max_age=60, stages=Stages())
    bound.started("a")
    await asyncio.wait_for(bound.room(), 0.1)
    assert not bound.busy
