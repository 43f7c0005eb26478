"""A case's life after its process: retention dates, damages, deletion receipts, the purge
both paths share, and the codec after a self-purge."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select
from temporalio.api.common.v1 import Payload
from temporalio.converter import WorkflowSerializationContext

from services.ingest.routing import SignalDeletion, deletion_problem
from verdictflow.domain.lifetime import (
    damages_owed,
    purge_due,
    retraction_event_id,
    sanction_changed,
)
from verdictflow.domain.verdict import Sentence
from verdictflow.platform.audit import CASE_PURGE, KEY_DESTROY
from verdictflow.platform.codec import CasePurged, EncryptionCodec
from verdictflow.platform.keys import FileKeyStore
from verdictflow.platform.purge import shred_case
from verdictflow.platform.readmodel import AuditEntry, read_model_database
from verdictflow.platform.settings import Settings
from workflows.case.messages import CaseStatus, DeletionSignal

CLOSED = datetime(2027, 3, 1, 10, 30, tzinfo=UTC)


def test_without_a_block_the_data_is_kept_the_policys_years_after_closing() -> None:
    assert purge_due(CLOSED, 2) == datetime(2029, 3, 1, 10, 30, tzinfo=UTC)
    leap = datetime(2028, 2, 29, tzinfo=UTC)
    assert purge_due(leap, 1) == datetime(2029, 2, 28, tzinfo=UTC)


def test_a_block_that_ran_its_course_is_the_retention() -> None:
    assert purge_due(CLOSED, 2, date(2028, 12, 31)) == datetime(2028, 12, 31, tzinfo=UTC)
    # The case closes when the block has expired: the purge is due at once, not earlier.
    assert purge_due(CLOSED, 2, date(2027, 2, 1)) == CLOSED


def test_damages_only_if_the_tenant_moved_out_before_the_basis_fell_away() -> None:
    moved_out = date(2027, 1, 31)
    assert damages_owed(moved_out, date(2027, 2, 1))
    assert not damages_owed(moved_out, date(2027, 1, 31))  # the day itself: not yet out
    assert not damages_owed(moved_out, date(2027, 1, 2))


def test_a_changed_sanction_is_a_different_final_sentence() -> None:
    custody = Sentence(kind="unconditional_custody", days=60)
    assert sanction_changed(custody, Sentence(kind="conditional_custody", days=60))
    assert sanction_changed(custody, Sentence(kind="unconditional_custody", days=40))
    assert not sanction_changed(custody, Sentence(kind="unconditional_custody", days=60))
    assert not sanction_changed(custody, None)  # finalized without a sentence: unchanged


def _status(**kw: object) -> CaseStatus:
    fields: dict[str, object] = dict(
        case_id="case-x", stage="retracted", housing_org_id="bbs", disclosure_id="case-x-d1",
        retraction_id=retraction_event_id("case-x-d1"))
    fields.update(kw)
    return CaseStatus(**fields)  # type: ignore[arg-type]


def _deletion(org: str = "bbs", disclosure_id: str = "case-x-d1",
              retraction_id: str | None = None) -> SignalDeletion:
    rid = retraction_id or retraction_event_id(disclosure_id)
    return SignalDeletion("case-x", org, {}, "c2ln", DeletionSignal(
        "evt-1", disclosure_id, org, rid, "ab" * 32, "2027-03-01T10:00:00+00:00"))


def test_a_deletion_receipt_must_confirm_what_the_case_retracted() -> None:
    assert deletion_problem(_deletion(), _status()) is None
    assert "retracted nothing" in (deletion_problem(_deletion(), _status(retraction_id=None))
                                   or "")
    assert "sealed to bbs" in (deletion_problem(_deletion(org="fsb"), _status()) or "")
    assert "names disclosure" in (deletion_problem(_deletion(disclosure_id="case-y-d1"),
                                                   _status()) or "")
    assert "another retraction" in (deletion_problem(_deletion(retraction_id="r-other"),
                                                     _status()) or "")


def _payload(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=text.encode())


async def test_after_a_purge_only_the_workers_codec_still_seals_and_not_under_the_case(
        tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path / "keys")
    primary, all_keys = store.codec_keys()
    context = WorkflowSerializationContext("default", "case-x")
    worker = EncryptionCodec(primary, all_keys, case_keys=store.case_keys(),
                             seal_after_purge=True).with_context(context)
    client = EncryptionCodec(primary, all_keys, case_keys=store.case_keys()).with_context(context)
    [before] = await worker.encode([_payload('{"sentence": "60 dage"}')])
    assert before.metadata["encryption-key-id"] == b"case:case-x"
    store.case_keys().destroy("case-x")

    [last] = await worker.encode([_payload('{"final_stage": "purged"}')])
    assert last.metadata["encryption-key-id"] == primary.encode()
    assert (await worker.decode([last]))[0].data == b'{"final_stage": "purged"}'
    with pytest.raises(CasePurged):  # what was sealed under the case key stays shut
        await worker.decode([before])
    with pytest.raises(CasePurged):  # a client's late signal is never sealed at all
        await client.encode([_payload('{"sentence": "40 dage"}')])


async def test_shredding_is_idempotent_and_audited_once_for_retention(tmp_path: Path) -> None:
    settings = Settings(environment="test", state_dir=tmp_path)
    db = read_model_database(settings)
    store = FileKeyStore(tmp_path / "keys")
    store.case_keys().key("case-x", create=True)
    first = await shred_case(db, store, "case-x", actor="retention", once=True)
    again = await shred_case(db, store, "case-x", actor="retention", once=True)
    assert (first.key_destroyed, again.key_destroyed) == (True, False)
    assert store.case_keys().status("case-x") == "destroyed"
    with db.session() as s:
        rows = s.exec(select(AuditEntry).where(AuditEntry.case_id == "case-x"))
        entries = [(e.actor, e.action) for e in rows]
    assert entries == [("retention", KEY_DESTROY), ("retention", CASE_PURGE)]
    db.dispose()
