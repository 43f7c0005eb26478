"""The contract's limits: hostile events are refused cheaply, and every valid event finishes.

The largest event the contract accepts is built here and carried through everything a case
does with it (Temporal payload, sealed disclosure, Kafka record): if a limit is loosened
without room downstream, this fails before a case can get stuck retrying for ever.
"""

from __future__ import annotations

import copy
import json
import time
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from temporalio.converter import default as default_converter

from activities.disclosure import disclosure_content
from tests.unit.test_policy import CONTRACT_DATA, POLICY, PS
from verdictflow.domain.cloudevents import cloud_event, encode
from verdictflow.domain.contract import (
    MAX_DEPTH,
    MAX_EVENT_BYTES,
    InvalidEvent,
    nesting_depth,
    parse_json,
    validate_event,
)
from verdictflow.domain.policy import assess
from verdictflow.domain.sealing import seal_disclosure
from verdictflow.domain.topics import DISCLOSURE_SEALED, POLICE_TYPES, VERDICT_REGISTERED
from verdictflow.domain.verdict import verdict_from_data
from verdictflow.platform.kafka import KAFKA_MAX_MESSAGE_BYTES
from workflows.case.messages import CaseInput, SealRequest

TEMPORAL_PAYLOAD_WARN_BYTES = 512 * 1024  # Temporal warns above this and refuses at 2 MiB


def registered(data: dict) -> bytes:
    return encode(cloud_event(type=VERDICT_REGISTERED, subject=data["verdict_id"], data=data,
                              time="2026-11-18T10:00:00Z", idempotency_key=data["verdict_id"],
                              source="urn:dk:politi:kbh-vestegn"))


@pytest.mark.parametrize("raw", [
    b"[" * 50_000,
    b'{"a":' * 13_000,
    b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
])
def test_deep_nesting_is_refused_before_parsing(raw: bytes):
    started = time.perf_counter()
    with pytest.raises(InvalidEvent, match=f"deeper than {MAX_DEPTH} levels"):
        parse_json(raw)
    assert time.perf_counter() - started < 1.0


def test_brackets_inside_strings_do_not_count():
    assert nesting_depth(json.dumps({"a": "[[[[{{{{", "b": ['"]]]\\', {"c": 1}]})) == 3


def test_escaped_quotes_cannot_hide_nesting():
    # A string that never ends (escaped quotes all the way) is refused, however it is read.
    hostile = b'["' + b'\\"' * 20_000 + b'"' + b"[" * 100
    with pytest.raises(InvalidEvent):
        parse_json(hostile)


def test_too_many_offences_are_refused():
    data = copy.deepcopy(CONTRACT_DATA)
    data["offences"] = [{"law": "straffeloven", "section": "244"}] * 21  # small, but too many
    with pytest.raises(InvalidEvent, match="data.offences must have at most 20 items"):
        validate_event(registered(data), POLICE_TYPES)
    data["offences"] = [{"law": "straffeloven", "section": "244"}] * 10_000
    with pytest.raises(InvalidEvent, match="larger than"):
        validate_event(registered(data), POLICE_TYPES)


def test_an_event_over_the_size_limit_is_refused():
    data = copy.deepcopy(CONTRACT_DATA)
    data["padding"] = "x" * MAX_EVENT_BYTES
    with pytest.raises(InvalidEvent, match="larger than"):
        validate_event(registered(data), POLICE_TYPES)


@pytest.mark.parametrize("field,value", [
    ("days", 10**9), ("amount_dkk", 10**15),
])
def test_sentence_numbers_are_bounded(field: str, value: int):
    data = copy.deepcopy(CONTRACT_DATA)
    data["sentence"] = {"kind": "unconditional_custody", "days": 30, field: value}
    with pytest.raises(InvalidEvent, match="must be at most"):
        validate_event(registered(data), POLICE_TYPES)


def largest_valid_event() -> dict:
    """Every string at its maximum, in four-byte characters, until the byte limit is met."""
    data = copy.deepcopy(CONTRACT_DATA)
    wide = "😀"
    data["court"] = wide * 200
    data["case_reference"] = wide * 100
    data["person"]["name"] = wide * 300
    data["person"]["registered_address"]["street"] = wide * 200
    data["crime_scene"]["street"] = wide * 200
    data["offences"] = []
    for _ in range(20):
        offence = {"law": "straffeloven", "section": "244", "description": wide * 1000}
        data["offences"].append(offence)
        over = len(registered(data)) - MAX_EVENT_BYTES
        if over > 0:  # shorten the last description until the event fits, or drop it
            keep = 1000 - (over + 3) // 4
            if keep > 0:
                offence["description"] = wide * keep
            else:
                data["offences"].pop()
            break
    return data


def test_the_largest_valid_event_can_be_carried_through_a_whole_case():
    data = largest_valid_event()
    raw = registered(data)
    assert MAX_EVENT_BYTES * 0.95 < len(raw) <= MAX_EVENT_BYTES
    envelope = validate_event(raw, POLICE_TYPES)

    verdict = verdict_from_data(envelope["data"])
    case = CaseInput(case_id="case-" + "f" * 32, person_ref="p" * 64, verdict=verdict,
                     registered_event_id=envelope["id"])
    payload = default_converter().payload_converter.to_payloads([case])[0]
    assert payload.ByteSize() < TEMPORAL_PAYLOAD_WARN_BYTES

    decision = assess(verdict, POLICY, PS, date(2026, 11, 23))
    request = SealRequest(case.case_id, case.case_id + "-d1", verdict, decision, "2026-12-07")
    sealed = seal_disclosure(
        disclosure_content(request, b"k" * 32), disclosure_id=request.disclosure_id,
        case_id=case.case_id, recipient_org="bbs", recipient_key_id="0" * 16,
        recipient_public=X25519PrivateKey.generate().public_key(),
        signer=Ed25519PrivateKey.generate(), signer_key_id="1" * 16)
    record = encode(cloud_event(type=DISCLOSURE_SEALED, subject=case.case_id,
                                data=sealed.to_dict(), time="2026-11-23T10:00:00Z",
                                idempotency_key="disclosure:x"))
    # Room for Kafka's record overhead and headers, with a wide margin.
    assert len(record) < KAFKA_MAX_MESSAGE_BYTES / 2
