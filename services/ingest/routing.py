"""What a validated event asks of Temporal: pure, so it can be tested without servers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from verdictflow.domain.identity import case_id_for, is_case_id, person_ref
from verdictflow.domain.topics import DISCLOSURE_DELETED, DISCLOSURE_RECEIVED, VERDICT_REGISTERED
from verdictflow.domain.verdict import change_from_data, verdict_from_data
from workflows.case.messages import (
    CaseInput,
    CaseStatus,
    DeletionSignal,
    ReceiptSignal,
    VerdictSignal,
)


@dataclass
class StartCase:
    case_id: str
    case: CaseInput


@dataclass
class SignalVerdictChange:
    case_id: str
    signal: VerdictSignal


@dataclass
class SignalReceipt:
    case_id: str
    org_id: str
    signed_fields: dict[str, str]
    signature: str
    signal: ReceiptSignal


@dataclass
class SignalDeletion:
    """A housing organisation's signed confirmation that it deleted a retracted copy."""

    case_id: str
    org_id: str
    signed_fields: dict[str, str]
    signature: str
    signal: DeletionSignal


Action = StartCase | SignalVerdictChange | SignalReceipt | SignalDeletion


def route_police_event(envelope: dict[str, Any], pseudonym_key: bytes) -> Action:
    data = envelope["data"]
    case_id = case_id_for(data["verdict_id"], pseudonym_key)
    if envelope["type"] == VERDICT_REGISTERED:
        verdict = verdict_from_data(data)
        return StartCase(case_id, CaseInput(
            case_id=case_id,
            person_ref=person_ref(verdict.person.cpr, pseudonym_key),
            verdict=verdict,
            registered_event_id=envelope["id"],
        ))
    change = change_from_data(envelope["id"], envelope["type"], data)
    return SignalVerdictChange(case_id, VerdictSignal(
        event_id=envelope["id"], type=envelope["type"], decided_on=data["decided_on"],
        change=change,
    ))


class Unroutable(ValueError):
    """A valid event that names nothing it could apply to; the message is the reason."""


def _signed_data(envelope: dict[str, Any], record_key: bytes | None) -> tuple[dict[str, Any], str]:
    """A receipt's (or deletion receipt's) signed fields and signature, bound to its case
    and to the organisation it names, which must be the record key."""
    data = dict(envelope["data"])
    signature = data.pop("signature")
    if not is_case_id(data["case_id"]):
        raise Unroutable("case_id is not a case id")
    if envelope["subject"] != data["case_id"]:
        raise Unroutable("subject must equal data.case_id for receipts")
    if record_key != data["recipient_org"].encode():
        raise Unroutable("the record key must be the receipting organisation's id")
    return data, signature


def route_receipt(envelope: dict[str, Any], record_key: bytes | None) -> SignalReceipt:
    if envelope["type"] != DISCLOSURE_RECEIVED:
        raise Unroutable("not a receipt")
    data, signature = _signed_data(envelope, record_key)
    return SignalReceipt(
        case_id=data["case_id"],
        org_id=data["recipient_org"],
        signed_fields=data,
        signature=signature,
        signal=ReceiptSignal(
            event_id=envelope["id"], disclosure_id=data["disclosure_id"],
            org_id=data["recipient_org"], received_at=data["received_at"], digest=data["digest"],
        ),
    )


def receipt_problem(receipt: SignalReceipt, case: CaseStatus) -> str | None:
    """Why this receipt is not the receipt of what the case sent, or None.

    Only the organisation a disclosure was sealed to may receipt it: every gateway can read
    the sealed bytes on the shared topic, so a valid signature and digest alone prove
    nothing about who was meant to have it.
    """
    if case.disclosure_id is None:
        return f"case {case.case_id} has sent no disclosure"
    if receipt.signal.disclosure_id != case.disclosure_id:
        return f"the receipt names disclosure {receipt.signal.disclosure_id}, " \
               f"the case sent {case.disclosure_id}"
    if receipt.org_id != case.housing_org_id:
        return f"receipt from {receipt.org_id}, but the disclosure was sealed to " \
               f"{case.housing_org_id}"
    if case.disclosure_digest is not None and receipt.signal.digest != case.disclosure_digest:
        return "the receipt's digest does not match the disclosure sent"
    return None


def route_deletion(envelope: dict[str, Any], record_key: bytes | None) -> SignalDeletion:
    if envelope["type"] != DISCLOSURE_DELETED:
        raise Unroutable("not a deletion receipt")
    data, signature = _signed_data(envelope, record_key)
    return SignalDeletion(
        case_id=data["case_id"],
        org_id=data["recipient_org"],
        signed_fields=data,
        signature=signature,
        signal=DeletionSignal(
            event_id=envelope["id"], disclosure_id=data["disclosure_id"],
            org_id=data["recipient_org"], retraction_id=data["retraction_id"],
            retraction_digest=data["retraction_digest"], deleted_at=data["deleted_at"],
        ),
    )


def deletion_problem(deletion: SignalDeletion, case: CaseStatus) -> str | None:
    """Why this is not the confirmation of what the case retracted, or None: only the
    organisation the disclosure was sealed to, for that disclosure and its retraction."""
    if case.retraction_id is None:
        return f"case {case.case_id} has retracted nothing"
    if deletion.signal.disclosure_id != case.disclosure_id:
        return f"the deletion receipt names disclosure {deletion.signal.disclosure_id}, " \
               f"the case retracted {case.disclosure_id}"
    if deletion.org_id != case.housing_org_id:
        return f"deletion receipt from {deletion.org_id}, but the disclosure was sealed to " \
               f"{case.housing_org_id}"
    if deletion.signal.retraction_id != case.retraction_id:
        return "the deletion receipt names another retraction than the case sent"
    return None
