"""``record_stage`` with the stages entered before it (a new case's ``registered`` goes with
the next stage): the read model and case.events.v1 get each stage with its own seq and
time, in order, and a retried call writes no row twice and keeps the event ids."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlmodel import select

from activities.casebook import CaseBookActivities
from verdictflow.platform.readmodel import CaseRecord, CaseStageRecord, read_model_database
from verdictflow.platform.settings import Settings
from workflows.case.messages import StageChange

CASE = "case-" + "8" * 32


class Events:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    async def publish(self, topic: str, key: str, event: dict[str, Any],
                      headers: Any = None) -> None:
        self.sent.append((topic, key, event))

    async def publish_in_order(self, topic: str, events: list[tuple[str, dict[str, Any]]],
                               ) -> None:
        for key, event in events:
            await self.publish(topic, key, event)


async def test_earlier_stages_are_recorded_first_each_with_its_seq_and_time(
        tmp_path: Path) -> None:
    db = read_model_database(Settings(environment="test", state_dir=tmp_path))
    events = Events()
    book = CaseBookActivities(SimpleNamespace(read_model=db, publisher=events))  # type: ignore[arg-type]
    registered = StageChange(CASE, 1, "registered", "2026-03-01T10:00:00+00:00",
                             person_ref="p-" + "a" * 20)
    change = StageChange(CASE, 2, "eligibility", "2026-03-01T10:00:01+00:00",
                         person_ref="p-" + "a" * 20, earlier=[registered])

    await book.record_stage(change)
    await book.record_stage(change)  # a retry

    with db.session() as s:
        rows = s.exec(select(CaseStageRecord).order_by(CaseStageRecord.seq)).all()  # type: ignore[arg-type]
        assert [(r.seq, r.stage, r.at.isoformat()[:19]) for r in rows] == [
            (1, "registered", "2026-03-01T10:00:00"), (2, "eligibility", "2026-03-01T10:00:01")]
        case = s.get(CaseRecord, CASE)
        assert case is not None and (case.stage, case.stage_seq) == ("eligibility", 2)
    ids = [e["id"] for _, _, e in events.sent]  # derived from "<case>:stage:<seq>"
    stages = [e["data"]["stage"] for _, _, e in events.sent]
    assert stages == ["registered", "eligibility"] * 2
    assert ids[:2] == ids[2:] and ids[0] != ids[1]
    assert [e["time"][:19] for _, _, e in events.sent[:2]] == [
        "2026-03-01T10:00:00", "2026-03-01T10:00:01"]
    db.dispose()
