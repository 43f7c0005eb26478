"""On the real stack: a verdict overturned after the case closed on a warning is
retracted, the gateway deletes its copy and confirms it with a signed deletion receipt,
and the case records the confirmation; a forged confirmation is dead-lettered."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import select

from services.gateway import inbox
from tests.integration.events import change
from tests.integration.platform import (
    Platform,
    as_json,
    eventually,
    headers_of,
    produce,
    read_topic,
    readable_events,
)
from tests.integration.platform import running_platform as running
from tests.integration.test_trust_boundaries import (
    ORG,
    OTHER,
    dead_letters_for,
    disclosed_case,
    positions,
)
from verdictflow.domain.cloudevents import cloud_event, encode
from verdictflow.domain.lifetime import retraction_event_id
from verdictflow.domain.sealing import sign_receipt, verify_receipt
from verdictflow.domain.topics import (
    DISCLOSURE_DELETED,
    DISCLOSURE_RETRACTED,
    HOUSING_DISCLOSURES,
    HOUSING_RECEIPTS,
    POLICE_VERDICTS,
)
from verdictflow.platform.audit import DISCLOSURE_DELETED as DELETION_AUDITED
from verdictflow.platform.readmodel import AuditEntry
from verdictflow.platform.settings import Settings
from workflows.case.messages import DecisionRequest
from workflows.case.workflow import VerdictCaseWorkflow

pytestmark = pytest.mark.integration


async def stage_is(platform: Platform, case_id: str, stage: str) -> None:
    async def reached() -> bool:
        handle = platform.client.get_workflow_handle(case_id)
        return (await handle.query(VerdictCaseWorkflow.status)).stage == stage

    await eventually(reached, what=f"the case to reach {stage}")


async def overturn(stack: Settings, verdict_id: str) -> None:
    event = change(verdict_id, "overturned")
    await produce(stack, POLICE_VERDICTS, (verdict_id.encode(), json.dumps(event).encode()))


def confirmations(platform: Platform, case_id: str) -> list[AuditEntry]:
    with platform.read_model.session() as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.case_id == case_id,
                                                    AuditEntry.action == DELETION_AUDITED)))


async def test_a_late_overturn_is_retracted_and_the_deletion_confirmed(stack: Settings) -> None:
    async with running(stack, orgs=[ORG]) as platform:
        case_id, sealed, verdict_id = await disclosed_case(platform, stack)
        db = inbox.gateway_store(stack)
        await stage_is(platform, case_id, "awaiting_decision")  # the gateway receipted it
        await platform.client.get_workflow_handle(case_id).execute_update(
            VerdictCaseWorkflow.decide, DecisionRequest(
                f"{case_id}-decision", "warn", "Advarsel efter husordenen; ingen ophævelse.",
                "sagsbehandler-1", ORG))
        await stage_is(platform, case_id, "closed")
        copy = [d for d in inbox.kept(db, ORG) if d.disclosure_id == sealed["disclosure_id"]]
        assert [d.status for d in copy] == ["kept"]  # a warning leaves the copy

        await overturn(stack, verdict_id)  # after the case closed: it still answers
        await stage_is(platform, case_id, "retracted")

        async def deletion_receipt() -> dict | None:
            for r in await read_topic(stack, HOUSING_RECEIPTS):
                e = as_json(r)
                if e["type"] == DISCLOSURE_DELETED and e["subject"] == case_id:
                    return {"key": r.key, **e}
            return None

        receipt = await eventually(deletion_receipt, what="the gateway's deletion receipt")
        recorded = await eventually(lambda: _some(confirmations(platform, case_id)),
                                    what="the case to record the confirmation")
        retractions = [e for e in readable_events(await read_topic(stack, HOUSING_DISCLOSURES))
                       if e.get("type") == DISCLOSURE_RETRACTED and e.get("subject") == case_id]
        mine = platform.keys.org_keys(ORG)
        await platform.client.get_workflow_handle(case_id).terminate("test over")

    [copy_after] = [d for d in inbox.kept(db, ORG) if d.disclosure_id == sealed["disclosure_id"]]
    assert (copy_after.status, copy_after.sealed) == ("deleted", None)
    assert receipt["key"] == ORG.encode()
    data = dict(receipt["data"])
    signature = data.pop("signature")
    verify_receipt(data, signature, mine.signing.public_key())  # the organisation's own key
    retraction = retractions[0]
    assert data["retraction_id"] == retraction["id"] == retraction_event_id(
        sealed["disclosure_id"])
    assert data["disclosure_id"] == sealed["disclosure_id"]
    [entry] = recorded
    assert (entry.actor, entry.org_id) == (ORG, ORG)


async def _some(entries: list[AuditEntry]) -> list[AuditEntry] | None:
    return entries or None


def deletion(case_id: str, disclosure_id: str, org: str, signer: Ed25519PrivateKey,
             key_id: str) -> tuple[bytes, bytes]:
    fields = {"disclosure_id": disclosure_id, "case_id": case_id, "recipient_org": org,
              "key_id": key_id, "retraction_id": retraction_event_id(disclosure_id),
              "retraction_digest": "0" * 64, "deleted_at": datetime.now(UTC).isoformat()}
    event = cloud_event(type=DISCLOSURE_DELETED, subject=case_id,
                        data={**fields, "signature": sign_receipt(fields, signer)},
                        time=fields["deleted_at"], idempotency_key=str(uuid.uuid4()),
                        source=f"urn:dk:bolig:{org}")
    return org.encode(), encode(event)


async def test_a_forged_deletion_receipt_is_dead_lettered(stack: Settings) -> None:
    # No gateway runs: nothing but the forgeries could confirm the deletion.
    async with running(stack, orgs=[]) as platform:
        case_id, sealed, verdict_id = await disclosed_case(platform, stack)
        await overturn(stack, verdict_id)
        await stage_is(platform, case_id, "retracted")
        mine, other = platform.keys.org_keys(ORG), platform.keys.org_keys(OTHER)
        d1 = sealed["disclosure_id"]
        forged = [
            # The recipient's name and key id, signed with another key.
            deletion(case_id, d1, ORG, Ed25519PrivateKey.generate(), mine.signing_key_id),
            # Another organisation's genuine key: the disclosure was not sealed to it.
            deletion(case_id, d1, OTHER, other.signing, other.signing_key_id),
        ]
        before = await positions(stack, HOUSING_RECEIPTS)
        await produce(stack, HOUSING_RECEIPTS, *forged)
        sent = await positions(stack, HOUSING_RECEIPTS) - before
        letters = await dead_letters_for(stack, HOUSING_RECEIPTS, sent)
        assert confirmations(platform, case_id) == []  # the case recorded nothing
        await platform.client.get_workflow_handle(case_id).terminate("test over")

    reasons = sorted(headers_of(r)["dlq-reason"].decode() for r in letters)
    assert any("deletion receipt refused" in r and "does not verify" in r for r in reasons), \
        reasons
    assert any(f"sealed to {ORG}" in r and OTHER in r for r in reasons), reasons
