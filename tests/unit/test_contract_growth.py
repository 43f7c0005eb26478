"""The registered contract grew compatibly on 2026-11-25: every event valid before is valid
now, the new optional fields are read, bounded and checked, and Temporal payloads written
before they existed still decode."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from temporalio.converter import DataConverter

import verdictflow
from tests.unit.test_contract import EXAMPLE
from verdictflow.domain.contract import InvalidEvent, validate_event
from verdictflow.domain.partnerships import load_partnerships
from verdictflow.domain.samples import sample_verdicts
from verdictflow.domain.topics import POLICE_TYPES
from verdictflow.domain.verdict import Address, Household, Verdict, verdict_from_data

SCHEMA = (Path(verdictflow.__file__).parent / "domain" / "schemas"
          / "police-verdict-registered.v1.schema.json")
NEW = {"offence_date", "household", "intent_to_pass_on", "victim_role", "unconditional_days"}


def _raw(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode()


def _grown() -> dict[str, Any]:
    event = copy.deepcopy(EXAMPLE)
    data = event["data"]
    data["offence_date"] = "2026-10-02"
    data["person"]["household"] = {
        "role": "household_member",
        "lease_address": {"street": "Strandesplanaden 14, st. th", "postcode": "2660",
                          "city": "Brøndby Strand"}}
    data["offences"] = [
        {"law": "straffeloven", "section": "266", "victim_role": "housing_org_employee"},
        {"law": "lov om euforiserende stoffer", "section": "3", "intent_to_pass_on": True}]
    data["sentence"] = {"kind": "partly_conditional_custody", "days": 180,
                        "unconditional_days": 30}
    return event


def test_every_event_valid_before_is_valid_now() -> None:
    ps = load_partnerships((Path(verdictflow.__file__).parent / "config" / "partnerships.json")
                           .read_text(encoding="utf-8"))
    events = [EXAMPLE] + [e for s in sample_verdicts(ps, date(2026, 11, 25)) for e in s.events]
    assert len(events) > 20
    for event in events:
        assert validate_event(_raw(event), POLICE_TYPES) == event


def test_every_addition_is_optional_commented_and_dated() -> None:
    text = SCHEMA.read_text(encoding="utf-8")
    schema = json.loads(text)
    assert not NEW & set(schema["required"])
    assert text.count("Added 2026-11-25 within v1, optional") >= len(NEW)


def test_the_new_fields_are_read() -> None:
    event = _grown()
    validate_event(_raw(event), POLICE_TYPES)
    v = verdict_from_data(event["data"])
    assert v.offence_date == "2026-10-02"
    assert v.person.household == Household("household_member", Address(
        "Strandesplanaden 14, st. th", "2660", "Brøndby Strand"))
    assert [o.victim_role for o in v.offences] == ["housing_org_employee", None]
    assert [o.intent_to_pass_on for o in v.offences] == [None, True]
    assert (v.sentence.kind, v.sentence.days, v.sentence.unconditional_days) == (
        "partly_conditional_custody", 180, 30)


@pytest.mark.parametrize("kind", ["committal_order", "treatment_order", "forvaring"])
def test_measures_without_days_are_valid(kind: str) -> None:
    event = copy.deepcopy(EXAMPLE)
    event["data"]["sentence"] = {"kind": kind}
    validate_event(_raw(event), POLICE_TYPES)


@pytest.mark.parametrize(("where", "value"), [
    (("sentence",), {"kind": "partly_conditional_custody", "days": 180}),
    (("sentence",), {"kind": "unconditional_custody", "days": 60, "unconditional_days": 30}),
    (("sentence",), {"kind": "partly_conditional_custody", "days": 1,
                     "unconditional_days": 36501}),
    (("offence_date",), "2.10.2026"),
    (("person", "household"), {"lease_address": EXAMPLE["data"]["crime_scene"]}),
    (("person", "household"), {"role": "lodger"}),
    (("person", "household"), {"role": "tenant", "lease_address": {"street": "x" * 201,
                                                                   "postcode": "2660",
                                                                   "city": "B"}}),
])
def test_new_fields_are_checked(where: tuple[str, ...], value: Any) -> None:
    event = copy.deepcopy(EXAMPLE)
    target = event["data"]
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    with pytest.raises(InvalidEvent):
        validate_event(_raw(event), POLICE_TYPES)


@pytest.mark.parametrize(("field", "value"), [("victim_role", "neighbour"),
                                              ("intent_to_pass_on", "yes")])
def test_new_offence_fields_are_checked(field: str, value: Any) -> None:
    event = copy.deepcopy(EXAMPLE)
    event["data"]["offences"][0][field] = value
    with pytest.raises(InvalidEvent):
        validate_event(_raw(event), POLICE_TYPES)


def test_a_payload_written_before_the_fields_existed_still_decodes() -> None:
    old = verdict_from_data(EXAMPLE["data"])
    converter = DataConverter.default.payload_converter
    payload = converter.to_payload(old)
    stored = json.loads(payload.data)
    assert stored["offence_date"] is None  # a history from before the change lacks the keys
    stored.pop("offence_date")
    stored["person"].pop("household")
    for o in stored["offences"]:
        o.pop("intent_to_pass_on"), o.pop("victim_role")
    stored["sentence"].pop("unconditional_days")
    payload.data = json.dumps(stored).encode()
    assert converter.from_payload(payload, Verdict) == old
