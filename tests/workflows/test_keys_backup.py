"""A key backup restored on a fresh machine opens the old cases, and only those not purged.

Two real cases run on the time-skipping server with the real sealing activity (case key,
organisation key, platform signature), so their histories are ciphertext under the
session's key store. After a backup, that store's archive is restored into a fresh state
directory, and everything is opened with the restored keys alone.
"""

from __future__ import annotations

import stat
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.disclosure import DisclosureActivities
from services.api.disclosure_reading import read_disclosure
from services.worker import WORKFLOWS
from tests.workflows.fakes import CPR, NAME, FakeActivities, case_input, stand_in
from tests.workflows.test_case_workflow import wait_for_stage
from verdictflow.domain.sealing import SealedDisclosure, sealed_digest
from verdictflow.platform.casekeys import CaseKeyDestroyed
from verdictflow.platform.codec import ENCODING, KEY_ID, EncryptionCodec, PayloadUnreadable
from verdictflow.platform.keybackup import backup, restore
from verdictflow.platform.keys import FileKeyStore, provision
from workflows.case.messages import Delivered, DisclosureDelivery
from workflows.case.workflow import VerdictCaseWorkflow

PASS = "a long passphrase kept in the safe"


def payloads_in(message: Message) -> Iterator[Payload]:
    """Every Payload anywhere in a protobuf message (maps and repeated fields included)."""
    if isinstance(message, Payload):
        yield message
        return
    for field, value in message.ListFields():
        if field.type != field.TYPE_MESSAGE:
            continue
        if field.message_type.GetOptions().map_entry:
            if field.message_type.fields_by_name["value"].type != field.TYPE_MESSAGE:
                continue
            items: Any = value.values()
        else:
            items = value if field.is_repeated else [value]
        for item in items:
            yield from payloads_in(item)


def sealed_payloads(history: WorkflowHistory) -> list[Payload]:
    return [p for e in history.events for p in payloads_in(e)
            if p.metadata.get("encoding") == ENCODING]


async def run_to_disclosure(env: WorkflowEnvironment, tq: str, keys: FileKeyStore,
                            case_ids: list[str]) -> tuple[dict[str, WorkflowHistory],
                                                          dict[str, dict[str, str]]]:
    published: dict[str, dict[str, str]] = {}
    real = DisclosureActivities(SimpleNamespace(keys=keys))  # type: ignore[arg-type]

    @stand_in(DisclosureActivities.deliver_disclosure)
    async def deliver(d: DisclosureDelivery) -> Delivered:
        # Sealed for real (the keys are what this test is about); kept and "published" here.
        sealed = published.setdefault(d.seal.case_id, await real.seal_disclosure(d.seal))
        return Delivered(d.seal.disclosure_id, sealed_digest(sealed))

    stand_ins = FakeActivities().all(but=[deliver])
    histories = {}
    async with Worker(env.client, task_queue=tq, workflows=WORKFLOWS,
                      activities=[*stand_ins, deliver]):
        for case_id in case_ids:
            handle = await env.client.start_workflow(
                VerdictCaseWorkflow.run, case_input(case_id), id=case_id, task_queue=tq)
            await wait_for_stage(handle, "disclosed")
            histories[case_id] = await handle.fetch_history()
            await handle.terminate("test over")
    return histories, published


async def decoded(store: FileKeyStore, payloads: list[Payload]) -> bytes:
    primary, all_keys = store.codec_keys()
    codec = EncryptionCodec(primary, all_keys, case_keys=store.case_keys())
    return b"".join(p.data for p in await codec.decode(payloads))


async def test_a_restored_key_store_opens_old_cases_but_not_purged_ones(
        time_env: WorkflowEnvironment, task_queue: str, session_keys: FileKeyStore,
        tmp_path: Path) -> None:
    kept, purged = f"case-kept-{uuid.uuid4().hex[:6]}", f"case-gone-{uuid.uuid4().hex[:6]}"
    histories, published = await run_to_disclosure(time_env, task_queue, session_keys,
                                                    [kept, purged])
    session_keys.case_keys().destroy(purged)

    archive = tmp_path / "keys.vfbackup"
    held = backup(session_keys.dir, archive, PASS)
    assert held.case_keys >= 2 and held.case_keys_destroyed >= 1
    assert CPR.encode() not in archive.read_bytes()

    fresh = tmp_path / "fresh-state" / "keys"
    restore(archive, fresh, PASS)
    for path in [fresh, *fresh.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
    restored = FileKeyStore(fresh, generate=False)  # as in production: nothing invented

    # The old case's history opens, case-keyed payloads included.
    kept_payloads = sealed_payloads(histories[kept])
    assert any(p.metadata[KEY_ID] == f"case:{kept}".encode() for p in kept_payloads)
    plain = await decoded(restored, kept_payloads)
    assert CPR.encode() in plain and NAME.encode() in plain
    # ... and so does its disclosure, both seals: the organisation's and the case's.
    content = read_disclosure(SealedDisclosure.from_dict(published[kept]), "bbs", restored)
    assert content["person"]["cpr"] == CPR

    # The purged case stays purged after a restore.
    gone = [p for p in sealed_payloads(histories[purged])
            if p.metadata[KEY_ID] == f"case:{purged}".encode()]
    assert gone
    for payload in gone:
        with pytest.raises(CaseKeyDestroyed):
            await decoded(restored, [payload])
    with pytest.raises(CaseKeyDestroyed):
        read_disclosure(SealedDisclosure.from_dict(published[purged]), "bbs", restored)

    # Control: another key store of the same shape opens none of it.
    stranger = FileKeyStore(tmp_path / "stranger" / "keys")
    provision(stranger, ["bbs"])
    with pytest.raises(PayloadUnreadable):
        await decoded(stranger, kept_payloads[:1])
