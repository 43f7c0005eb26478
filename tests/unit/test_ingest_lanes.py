"""Ingest's receipt lanes: a receipt's lane is the case it names, whatever the record holds."""

from __future__ import annotations

import json
from dataclasses import dataclass

from services.ingest.service import receipt_lane
from verdictflow.domain.contract import MAX_EVENT_BYTES


@dataclass
class Record:
    value: bytes | None


def test_a_receipt_goes_in_the_lane_of_the_case_it_names() -> None:
    case = "case-" + "0" * 32
    value = json.dumps({"type": "dk.tryghed.disclosure.received.v1", "subject": case}).encode()
    assert receipt_lane(Record(value)) == case  # type: ignore[arg-type]


def test_what_cannot_be_read_shares_one_lane() -> None:
    for value in (None, b"", b"{oops", b"[1, 2]", b'{"subject": 7}',
                  json.dumps({"subject": "x" * MAX_EVENT_BYTES}).encode(),
                  b"[" * 30_000 + b"]" * 30_000):  # under the size limit, too deep to parse
        assert receipt_lane(Record(value)) == ""  # type: ignore[arg-type]
