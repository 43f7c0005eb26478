"""docs/contracts.md against the code: what it names exists, what it shows is valid.

Producers outside this repository build against that document; when a topic, a type, a
schema or a limit changes in the code and not in the document, this fails.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from activities.casebook import CASE_DEADLINE
from services.ingest.routing import route_deletion, route_receipt
from tests.unit.test_contract import EXAMPLE
from verdictflow.domain import topics
from verdictflow.domain.cloudevents import encode
from verdictflow.domain.contract import (
    DATA_SCHEMAS,
    ENVELOPE_SCHEMA,
    MAX_DEPTH,
    MAX_EVENT_BYTES,
    validate_event,
)
from verdictflow.domain.sealing import INSTRUCTION_FORMAT, sealed_digest
from verdictflow.platform.deadletter import KIND_HEADER, SEALED_HEADER, origin_headers
from verdictflow.platform.settings import REPO_DIR

DOC = (REPO_DIR / "docs" / "contracts.md").read_text(encoding="utf-8")
EVERY_TYPE = tuple(v for k, v in vars(topics).items()
                   if k.isupper() and isinstance(v, str) and v.startswith("dk."))


def _examples() -> list[dict[str, Any]]:
    blocks = re.findall(r"```json\n(.*?)```", DOC, flags=re.DOTALL)
    return [json.loads(b) for b in blocks if '"specversion"' in b]


def _example(event_type: str) -> dict[str, Any]:
    [found] = [e for e in _examples() if e["type"] == event_type]
    return found


def test_every_topic_type_and_schema_is_written_down() -> None:
    named = [*topics.TOPICS, *EVERY_TYPE, *CASE_DEADLINE.values(), ENVELOPE_SCHEMA,
             *DATA_SCHEMAS.values(), INSTRUCTION_FORMAT]
    assert [n for n in named if f"`{n}`" not in DOC] == []


@pytest.mark.parametrize("event", _examples(), ids=lambda e: e["type"])
def test_every_example_event_is_valid(event: dict[str, Any]) -> None:
    assert validate_event(encode(event), EVERY_TYPE) == event


def test_the_examples_cover_every_schema() -> None:
    assert set(DATA_SCHEMAS) - {e["type"] for e in _examples()} <= {
        topics.VERDICT_APPEALED, topics.VERDICT_OVERTURNED}  # the schema of finalized


def test_the_registered_example_is_the_contract_tests_own() -> None:
    assert _example(topics.VERDICT_REGISTERED) == EXAMPLE


def test_the_receipt_example_receipts_the_sealed_example() -> None:
    sealed = _example(topics.DISCLOSURE_SEALED)
    receipt = _example(topics.DISCLOSURE_RECEIVED)
    assert receipt["data"]["digest"] == sealed_digest(sealed["data"])
    # ... and passes ingest's own checks of subject, case id and record key.
    routed = route_receipt(receipt, sealed["data"]["recipient_org"].encode())
    assert routed.signal.disclosure_id == sealed["data"]["disclosure_id"]


def test_the_deletion_example_confirms_the_retraction_example() -> None:
    retraction = _example(topics.DISCLOSURE_RETRACTED)
    deletion = _example(topics.DISCLOSURE_DELETED)
    assert deletion["data"]["retraction_id"] == retraction["id"]
    assert deletion["data"]["retraction_digest"] == sealed_digest(retraction["data"])
    routed = route_deletion(deletion, retraction["data"]["recipient_org"].encode())
    assert routed.signal.disclosure_id == retraction["data"]["disclosure_id"]


def test_limits_and_dead_letter_headers_are_the_codes() -> None:
    assert MAX_EVENT_BYTES == 64 * 1024 and "**64 KiB**" in DOC
    assert f"**{MAX_DEPTH}** levels" in DOC
    headers = [name for name, _ in origin_headers(_FakeRecord(), "r")]
    assert [h for h in [*headers, KIND_HEADER, SEALED_HEADER] if f"`{h}" not in DOC] == []


def test_the_readme_points_to_it() -> None:
    readme = (REPO_DIR / "README.md").read_text(encoding="utf-8")
    assert "docs/contracts.md" in readme
    assert "shared/contracts" not in readme  # not in this repository


class _FakeRecord:
    topic, partition, offset = "police.verdicts.v1", 0, 0
