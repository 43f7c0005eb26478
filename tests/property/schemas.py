"""Hypothesis strategies for events, generated from the contract's own JSON Schemas.

hypothesis-jsonschema reads drafts 4 to 7 and resolves only local ``$ref``s, while the
contract is 2020-12 with references between files. ``generable`` inlines every reference
from the schema files themselves and rewrites the one 2020-12 keyword they use that draft 7
spells differently (``dependentRequired`` is draft 7's ``dependencies``), so what is
generated follows the schema files as they change.

``from_contract`` builds objects and arrays itself, once per schema node, and leaves every
leaf (strings with patterns, formats and lengths, numbers, enums) to hypothesis-jsonschema's
``from_schema``: that library rebuilds an object's strategies on every draw, which made a
``registered`` event cost about a quarter of a second. A node with a keyword this module
does not model is handed to ``from_schema`` whole, so a schema change is never ignored.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft7Validator, FormatChecker

from verdictflow.domain.contract import DATA_SCHEMAS, ENVELOPE_SCHEMA
from verdictflow.domain.topics import POLICE_TYPES

_DROPPED = {"$schema", "$id", "$defs", "$comment", "title", "description"}
_OBJECT_KEYWORDS = {"type", "properties", "required", "allOf", "dependencies", "if", "then",
                    "else", "minProperties", "maxProperties"}
_ARRAY_KEYWORDS = {"type", "items", "minItems", "maxItems"}
_CONDITIONS = {"dependencies", "if", "then", "else", "minProperties", "maxProperties"}

# Unknown fields are allowed by the contract: a few small ones, so that is tested too.
_extra_values = st.none() | st.booleans() | st.integers() | st.text(max_size=10)


def schema_file(name: str) -> dict[str, Any]:
    folder = resources.files("verdictflow.domain") / "schemas"
    return json.loads((folder / name).read_text(encoding="utf-8"))


@cache
def raw_schemas() -> dict[str, dict[str, Any]]:
    """Every schema file by its ``$id``."""
    schemas = [schema_file(n) for n in {ENVELOPE_SCHEMA, *DATA_SCHEMAS.values()}]
    return {s["$id"]: s for s in schemas}


def _resolve(ref: str, base: str) -> tuple[Any, str]:
    uri, _, pointer = ref.partition("#")
    doc_id = uri or base
    node: Any = raw_schemas()[doc_id]
    for part in filter(None, pointer.split("/")):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node, doc_id


def generable(node: Any, base: str) -> Any:
    """``node`` with every ``$ref`` inlined and 2020-12 keywords in their draft-7 form."""
    if isinstance(node, list):
        return [generable(n, base) for n in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"$ref"}:
        return generable(*_resolve(node["$ref"], base))
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key == "$ref":
            target, target_base = _resolve(value, base)
            out.setdefault("allOf", []).append(generable(target, target_base))
        elif key == "dependentRequired":
            out["dependencies"] = value
        elif key in ("properties", "patternProperties"):
            out[key] = {k: generable(v, base) for k, v in value.items()}
        else:
            out[key] = generable(value, base)
    return out


def _merged_object(schema: dict[str, Any]) -> dict[str, Any] | None:
    """An object schema with its ``allOf`` folded in, or None where folding is not plain."""
    if schema.get("type") not in ("object", None) or not set(schema) <= _OBJECT_KEYWORDS:
        return None
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    merged["properties"] = dict(schema.get("properties", {}))
    merged["required"] = list(schema.get("required", []))
    for part in schema.get("allOf", []):
        inner = _merged_object(part)
        if inner is None or set(inner) & _CONDITIONS:
            return None
        if set(inner["properties"]) & set(merged["properties"]):
            return None
        merged["properties"].update(inner["properties"])
        merged["required"] += inner["required"]
    if "properties" not in schema and "allOf" not in schema:
        return None  # a bare {"type": "object"}: any object, which from_schema does well
    return merged


def from_contract(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    return _strategy(json.dumps(schema, sort_keys=True))


@cache
def _strategy(key: str) -> st.SearchStrategy[Any]:
    schema = json.loads(key)
    obj = _merged_object(schema)
    if obj is not None:
        props, required = obj["properties"], set(obj["required"])
        fixed = st.fixed_dictionaries(
            {k: from_contract(props[k]) for k in props if k in required},
            optional={k: from_contract(props[k]) for k in props if k not in required},
        )
        extras = st.dictionaries(st.text(max_size=8).filter(lambda k: k not in props),
                                 _extra_values, max_size=2)
        strategy = st.tuples(fixed, extras).map(lambda pair: {**pair[1], **pair[0]})
        if set(obj) & _CONDITIONS:
            # dependentRequired, if/then: generated loosely, kept when the node holds them.
            strategy = strategy.filter(Draft7Validator(schema,
                                                       format_checker=FormatChecker()).is_valid)
        return strategy
    if schema.get("type") == "array" and set(schema) <= _ARRAY_KEYWORDS and "items" in schema:
        low = schema.get("minItems", 0)
        return st.lists(from_contract(schema["items"]), min_size=low,
                        max_size=min(schema.get("maxItems", low + 3), low + 3))
    return from_schema(schema)


def data_schema(event_type: str) -> dict[str, Any]:
    raw = schema_file(DATA_SCHEMAS[event_type])
    return generable(raw, raw["$id"])


def envelope_schema() -> dict[str, Any]:
    raw = schema_file(ENVELOPE_SCHEMA)
    return generable(raw, raw["$id"])


@st.composite
def valid_events(draw: st.DrawFn, types: tuple[str, ...] = tuple(DATA_SCHEMAS)) -> dict[str, Any]:
    """A CloudEvents envelope from the envelope schema around data from the type's schema."""
    event_type = draw(st.sampled_from(types))
    event: dict[str, Any] = draw(from_contract(envelope_schema()))
    event["type"] = event_type
    event["data"] = draw(from_contract(data_schema(event_type)))
    if event_type in POLICE_TYPES:
        event["subject"] = event["data"]["verdict_id"]
    return event
