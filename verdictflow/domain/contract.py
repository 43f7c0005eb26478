"""Validating what the project reads against the v1 event contracts (JSON Schema 2020-12).

``validate_event`` checks the CloudEvents envelope, the event type, and the ``data``
payload of that type. A rejected event goes to the dead-letter topic with
``InvalidEvent.reason`` in a header, so the reason names only paths and schema rules,
never a value: the value could be a CPR number (GDPR art. 10 data in a header that
outlives the encrypted payload).

Schemas are package data, read through importlib.resources on first use (the only
I/O here) and cached; call ``load_schemas()`` at start-up to fail early.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

from verdictflow.domain.topics import (
    DISCLOSURE_DELETED,
    DISCLOSURE_RECEIVED,
    DISCLOSURE_RETRACTED,
    DISCLOSURE_SEALED,
    MUNICIPALITY_NOTIFIED,
    POLICE_TYPES,
    REFUSAL_REPORTED,
    TASK_ESCALATED,
    VERDICT_APPEALED,
    VERDICT_FINALIZED,
    VERDICT_OVERTURNED,
    VERDICT_REGISTERED,
)

# Well below the broker's 1 MiB: a valid event must still fit once it is sealed (about
# twice its size as the personal layer inside a disclosure), published and kept in a
# Temporal payload. tests/unit/test_contract_limits.py proves it on the largest valid event.
MAX_EVENT_BYTES = 64 * 1024
# A verdict nests four levels deep; anything far deeper is an attack on the parser
# (Python's json recurses, and a 50,000-level array raises RecursionError).
MAX_DEPTH = 32

ENVELOPE_SCHEMA = "cloudevent.v1.schema.json"
DATA_SCHEMAS: dict[str, str] = {
    VERDICT_REGISTERED: "police-verdict-registered.v1.schema.json",
    VERDICT_APPEALED: "police-verdict-change.v1.schema.json",
    VERDICT_FINALIZED: "police-verdict-change.v1.schema.json",
    VERDICT_OVERTURNED: "police-verdict-change.v1.schema.json",
    DISCLOSURE_RECEIVED: "disclosure-received.v1.schema.json",
    DISCLOSURE_SEALED: "disclosure-sealed.v1.schema.json",
    DISCLOSURE_RETRACTED: "disclosure-retracted.v1.schema.json",
    DISCLOSURE_DELETED: "disclosure-deleted.v1.schema.json",
    REFUSAL_REPORTED: "reentry-refusal-reported.v1.schema.json",
    # Produced by the platform (2026-12-05); consumers outside validate against them.
    TASK_ESCALATED: "task-escalated.v1.schema.json",
    MUNICIPALITY_NOTIFIED: "municipality-notified.v1.schema.json",
}

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_SAFE_TYPE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


class InvalidEvent(ValueError):
    """A message that does not honour the contract. ``reason`` is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _is_rfc3339(value: object) -> bool:
    if not isinstance(value, str):
        return True  # "format" only constrains strings; "type" catches the rest
    if not _RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _format_checker() -> FormatChecker:
    checker = FormatChecker()
    checker.checks("date-time")(_is_rfc3339)  # jsonschema needs an extra package for this one
    return checker


@dataclass(frozen=True)
class _Schemas:
    envelope: Draft202012Validator
    data: dict[str, Draft202012Validator]


@lru_cache(maxsize=1)
def load_schemas() -> _Schemas:
    folder = resources.files("verdictflow.domain") / "schemas"
    raw = {
        name: json.loads((folder / name).read_text(encoding="utf-8"))
        for name in {ENVELOPE_SCHEMA, *DATA_SCHEMAS.values()}
    }
    registry: Registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in raw.values()
    )
    checker = _format_checker()

    def validator(name: str) -> Draft202012Validator:
        Draft202012Validator.check_schema(raw[name])
        return Draft202012Validator(raw[name], registry=registry, format_checker=checker)

    return _Schemas(
        envelope=validator(ENVELOPE_SCHEMA),
        data={event_type: validator(name) for event_type, name in DATA_SCHEMAS.items()},
    )


def _path(prefix: str, parts: Iterable[Any]) -> str:
    out = prefix
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "the event"


def _describe(err: ValidationError, prefix: str) -> str:
    """A reason from the path and the schema rule only; ``err.message`` would echo the value."""
    where = _path(prefix, err.absolute_path)
    rule, expected = err.validator, err.validator_value
    instance = err.instance if isinstance(err.instance, dict) else {}
    # The keyword's value has the JSON type the metaschema gives it (check_schema ran);
    # the isinstance checks narrow it, and jsonschema's "unset" sentinel, for the checker.
    if rule == "required" and isinstance(expected, list):
        missing = [k for k in expected if k not in instance] or list(expected)
        return f'missing field "{_path(prefix, [*err.absolute_path, missing[0]])}"'
    if rule == "dependentRequired" and isinstance(expected, dict):
        for key, deps in expected.items():
            lacking = [d for d in deps if key in instance and d not in instance]
            if lacking:
                return (
                    f"{_path(prefix, [*err.absolute_path, key])} requires "
                    f"{_path(prefix, [*err.absolute_path, lacking[0]])}"
                )
    if rule == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return f"{where} must be of type {' or '.join(str(k) for k in kinds)}"
    if rule == "const":
        return f"{where} must be {json.dumps(expected)}"
    if rule == "enum" and isinstance(expected, list):
        return f"{where} must be one of: {', '.join(str(e) for e in expected)}"
    if rule == "pattern":
        return f"{where} does not match {expected}"
    if rule == "format":
        return f"{where} is not a valid {expected}"
    texts = {
        "minLength": f"{where} must have at least {expected} characters",
        "maxLength": f"{where} must have at most {expected} characters",
        "minimum": f"{where} must be at least {expected}",
        "maximum": f"{where} must be at most {expected}",
        "minItems": f"{where} must have at least {expected} items",
        "maxItems": f"{where} must have at most {expected} items",
        "maxProperties": f"{where} must have at most {expected} fields",
    }
    return texts.get(str(rule), f'{where} breaks the schema rule "{rule}"')


def _check(validator: Draft202012Validator, instance: Any, prefix: str) -> None:
    errors = list(validator.iter_errors(instance))
    if errors:
        best = best_match(errors)
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise InvalidEvent(_describe(best, prefix) + more)


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise InvalidEvent("not valid for the contract: an object has a duplicate key")
    return dict(pairs)


def _reject_constant(name: str) -> Any:
    raise InvalidEvent(f"not JSON: {name} is not allowed")


# An escape pair, a quote or a bracket: one linear pass, no backtracking on hostile input.
_TOKEN = re.compile(r'\\.|["\[\]{}]', re.DOTALL)


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest, counted without parsing (strings are skipped)."""
    depth = deepest = 0
    in_string = False
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token == '"':
            in_string = not in_string
        elif in_string or len(token) == 2:
            continue
        elif token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise InvalidEvent("not JSON for the contract: a number overflows to infinity")
    return value


def _no_lone_surrogates(value: Any) -> None:
    """An escaped lone surrogate (``"\\ud800"``) is valid JSON but no text: refused, so no
    id can fail to encode further on (a case id is a MAC of the verdict id's bytes)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidEvent("not JSON for the contract: a string holds a lone surrogate "
                               "escape") from None
    elif isinstance(value, dict):
        for k, v in value.items():
            _no_lone_surrogates(k)
            _no_lone_surrogates(v)
    elif isinstance(value, list):
        for v in value:
            _no_lone_surrogates(v)


def parse_json(raw: bytes, max_bytes: int = MAX_EVENT_BYTES) -> Any:
    """JSON within the contract's bounds: size and depth are checked before parsing; numbers
    must be finite and short, strings real text."""
    if len(raw) > max_bytes:
        raise InvalidEvent(f"event is larger than {max_bytes} bytes ({len(raw)})")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidEvent("invalid UTF-8") from None
    if nesting_depth(text) > MAX_DEPTH:
        raise InvalidEvent(f"JSON nests deeper than {MAX_DEPTH} levels")
    try:
        parsed = json.loads(text, object_pairs_hook=_reject_duplicates,
                            parse_constant=_reject_constant, parse_float=_finite)
    except json.JSONDecodeError as e:
        raise InvalidEvent(f"not JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
    except RecursionError:  # the depth check should make this unreachable; never let it out
        raise InvalidEvent(f"JSON nests deeper than {MAX_DEPTH} levels") from None
    except InvalidEvent:  # raised by the hooks above: already the reason
        raise
    except ValueError:  # an integer past Python's digit limit (4,300)
        raise InvalidEvent("not JSON for the contract: a number is too long") from None
    _no_lone_surrogates(parsed)
    return parsed


def validate_event(raw: bytes, allowed_types: tuple[str, ...],
                   max_bytes: int = MAX_EVENT_BYTES) -> dict[str, Any]:
    """The parsed envelope, or ``InvalidEvent`` with a reason that names no value.

    ``max_bytes`` is the input contract's limit; a sealed disclosure, about twice the
    verdict it carries, is read with a larger one.
    """
    event = parse_json(raw, max_bytes)
    schemas = load_schemas()
    if not isinstance(event, dict):
        raise InvalidEvent("the event must be a JSON object")
    _check(schemas.envelope, event, "")
    event_type = event["type"]
    if event_type not in allowed_types:
        shown = f'"{event_type}"' if _SAFE_TYPE.match(event_type) else "(not shown)"
        raise InvalidEvent(f"unknown type {shown}; expected one of: {', '.join(allowed_types)}")
    data_validator = schemas.data.get(event_type)
    if data_validator is not None:
        _check(data_validator, event["data"], "data")
    if event_type in POLICE_TYPES and event["subject"] != event["data"]["verdict_id"]:
        raise InvalidEvent("subject must equal data.verdict_id for police events")
    return event
