"""One chaos scenario: its verdicts, the faults done to the system, the figures at the end."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import func, select

from tests.chaos import tally
from tests.chaos.system import ChaosSystem
from tests.chaos.verdicts import ChaosVerdict, eligible_verdicts
from verdictflow.domain.identity import case_id_for
from verdictflow.domain.topics import POLICE_VERDICTS
from verdictflow.platform.kafka import EventPublisher
from verdictflow.platform.keys import keystore_for
from verdictflow.platform.readmodel import CaseRecord, Task, read_model_database
from verdictflow.platform.reference import load_reference

RUN = uuid.uuid4().hex[:6]  # this session's verdict ids are its own
SETTLE_SECONDS = 300.0  # a worker killed mid-activity holds that case for the activity timeout


@dataclass
class Scenario:
    name: str
    system: ChaosSystem
    verdicts: list[ChaosVerdict]
    case_ids: list[str]
    sent: int = 0
    faults: list[str] = field(default_factory=list)
    began: float = field(default_factory=time.monotonic)

    @classmethod
    def of(cls, name: str, system: ChaosSystem, n: int) -> Scenario:
        settings = system.settings
        verdicts = eligible_verdicts(load_reference(settings), name, RUN, n)
        key = keystore_for(settings).pseudonym_key()
        return cls(name, system, verdicts, [case_id_for(v.verdict_id, key) for v in verdicts])

    def case_id_of(self, verdict_id: str) -> str:
        return case_id_for(verdict_id, keystore_for(self.system.settings).pseudonym_key())

    async def send(self, *, again_with_new_event_id: bool = False) -> None:
        """Every verdict once onto ``police.verdicts.v1``, as a police producer sends it.

        ``again_with_new_event_id``: the same verdict under a fresh event id, as a police
        system that registers it a second time would; still the same verdict, one case.
        """
        async with EventPublisher(self.system.settings) as pub:
            for v in self.verdicts:
                event = v.event
                if again_with_new_event_id:
                    event = {**event, "id": str(uuid.uuid5(uuid.UUID(event["id"]), "again"))}
                await pub.publish(POLICE_VERDICTS, v.verdict_id, event)
                self.sent += 1

    def progress(self, what: str) -> int:
        """Cases (or decision tasks) of this scenario the read model holds now."""
        model: Any = CaseRecord if what == "cases" else Task
        query = select(func.count()).select_from(model).where(
            model.case_id.in_(self.case_ids))
        if model is Task:
            query = query.where(Task.kind == "decision")
        with tally.reading(read_model_database(self.system.settings)) as s:
            return int(s.exec(query).one())

    async def once(self, what: str, at_least: float, timeout: float = 120) -> int:
        """Waits until a share ``at_least`` of the cases got this far; returns how many did.

        Fails if all of them already had: a fault after the work is done tests nothing.
        """
        wanted = max(1, int(at_least * len(self.case_ids)))
        deadline = time.monotonic() + timeout
        while (now := self.progress(what)) < wanted:
            self.alive()
            assert time.monotonic() < deadline, f"{self.name}: {what} stuck at {now}"
            await asyncio.sleep(0.1)
        assert now < len(self.case_ids), f"{self.name}: all {what} done before the fault"
        return now

    async def kill(self, name: str, *, when: str, at_least: float,
                   away: float = 0.0) -> None:
        """SIGKILL ``name`` in flight, leave it dead ``away`` seconds, restart it."""
        progress = await self.once(when, at_least)
        await asyncio.to_thread(self.system.kill, name)
        self.faults.append(f"{name} SIGKILLed at {progress}/{len(self.case_ids)} {when}"
                           + (f", away {away:.0f}s" if away else ""))
        await asyncio.sleep(away)
        await asyncio.to_thread(self.system.restart, name)

    def alive(self) -> None:
        dead = self.system.dead()
        assert not dead, f"{self.name}: stopped and nobody restarts it:\n" + "\n".join(
            f"--- {name} ---\n{tail}" for name, tail in dead.items())

    async def settle(self, record: Callable[[str, object], None]) -> tally.Tally:
        """Counts once everything settled; prints and records one JSON line of figures."""
        orgs = {v.org_id for v in self.verdicts}
        result = await tally.settle(self.system.settings, set(self.case_ids), orgs,
                                    SETTLE_SECONDS, self.alive)
        line = json.dumps({"scenario": self.name, "verdicts": len(self.case_ids),
                           "sent": self.sent, **result.figures(),
                           "seconds": round(time.monotonic() - self.began, 1),
                           "faults": self.faults}, ensure_ascii=False)
        print(line)
        record("chaos", line)
        assert result.lost == 0 and result.doubled == 0, (
            f"{self.name}: {result.detail()} (logs in {self.system.settings.state_dir})")
        return result
