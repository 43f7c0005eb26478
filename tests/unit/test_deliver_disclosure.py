"""``deliver_disclosure`` seals once, publishes, records the stages; the decision task takes
the kept copy; ingest checks a receipt against it; a purge clears it.

Real sealing, keys and read model (SQLite); only Kafka is a recorder here (the real stack's
tests send cases through the broker).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlmodel import select

from activities.casebook import CaseBookActivities
from activities.disclosure import DisclosureActivities
from services.ingest.routing import receipt_problem
from services.ingest.service import IngestService
from tests.unit.test_record_stage_earlier import Events as StageEvents
from tests.workflows.fakes import CPR, NAME, decision, verdict
from verdictflow.domain.sealing import SealedDisclosure, sealed_digest
from verdictflow.domain.topics import HOUSING_DISCLOSURES
from verdictflow.platform.keys import FileKeyStore, provision
from verdictflow.platform.purge import shred_case
from verdictflow.platform.readmodel import (
    CaseStageRecord,
    SentDisclosure,
    Task,
    read_model_database,
)
from verdictflow.platform.settings import Settings
from workflows.case.messages import DisclosureDelivery, SealRequest, StageChange, TaskOpening

CASE = "case-" + "7" * 32
DISCLOSURE = f"{CASE}-d1"


class Events(StageEvents):
    def disclosures(self) -> list[dict[str, Any]]:
        return [e for topic, _, e in self.sent if topic == HOUSING_DISCLOSURES]


@pytest.fixture
def deps(tmp_path: Path) -> Any:
    keys = FileKeyStore(tmp_path / "keys")
    provision(keys, ["bbs"])
    db = read_model_database(Settings(environment="test", state_dir=tmp_path))
    yield SimpleNamespace(keys=keys, read_model=db, publisher=Events())
    db.dispose()


def delivery(stages: list[StageChange]) -> DisclosureDelivery:
    seal = SealRequest(CASE, DISCLOSURE, verdict(), decision(), "2026-12-20")
    return DisclosureDelivery(seal, "bbs", "2026-12-06T10:00:00+00:00", stages=stages)


def stage(seq: int, name: str) -> StageChange:
    return StageChange(CASE, seq, name, f"2026-12-06T10:00:0{seq}+00:00",
                       housing_org_id="bbs", person_ref="p-" + "a" * 20)


async def test_a_retried_delivery_publishes_the_bytes_sealed_first(deps: Any) -> None:
    activities = DisclosureActivities(deps)
    stages = [stage(1, "registered"), stage(2, "eligibility"), stage(3, "disclosed")]

    first = await activities.deliver_disclosure(delivery(stages))
    again = await activities.deliver_disclosure(delivery(stages))  # a retried attempt
    resent = await activities.deliver_disclosure(delivery([]))  # no receipt: sent again

    sent = deps.publisher.disclosures()
    assert len(sent) == 3
    assert sent[0]["data"] == sent[1]["data"] == sent[2]["data"]  # sealing is randomised
    assert len({e["id"] for e in sent}) == 1
    assert first == again == resent
    assert first.digest == sealed_digest(sent[0]["data"])
    with deps.read_model.session() as s:
        kept = s.get(SentDisclosure, DISCLOSURE)
        rows = s.exec(select(CaseStageRecord).order_by(CaseStageRecord.seq)).all()  # type: ignore[arg-type]
    assert kept is not None and (kept.org_id, kept.digest) == ("bbs", first.digest)
    assert json.loads(kept.sealed or "") == sent[0]["data"]
    assert [r.stage for r in rows] == ["registered", "eligibility", "disclosed"]
    # The copy is ciphertext: nothing of the person in what is kept or published.
    written = json.dumps(sent) + (kept.sealed or "")
    assert CPR not in written and NAME not in written
    assert "vold i opgangen" not in written


async def test_the_decision_task_takes_the_kept_copy_and_records_its_stage(deps: Any) -> None:
    await DisclosureActivities(deps).deliver_disclosure(delivery([stage(3, "disclosed")]))
    book = CaseBookActivities(deps)
    opening = TaskOpening(f"{CASE}-decision", CASE, "decision", "bbs", "2026-12-20",
                          disclosure_id=DISCLOSURE, stage=stage(4, "awaiting_decision"))

    await book.open_task(opening)
    await book.open_task(opening)  # a retry

    with deps.read_model.session() as s:
        task = s.get(Task, opening.task_id)
        kept = s.get(SentDisclosure, DISCLOSURE)
        stages = s.exec(select(CaseStageRecord.stage)).all()
    assert task is not None and kept is not None
    assert task.sealed_disclosure == kept.sealed
    SealedDisclosure.from_dict(json.loads(task.sealed_disclosure or ""))  # well-formed
    assert sorted(stages) == ["awaiting_decision", "disclosed"]


async def test_ingest_checks_a_receipt_against_the_kept_copy(deps: Any) -> None:
    delivered = await DisclosureActivities(deps).deliver_disclosure(delivery([]))
    ingest = SimpleNamespace(read_model=deps.read_model)

    sent = IngestService._sent_disclosure(ingest, CASE)  # type: ignore[arg-type]
    unknown = IngestService._sent_disclosure(ingest, "case-" + "0" * 32)  # type: ignore[arg-type]

    assert unknown is None  # a case that sealed before: the workflow is asked instead
    assert sent is not None
    assert (sent.disclosure_id, sent.housing_org_id, sent.disclosure_digest) == (
        DISCLOSURE, "bbs", delivered.digest)
    good = SimpleNamespace(org_id="bbs", signal=SimpleNamespace(
        disclosure_id=DISCLOSURE, digest=delivered.digest))
    other_org = SimpleNamespace(org_id="fsb", signal=good.signal)
    other_bytes = SimpleNamespace(org_id="bbs", signal=SimpleNamespace(
        disclosure_id=DISCLOSURE, digest="0" * 64))
    assert receipt_problem(good, sent) is None  # type: ignore[arg-type]
    assert "sealed to bbs" in (receipt_problem(other_org, sent) or "")  # type: ignore[arg-type]
    assert "digest" in (receipt_problem(other_bytes, sent) or "")  # type: ignore[arg-type]


async def test_a_purge_clears_the_kept_copy_and_nothing_is_sent_again(deps: Any) -> None:
    activities = DisclosureActivities(deps)
    await activities.deliver_disclosure(delivery([]))

    await shred_case(deps.read_model, deps.keys, CASE, actor="retention")

    with deps.read_model.session() as s:
        kept = s.get(SentDisclosure, DISCLOSURE)
    assert kept is not None and kept.sealed is None and kept.digest
    with pytest.raises(ValueError, match="purged"):
        await activities.deliver_disclosure(delivery([]))
