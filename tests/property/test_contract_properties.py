"""Properties of the event contract (``verdictflow.domain.contract``) on generated events.

- Whatever bytes arrive, ``validate_event`` returns an envelope or raises ``InvalidEvent``:
  anything else escapes the ingest's dead-lettering and stalls its partition for good
  (``handle_until_done`` retries unexpected errors forever).
- Every event generated from the schema files themselves is accepted, so the validator and
  the schemas cannot drift apart, and every accepted ``registered`` event builds a verdict.
- What is accepted re-encodes as strict UTF-8 JSON (it is HMAC'd, sealed and re-published).
- A valid event that loses a required field, gets a field of the wrong type or breaks a
  field's pattern, format or length is refused, with a reason that names paths and rules
  but never a value from the event (the reason travels in a dead-letter header, outside
  the encrypted payload).

Each hostile shape here once got past ``contract.parse_json`` as another exception than
``InvalidEvent`` (RecursionError, ValueError, an accepted infinity or lone surrogate).
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.property.schemas import data_schema, envelope_schema, schema_file, valid_events
from tests.unit.test_contract import CONTRACT_EXAMPLE
from verdictflow.domain import contract
from verdictflow.domain.contract import (
    DATA_SCHEMAS,
    ENVELOPE_SCHEMA,
    InvalidEvent,
    validate_event,
)
from verdictflow.domain.topics import POLICE_TYPES, VERDICT_REGISTERED
from verdictflow.domain.verdict import change_from_data, verdict_from_data

ALL_TYPES = tuple(DATA_SCHEMAS)
QUICK = settings(max_examples=80, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def encode(event: Any) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode()


def outcome(raw: bytes) -> dict[str, Any] | InvalidEvent:
    """The parsed event or the ``InvalidEvent``; any other exception fails the test."""
    try:
        return validate_event(raw, ALL_TYPES)
    except InvalidEvent as exc:
        return exc


# -- any bytes ------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@st.composite
def damaged_events(draw: st.DrawFn) -> bytes:
    """A valid event's bytes, cut short or with a few bytes overwritten."""
    raw = bytearray(encode(draw(valid_events())))
    if draw(st.booleans()):
        return bytes(raw[: draw(st.integers(0, len(raw)))])
    for _ in range(draw(st.integers(1, 4))):
        raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
    return bytes(raw)


@QUICK
@given(st.one_of(st.binary(max_size=500), json_values.map(encode), damaged_events()))
@example(b"")
@example(b"null")
@example(b'{"type": 1}')
@example(b"NaN")
@example(b'{"a": 1, "a": 2}')
def test_any_bytes_give_an_event_or_invalid_event(raw: bytes) -> None:
    result = outcome(raw)
    assert isinstance(result, (dict, InvalidEvent))
    if isinstance(result, InvalidEvent):
        assert result.reason


def _nested(opening: str, closing: str, depth: int) -> bytes:
    return (opening * depth + "1" + closing * depth).encode()


EXAMPLE_BYTES = encode(json.loads(CONTRACT_EXAMPLE))


def _in_valid_event(extra: str) -> bytes:
    """The contract example with ``extra`` as the value of an unknown data field."""
    return EXAMPLE_BYTES.replace(b'"data": {', b'"data": {"extra": ' + extra.encode() + b", ", 1)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"[" * 50_000, id="50k-unclosed-arrays"),
        pytest.param(b'{"a":' * 50_000, id="50k-unclosed-objects"),
        pytest.param(_nested("[", "]", 50_000), id="50k-closed-arrays"),
        pytest.param(_in_valid_event(_nested('{"a":', "}", 50_000).decode()),
                     id="50k-objects-inside-a-valid-event"),
        pytest.param(_in_valid_event("1" * 5_000), id="5000-digit-integer"),
        pytest.param(_nested("[", "]", 200), id="200-deep-arrays"),
        pytest.param(_in_valid_event(_nested('{"a":', "}", 200).decode()),
                     id="200-deep-objects-inside-a-valid-event"),
    ],
)
def test_hostile_shapes_give_an_event_or_invalid_event(raw: bytes) -> None:
    assert isinstance(outcome(raw), (dict, InvalidEvent))


def _strict_utf8_json(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False, allow_nan=False).encode("utf-8")


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(_in_valid_event("1e999"), id="number-overflowing-to-infinity"),
        pytest.param(EXAMPLE_BYTES.replace(b'"KBV-2026-004711"', b'"KBV-\\ud800"'),
                     id="lone-surrogate-in-verdict-id"),
    ],
)
def test_an_accepted_event_is_strict_utf8_json(raw: bytes) -> None:
    """What is accepted is used downstream as text (HMAC'd, sealed, re-published): it must
    re-encode as UTF-8 JSON without non-finite numbers, or be refused up front."""
    result = outcome(raw)
    if isinstance(result, dict):
        _strict_utf8_json(result)


# -- events generated from the schemas --------------------------------------------------
@QUICK
@given(valid_events())
def test_events_generated_from_the_schemas_are_accepted(event: dict[str, Any]) -> None:
    assert validate_event(encode(event), ALL_TYPES) == event
    _strict_utf8_json(event)


@QUICK
@given(valid_events((VERDICT_REGISTERED,)))
def test_every_valid_registered_event_builds_a_verdict(event: dict[str, Any]) -> None:
    data = validate_event(encode(event), ALL_TYPES)["data"]
    verdict = verdict_from_data(data)
    assert verdict.verdict_id == event["subject"] == data["verdict_id"]
    assert verdict.person.cpr == data["person"]["cpr"]
    assert [o.section for o in verdict.offences] == [str(o["section"]) for o in data["offences"]]
    assert verdict.sentence.kind == data["sentence"]["kind"]
    assert (verdict.crime_scene.lat, verdict.crime_scene.lon) == (
        data["crime_scene"].get("lat"), data["crime_scene"].get("lon"))
    assert data["person"]["cpr"] not in repr(verdict)


@QUICK
@given(valid_events(tuple(t for t in POLICE_TYPES if t != VERDICT_REGISTERED)))
def test_every_valid_change_event_builds_a_change(event: dict[str, Any]) -> None:
    data = validate_event(encode(event), ALL_TYPES)["data"]
    change = change_from_data(event["id"], event["type"], data)
    assert (change.verdict_id, change.decided_on) == (data["verdict_id"], data["decided_on"])


# -- mutated events -------------------------------------------------------------------
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Field:
    path: Path
    required: bool
    schema: dict[str, Any]  # with its allOf members folded in

    def declared(self, keyword: str) -> Any:
        return self.schema.get(keyword)

    @property
    def types(self) -> set[str]:
        if "type" in self.schema:
            kinds = self.schema["type"]
            kinds = {kinds} if isinstance(kinds, str) else set(kinds)
            return kinds | {"integer"} if "number" in kinds else kinds
        values = [self.schema["const"]] if "const" in self.schema else self.schema.get("enum", [])
        return {"string" if isinstance(v, str) else "number" for v in values}


def _parts(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema and, recursively, the members of its ``allOf``."""
    return [schema, *(p for s in schema.get("allOf", []) for p in _parts(s))]


def _folded(schema: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in reversed(_parts(schema)):
        out.update({k: v for k, v in part.items() if k != "allOf"})
    return out


def _fields(value: Any, schema: dict[str, Any], path: Path = ()) -> list[Field]:
    """Every value in ``value`` that its schema describes, with the schema describing it."""
    out = []
    parts = _parts(schema)
    if isinstance(value, dict):
        required = {r for p in parts for r in p.get("required", [])}
        for key, child in value.items():
            sub = next((p["properties"][key] for p in parts if key in p.get("properties", {})),
                       None)
            if sub is not None:
                out.append(Field((*path, key), key in required, _folded(sub)))
                out.extend(_fields(child, sub, (*path, key)))
    elif isinstance(value, list):
        items = next((p["items"] for p in parts if "items" in p), None)
        if items is not None:
            for i, child in enumerate(value):
                out.extend(_fields(child, items, (*path, i)))
    return out


def _event_fields(event: dict[str, Any]) -> list[Field]:
    top = [f for f in _fields(event, envelope_schema()) if f.path[0] != "data" or len(f.path) == 1]
    return top + _fields(event["data"], data_schema(event["type"]), ("data",))


def _parent(event: dict[str, Any], path: Path) -> Any:
    node: Any = event
    for part in path[:-1]:
        node = node[part]
    return node


def _retyped(value: Any) -> dict[str, Any]:
    """The value as each JSON type, carrying the original where it can, so a reason that
    echoed the value would show it (as a validator's message does: "... is not of type")."""
    digits = isinstance(value, str) and value.isascii() and value.isdigit()
    return {
        "null": None, "boolean": True, "number": 1.5,
        "integer": int(value) if digits else 7,
        "string": value if isinstance(value, str) else json.dumps(value),
        "array": [value], "object": {"value": value},
    }


def _rule_broken(value: str, field: Field) -> str | None:
    """The string made to break the field's pattern, format, const or enum, or its maxLength."""
    if any(field.declared(k) is not None for k in ("pattern", "format", "const", "enum")):
        return "#!" + value  # every pattern here is anchored at the start
    if field.declared("maxLength") is not None:
        return value + "y" * (int(field.declared("maxLength")) + 1)
    return None


@st.composite
def mutated_events(draw: st.DrawFn) -> dict[str, Any]:
    """A valid event with a required field removed, a field retyped or a field's rule broken."""
    event = draw(valid_events())
    fields = _event_fields(event)
    how = draw(st.sampled_from(["remove", "retype", "break"]))
    if how == "remove":
        field = draw(st.sampled_from([f for f in fields if f.required]))
        del _parent(event, field.path)[field.path[-1]]
        return event
    typed = [f for f in fields if f.types and f.path != ("type",)]
    if how == "break":
        breakable = [f for f in typed if isinstance(_parent(event, f.path)[f.path[-1]], str)
                     and _rule_broken("", f) is not None]
        field = draw(st.sampled_from(breakable))
        parent = _parent(event, field.path)
        parent[field.path[-1]] = _rule_broken(parent[field.path[-1]], field)
        return event
    field = draw(st.sampled_from(typed))
    parent = _parent(event, field.path)
    options = _retyped(parent[field.path[-1]])
    parent[field.path[-1]] = options[draw(st.sampled_from(sorted(set(options) - field.types)))]
    return event


@cache
def _allowed_text() -> str:
    """What a reason may repeat: the schemas (paths, rules, enum values) and the validator's
    own wording. A generated value that happens to occur there is no leak."""
    # Unescaped: an enum value such as "barnets lov § 38" stands in a reason as written.
    schemas = [json.dumps(schema_file(n), ensure_ascii=False)
               for n in {ENVELOPE_SCHEMA, *DATA_SCHEMAS.values()}]
    return " ".join([*schemas, inspect.getsource(contract)])


def _values(value: Any) -> list[str]:
    """Every string value (and number written out) in the event; keys are paths, not values."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in _values(v)]
    if isinstance(value, list):
        return [s for v in value for s in _values(v)]
    if isinstance(value, bool) or value is None:
        return []
    return [value if isinstance(value, str) else str(value)]


@QUICK
@given(mutated_events())
def test_a_broken_event_is_refused_with_a_reason_that_names_no_value(
    event: dict[str, Any],
) -> None:
    with pytest.raises(InvalidEvent) as refused:
        validate_event(encode(event), ALL_TYPES)
    reason = refused.value.reason
    leaked = [v for v in _values(event)
              if len(v) >= 4 and v in reason and v not in _allowed_text()]
    assert not leaked, (reason, leaked)
