"""Fault trials on the real stack: hostile messages are dead-lettered with their reason,
never act for another organisation or touch the key store, and never hold back the
messages behind them. Each test failed on the code before the trust-boundaries change."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.gateway import inbox
from tests.integration.events import registered
from tests.integration.platform import (
    Platform,
    eventually,
    headers_of,
    produce,
    read_topic,
    readable_events,
    running_platform,
)
from verdictflow.domain.cloudevents import cloud_event, encode
from verdictflow.domain.identity import case_id_for
from verdictflow.domain.sealing import (
    INSTRUCTION_FORMAT,
    sealed_digest,
    sign_instruction,
    sign_receipt,
)
from verdictflow.domain.topics import (
    DISCLOSURE_RECEIVED,
    DISCLOSURE_RETRACTED,
    HOUSING_DISCLOSURES,
    HOUSING_RECEIPTS,
    POLICE_VERDICTS,
    dlq,
)
from verdictflow.platform.dlq import list_dead_letters, original_of, replay
from verdictflow.platform.settings import Settings
from workflows.case.workflow import VerdictCaseWorkflow

pytestmark = pytest.mark.integration
ORG = "bbs"  # the recipient of the sample verdict (Strandesplanaden, Brøndby Strand)
OTHER = "lejerbo-broendby"  # another organisation of the same partnership, with keys


async def positions(settings: Settings, topic: str) -> set[tuple[int, int]]:
    return {(r.partition, r.offset) for r in await read_topic(settings, topic)}


async def dead_letters_for(settings: Settings, topic: str,
                           originals: set[tuple[int, int]]) -> list:
    """The dead letters of these (partition, offset) records of ``topic``."""
    def original(r) -> tuple[int, int]:  # noqa: ANN001
        h = headers_of(r)
        return int(h["dlq-original-partition"]), int(h["dlq-original-offset"])

    async def found() -> list:
        letters = [r for r in await read_topic(settings, dlq(topic))
                   if headers_of(r)["dlq-original-topic"] == topic.encode()
                   and original(r) in originals]
        return letters if len(letters) >= len(originals) else []

    return await eventually(found, what=f"{len(originals)} dead letter(s) on {dlq(topic)}")


async def test_poison_never_holds_back_the_verdicts_behind_it(stack: Settings) -> None:
    deep = b"[" * 30_000 + b"]" * 30_000  # under the size limit: the depth check refuses it
    near_limit = json.dumps({"padding": "x" * 1_040_000}).encode()  # invalid, and too big
    run = uuid.uuid4().hex[:6]
    good = [registered(f"KBV-POISON-{run}-{n}") for n in range(20)]
    async with running_platform(stack, orgs=[]) as platform:
        before = await positions(stack, POLICE_VERDICTS)
        await produce(stack, POLICE_VERDICTS, (b"poison", deep), (b"poison", near_limit))
        poison = await positions(stack, POLICE_VERDICTS) - before
        await produce(stack, POLICE_VERDICTS,
                      *[(e["subject"].encode(), json.dumps(e).encode()) for e in good])

        letters = await dead_letters_for(stack, POLICE_VERDICTS, poison)
        handles = [platform.client.get_workflow_handle(
            case_id_for(e["subject"], platform.keys.pseudonym_key())) for e in good]

        async def all_started() -> bool:
            for h in handles:
                try:
                    await h.describe()
                except Exception:  # noqa: BLE001 - not started yet
                    return False
            return True

        await eventually(all_started, what="the 20 good verdicts behind the poison to start")
        for h in handles:
            await h.terminate("test over")

        # Nothing is lost: the operator's tools open the copy and follow the reference.
        listed = {(d.partition, d.offset): d for d in
                  await list_dead_letters(stack, POLICE_VERDICTS)}
        originals = {}
        for r in letters:
            assert listed[(r.partition, r.offset)].reason == headers_of(r)["dlq-reason"].decode()
            _, key, value = await original_of(stack, platform.keys, POLICE_VERDICTS,
                                              r.partition, r.offset)
            originals[value] = key
        assert originals == {deep: b"poison", near_limit: b"poison"}
        copy = next(r for r in letters if headers_of(r)["dlq-kind"] == b"copy")
        before_replay = await positions(stack, POLICE_VERDICTS)
        await replay(stack, platform.keys, platform.read_model, POLICE_VERDICTS,
                     copy.partition, copy.offset)
        [replayed] = [r for r in await read_topic(stack, POLICE_VERDICTS)
                      if (r.partition, r.offset) not in before_replay]
        assert (replayed.key, replayed.value) == (b"poison", deep)

    kinds = {headers_of(r)["dlq-kind"]: r for r in letters}
    assert set(kinds) == {b"copy", b"reference"}
    assert b"deeper than 32 levels" in headers_of(kinds[b"copy"])["dlq-reason"]
    reference = json.loads(kinds[b"reference"].value)
    assert reference["original"]["topic"] == POLICE_VERDICTS
    assert reference["original"]["size"] == len(near_limit)
    assert reference["original"]["sha256"] == hashlib.sha256(near_limit).hexdigest()
    assert "larger than 65536 bytes" in reference["reason"]


async def disclosed_case(platform: Platform, stack: Settings) -> tuple[str, dict, str]:
    """A case sealed to ORG: its id, the sealed disclosure and the verdict id."""
    verdict_id = f"KBV-TRUST-{uuid.uuid4().hex[:8]}"
    event = registered(verdict_id)
    await produce(stack, POLICE_VERDICTS, (verdict_id.encode(), json.dumps(event).encode()))
    case_id = case_id_for(verdict_id, platform.keys.pseudonym_key())

    async def sealed() -> dict | None:
        for event in readable_events(await read_topic(stack, HOUSING_DISCLOSURES)):
            data = event.get("data") or {}
            if data.get("case_id") == case_id and "ciphertext" in data:
                return data
        return None

    return case_id, await eventually(sealed, what="the disclosure to be published"), verdict_id


def receipt(case_id: str, sealed: dict, org: str, signer: Ed25519PrivateKey, key_id: str,
            digest: str | None = None) -> tuple[bytes, bytes]:
    fields = {"disclosure_id": sealed["disclosure_id"], "case_id": case_id,
              "recipient_org": org, "key_id": key_id,
              "received_at": datetime.now(UTC).isoformat(),
              "digest": digest or sealed_digest(sealed)}
    event = cloud_event(type=DISCLOSURE_RECEIVED, subject=case_id,
                        data={**fields, "signature": sign_receipt(fields, signer)},
                        time=fields["received_at"], idempotency_key=str(uuid.uuid4()),
                        source=f"urn:dk:bolig:{org}")
    return org.encode(), encode(event)


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


async def test_only_the_recipient_can_receipt_a_disclosure(stack: Settings) -> None:
    async with running_platform(stack, orgs=[]) as platform:
        case_id, sealed, _ = await disclosed_case(platform, stack)
        other = platform.keys.org_keys(OTHER)
        mine = platform.keys.org_keys(ORG)
        stranger = Ed25519PrivateKey.generate()
        keys_before = files_under(stack.keys_dir)
        outside_before = files_under(stack.state_dir.parent) - files_under(stack.state_dir)
        forged = [
            # Another organisation's genuine key, on a disclosure that was not sealed to it.
            receipt(case_id, sealed, OTHER, other.signing, other.signing_key_id),
            # The recipient's key, but a digest of something that was not sent.
            receipt(case_id, sealed, ORG, mine.signing, mine.signing_key_id, digest="0" * 64),
            # An organisation the reference data does not know: no key may be made for it.
            receipt(case_id, sealed, "acme-bolig", stranger, "a" * 16),
            # An id that would be a path out of the key store.
            receipt(case_id, sealed, "../../forged", stranger, "a" * 16),
        ]
        before = await positions(stack, HOUSING_RECEIPTS)
        await produce(stack, HOUSING_RECEIPTS, *forged)
        sent = await positions(stack, HOUSING_RECEIPTS) - before
        letters = await dead_letters_for(stack, HOUSING_RECEIPTS, sent)
        status = await platform.client.get_workflow_handle(case_id).query(
            VerdictCaseWorkflow.status)
        assert status.stage == "disclosed"  # nothing moved the case on

        # The recipient's own receipt still works afterwards.
        await produce(stack, HOUSING_RECEIPTS,
                      receipt(case_id, sealed, ORG, mine.signing, mine.signing_key_id))

        async def decided_next() -> bool:
            handle = platform.client.get_workflow_handle(case_id)
            return (await handle.query(VerdictCaseWorkflow.status)).stage == "awaiting_decision"

        await eventually(decided_next, what="the genuine receipt to move the case on")
        await platform.client.get_workflow_handle(case_id).terminate("test over")

    reasons = sorted(headers_of(r)["dlq-reason"].decode() for r in letters)
    assert any(f"sealed to {ORG}" in r and OTHER in r for r in reasons), reasons
    assert any("digest does not match" in r for r in reasons), reasons
    assert any("unknown organisation (acme-bolig)" in r for r in reasons), reasons
    assert any("recipient_org does not match" in r for r in reasons), reasons
    assert files_under(stack.keys_dir) == keys_before
    assert not any("forged" in str(p) or "acme" in str(p) for p in files_under(stack.state_dir))
    assert files_under(stack.state_dir.parent) - files_under(stack.state_dir) == outside_before


def retraction(case_id: str, disclosure_id: str, signer: Ed25519PrivateKey | None,
               signer_kid: str) -> tuple[bytes, bytes]:
    fields = {"format": INSTRUCTION_FORMAT, "instruction": "delete",
              "disclosure_id": disclosure_id, "case_id": case_id, "recipient_org": ORG,
              "reason": "verdict_overturned", "issued_at": datetime.now(UTC).isoformat(),
              "signer_key_id": signer_kid}
    signature = sign_instruction(fields, signer) if signer else base64.b64encode(
        b"\0" * 64).decode()
    event = cloud_event(type=DISCLOSURE_RETRACTED, subject=case_id,
                        data={**fields, "signature": signature}, time=fields["issued_at"],
                        idempotency_key=str(uuid.uuid4()))
    return ORG.encode(), encode(event)


async def test_a_forged_retraction_deletes_nothing(stack: Settings) -> None:
    async with running_platform(stack, orgs=[ORG]) as platform:
        case_id, sealed, verdict_id = await disclosed_case(platform, stack)
        db = inbox.gateway_store(stack)

        async def kept() -> bool:
            return any(d.disclosure_id == sealed["disclosure_id"] and d.status == "kept"
                       for d in inbox.kept(db, ORG))

        await eventually(kept, what="the gateway to keep its copy")
        platform_kid, _ = platform.keys.platform_signing()
        forged = [
            retraction(case_id, sealed["disclosure_id"], Ed25519PrivateKey.generate(),
                       platform_kid),  # claims the platform's key id, signed by another
            retraction(case_id, sealed["disclosure_id"], None, platform_kid),  # no signature
        ]
        # The pre-signing format: what anyone could write to the topic before.
        unsigned = cloud_event(type=DISCLOSURE_RETRACTED, subject=case_id, data={
            "disclosure_id": sealed["disclosure_id"], "case_id": case_id,
            "recipient_org": ORG, "reason": "verdict_overturned", "instruction": "delete"},
            time=datetime.now(UTC).isoformat(), idempotency_key=str(uuid.uuid4()))
        forged.append((ORG.encode(), encode(unsigned)))
        # The gateway's consumer once retried a poison record for ever, like ingest's.
        forged.append((ORG.encode(), b"[" * 30_000 + b"]" * 30_000))
        before = await positions(stack, HOUSING_DISCLOSURES)
        await produce(stack, HOUSING_DISCLOSURES, *forged)
        sent = await positions(stack, HOUSING_DISCLOSURES) - before
        letters = await dead_letters_for(stack, HOUSING_DISCLOSURES, sent)
        assert await kept()  # the copy is still there

        # The platform's own retraction (an overturned verdict) does delete it.
        overturn = {**registered(verdict_id), "type": "dk.politi.verdict.overturned.v1",
                    "id": str(uuid.uuid4())}
        overturn["data"] = {"verdict_id": verdict_id, "decided_on": overturn["data"]["decided_on"]}
        await produce(stack, POLICE_VERDICTS, (verdict_id.encode(), json.dumps(overturn).encode()))

        async def deleted() -> bool:
            return any(d.disclosure_id == sealed["disclosure_id"] and d.status == "deleted"
                       for d in inbox.kept(db, ORG))

        await eventually(deleted, what="the signed retraction to delete the copy")

    reasons = [headers_of(r)["dlq-reason"].decode() for r in letters]
    assert sum("does not verify" in r for r in reasons) == 2, reasons
    assert any("missing field" in r for r in reasons), reasons
    assert any("deeper than 32 levels" in r for r in reasons), reasons
