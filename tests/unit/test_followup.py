"""The municipality's follow-up basis: the age from the CPR number (every century rule),
minors in the household, and the contract field that says so (grown within v1)."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import date
from typing import Any

import pytest
from temporalio.converter import DataConverter

from tests.unit.test_contract import EXAMPLE
from verdictflow.domain.contract import InvalidEvent, validate_event
from verdictflow.domain.followup import (
    FollowUpBasis,
    age_on,
    birth_date,
    century,
    follow_up_basis,
    is_young_person,
)
from verdictflow.domain.identity import InvalidCpr, case_of_workflow, mask_cpr_shaped
from verdictflow.domain.topics import POLICE_TYPES
from verdictflow.domain.verdict import Household, Person, Verdict, verdict_from_data


@pytest.mark.parametrize(("cpr", "born"), [
    ("0101901234", date(1990, 1, 1)),   # 7th digit 0-3: 1900-1999
    ("311299-3999", date(1999, 12, 31)),
    ("0101104000", date(2010, 1, 1)),   # 4: 00-36 -> 2000s
    ("0101364000", date(2036, 1, 1)),
    ("0101374000", date(1937, 1, 1)),   # 4: 37-99 -> 1900s
    ("0101105000", date(2010, 1, 1)),   # 5-8: 00-57 -> 2000s
    ("0101578999", date(2057, 1, 1)),
    ("0101585000", date(1858, 1, 1)),   # 5-8: 58-99 -> 1800s
    ("0101998000", date(1899, 1, 1)),
    ("0101369000", date(2036, 1, 1)),   # 9: 00-36 -> 2000s
    ("0101379000", date(1937, 1, 1)),   # 9: 37-99 -> 1900s
    ("290200-4000", date(2000, 2, 29)),
])
def test_the_birth_date_follows_the_century_rules(cpr: str, born: date) -> None:
    assert birth_date(cpr) == born


@pytest.mark.parametrize("digit", range(10))
def test_every_seventh_digit_has_a_century(digit: int) -> None:
    assert century(digit, 0) in (1900, 2000) and century(digit, 99) in (1800, 1900)


@pytest.mark.parametrize("cpr", ["3102901234", "6101901234", "0113901234", "12345", "x" * 10])
def test_a_number_that_encodes_no_date_is_refused(cpr: str) -> None:
    with pytest.raises(InvalidCpr):
        birth_date(cpr)
    assert is_young_person(cpr, date(2026, 11, 18)) is None


@pytest.mark.parametrize(("born", "on", "age"), [
    (date(2011, 5, 10), date(2026, 5, 9), 14),
    (date(2011, 5, 10), date(2026, 5, 10), 15),
    (date(2008, 2, 29), date(2026, 2, 28), 17),  # a leap-day birthday counts on 1 March
    (date(2008, 2, 29), date(2026, 3, 1), 18),
])
def test_age_in_whole_years(born: date, on: date, age: int) -> None:
    assert age_on(born, on) == age


@pytest.mark.parametrize(("cpr", "young"), [
    ("1811164000", True),    # 10 on the verdict day (18 November 2026)
    ("1911164000", False),   # 10 the day after
    ("1811084000", False),   # 18 on the verdict day
    ("1911084000", True),    # 17, 18 the day after
    ("1005114123", True),    # 15
    ("0101901234", False),   # 36
])
def test_young_person_is_10_to_17_on_the_verdict_day(cpr: str, young: bool) -> None:
    assert is_young_person(cpr, date(2026, 11, 18)) is young


def _verdict(cpr: str, household: Household | None = None) -> Verdict:
    v = verdict_from_data(EXAMPLE["data"])
    person = Person(cpr=cpr, name=v.person.name, registered_address=v.person.registered_address,
                    household=household)
    return dataclasses.replace(v, person=person, decided_on="2026-11-18")


def test_the_basis() -> None:
    minors = Household("tenant", minors_in_household=True)
    assert follow_up_basis(_verdict("1005114123")) == FollowUpBasis.YOUNG_PERSON
    assert follow_up_basis(_verdict("1005114123", minors)) == FollowUpBasis.YOUNG_PERSON
    assert follow_up_basis(_verdict("0101901234", minors)) == FollowUpBasis.CUSTODY_HOLDER
    assert follow_up_basis(_verdict("0101901234")) is None
    assert follow_up_basis(_verdict("0101901234", Household("tenant"))) is None
    assert follow_up_basis(_verdict("0101901234", Household(
        "tenant", minors_in_household=False))) is None
    assert follow_up_basis(_verdict("6101901234")) is None  # no birth date: no age basis
    assert FollowUpBasis.YOUNG_PERSON == "barnets lov § 39"
    assert FollowUpBasis.CUSTODY_HOLDER == "barnets lov § 38"


def test_the_followup_workflow_is_sealed_under_its_case_key() -> None:
    case_id = "case-" + "a" * 24
    assert case_of_workflow(f"followup-{case_id}") == case_id
    assert mask_cpr_shaped(f"followup-{case_id}-m1", "*") == f"followup-{case_id}-m1"


# -- the contract: minors_in_household, added 2026-12-05 within v1 ----------------------
def _raw(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode()


def _with_household(household: Any) -> dict[str, Any]:
    event = copy.deepcopy(EXAMPLE)
    event["data"]["person"]["household"] = household
    return event


def test_earlier_events_stay_valid_and_read_as_not_stated() -> None:
    for household in (None, {"role": "tenant"}, {"role": "household_member",
                                                 "lease_address": EXAMPLE["data"]["crime_scene"]}):
        event = copy.deepcopy(EXAMPLE) if household is None else _with_household(household)
        assert validate_event(_raw(event), POLICE_TYPES) == event
        read = verdict_from_data(event["data"]).person.household
        assert read is None or read.minors_in_household is None


def test_minors_in_household_is_read_and_checked() -> None:
    event = _with_household({"role": "tenant", "minors_in_household": True})
    validate_event(_raw(event), POLICE_TYPES)
    assert verdict_from_data(event["data"]).person.household == Household(
        "tenant", minors_in_household=True)
    for wrong in ("yes", 2, None):
        with pytest.raises(InvalidEvent):
            validate_event(_raw(_with_household({"role": "tenant",
                                                 "minors_in_household": wrong})), POLICE_TYPES)


def test_a_household_payload_written_before_the_field_still_decodes() -> None:
    converter = DataConverter.default.payload_converter
    payload = converter.to_payload(Household("tenant"))
    stored = json.loads(payload.data)
    stored.pop("minors_in_household")
    payload.data = json.dumps(stored).encode()
    assert converter.from_payload(payload, Household) == Household("tenant")


# -- schedules ---------------------------------------------------------------------------
def test_escalation_reminders_follow_the_deadline_on_the_cadence() -> None:
    from itertools import islice

    from verdictflow.domain.reminders import escalation_reminders

    assert list(islice(escalation_reminders(14, 7), 4)) == [21, 28, 35, 42]
    assert list(islice(escalation_reminders(14, 0), 3)) == [15, 16, 17]  # at most daily


def test_the_finality_check_falls_after_the_appeal_window_and_the_margin() -> None:
    from verdictflow.domain.reminders import finality_check_day

    assert finality_check_day(14, 30) == 44
    assert finality_check_day(14, -5) == 14  # a negative margin is none
    assert finality_check_day(0, 0) == 1


def test_the_original_schedule_is_unchanged() -> None:
    from verdictflow.domain.reminders import Notice, task_schedule

    assert [(c.day, c.notice) for c in task_schedule([7, 12], 14)] == [
        (7, Notice.REMINDER), (12, Notice.REMINDER), (14, Notice.DEADLINE_MISSED)]
