"""The worker's payload converter: Temporal's default, with each dataclass's field types
resolved once instead of for every payload.

Temporal's JSON converter turns a decoded dict back into a dataclass by calling
``typing.get_type_hints`` on the class for every payload, and on every nested dataclass in
it. Our message and domain modules use ``from __future__ import annotations``, so each of
those calls compiles and evaluates every field's annotation from its string: 11-13 % of the
worker's CPU in a backlog (py-spy, ``value_to_type`` → ``get_type_hints`` →
``ForwardRef``). A dataclass's fields do not change once it is defined, and the modules
that cross a workflow's boundary are passed through Temporal's sandbox (one class object
for every case), so the resolved fields are kept per class.

Only decoding changes: payloads are written exactly as before, and what is read back is the
same object Temporal's own conversion builds (every other type is left to it).
"""

from __future__ import annotations

import dataclasses
import typing
import weakref
from enum import Enum
from typing import Any

from temporalio.converter import (
    CompositePayloadConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    JSONTypeConverter,
    JSONTypeConverterUnhandled,
    value_to_type,
)

# class -> (name, resolved type, given to __init__) for each field, in definition order.
# Weak: a class defined in a module the sandbox imports afresh for each case goes with it.
_Fields = tuple[tuple[str, Any, bool], ...]
_FIELDS: weakref.WeakKeyDictionary[type, _Fields] = weakref.WeakKeyDictionary()


def _fields_of(cls: type) -> _Fields:
    fields = _FIELDS.get(cls)
    if fields is None:
        hints = typing.get_type_hints(cls)
        fields = tuple((f.name, hints[f.name], f.init) for f in dataclasses.fields(cls))
        _FIELDS[cls] = fields
    return fields


class DataclassFromJSON(JSONTypeConverter):
    """A JSON value to a dataclass or a str or int enum, as Temporal's ``value_to_type``
    does it (which asks for a pydantic ``parse_obj`` on the way to an enum, statically)."""

    def to_typed_value(self, hint: type, value: Any) -> Any | JSONTypeConverterUnhandled:
        if not isinstance(hint, type):
            return JSONTypeConverter.Unhandled
        if issubclass(hint, Enum) and issubclass(hint, (str, int)):
            if not isinstance(value, str if issubclass(hint, str) else int):
                raise TypeError(f"Cannot convert to enum {hint}, value is {type(value)}")
            return hint(value)
        if not dataclasses.is_dataclass(hint):
            return JSONTypeConverter.Unhandled
        if not isinstance(value, dict):
            raise TypeError(f"Cannot convert to dataclass {hint}, value is {type(value)} not dict")
        given: dict[str, Any] = {}
        restored: dict[str, Any] = {}
        for name, field_hint, init in _fields_of(hint):
            if name not in value:
                continue  # a missing required field fails in the constructor, as there
            try:
                converted = value_to_type(field_hint, value[name], _CONVERTERS)
            except Exception as err:
                raise TypeError(f"Failed converting field {name} on dataclass {hint}") from err
            (given if init else restored)[name] = converted
        obj = hint(**given)
        for name, converted in restored.items():  # init=False fields, frozen classes too
            object.__setattr__(obj, name, converted)
        return obj


_CONVERTERS: list[JSONTypeConverter] = [DataclassFromJSON()]


class PayloadConverter(CompositePayloadConverter):
    """Temporal's default encodings, its JSON one reading dataclasses through the cache."""

    def __init__(self) -> None:
        json_converter = JSONPlainPayloadConverter(custom_type_converters=_CONVERTERS)
        super().__init__(*(
            json_converter if isinstance(c, JSONPlainPayloadConverter) else c
            for c in DefaultPayloadConverter.default_encoding_payload_converters))
