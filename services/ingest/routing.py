"""What a validated event asks of Temporal: pure, so it can be tested without servers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from verdictflow.domain.case import CaseInput, ReceiptSignal, VerdictSignal
from verdictflow.domain.identity import case_id_for, person_ref
from verdictflow.domain.topics import DISCLOSURE_RECEIVED, VERDICT_REGISTERED
from verdictflow.domain.verdict import change_from_data, verdict_from_data


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


Action = StartCase | SignalVerdictChange | SignalReceipt


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


def route_receipt(envelope: dict[str, Any]) -> SignalReceipt:
    assert envelope["type"] == DISCLOSURE_RECEIVED
    data = dict(envelope["data"])
    signature = data.pop("signature")
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
