"""The § 28 rules without servers: the window, the lifts that fall away, the ids."""

from __future__ import annotations

from datetime import date

from verdictflow.domain.reentry import (
    RecordedTermination,
    check_id_for,
    grounds_problem,
    in_window,
    lease_address,
    qualifying,
    refusal_id_for,
)
from verdictflow.domain.verdict import Address, Household, Person

MOVE_IN = date(2027, 3, 1)


def t(block: str, on: date, lift: str | None = None, area: str = "a") -> RecordedTermination:
    return RecordedTermination(block, f"case-{block}", area, on, lift)


def test_the_two_years_run_back_from_the_move_in_date() -> None:
    assert in_window(date(2025, 3, 1), MOVE_IN, 2)  # exactly two years
    assert not in_window(date(2025, 2, 28), MOVE_IN, 2)
    assert not in_window(date(2027, 3, 2), MOVE_IN, 2)  # after the move-in: not "before"


def test_lifts_that_fall_away_never_qualify_and_expiry_does() -> None:
    on = date(2026, 1, 1)
    for reason in ("court_found_unjustified", "not_sued_in_time", "overturned"):
        assert qualifying([t("b", on, reason)], {"a"}, MOVE_IN, 2) is None
    assert qualifying([t("b", on, "expired")], {"a"}, MOVE_IN, 2) == t("b", on, "expired")


def test_only_the_areas_asked_and_the_most_recent_termination() -> None:
    older, newer = t("b1", date(2025, 6, 1)), t("b2", date(2026, 6, 1))
    assert qualifying([older, newer, t("b3", date(2027, 1, 1), area="z")], {"a"},
                      MOVE_IN, 2) == newer
    assert qualifying([older], set(), MOVE_IN, 2) is None


def test_ids_are_opaque_and_stable() -> None:
    ref = "p-0123456789abcdef0123456789abcdef"
    assert check_id_for(ref, "bbs", "case-x-b1", MOVE_IN) == \
        check_id_for(ref, "bbs", "case-x-b1", MOVE_IN) != check_id_for(ref, "pab", "case-x-b1",
                                                                      MOVE_IN)
    rid = refusal_id_for(ref, "bbs", "a", MOVE_IN)
    assert rid.startswith("rref-") and ref not in rid and len(rid) == 29


def test_the_lease_address_is_preferred_to_the_registered_one() -> None:
    home = Address("Strandesplanaden 12, 3. tv", "2660", "Brøndby Strand")
    lease = Address("Kirkebjerg Allé 4", "2605", "Brøndby")
    assert lease_address(Person("x", "N", home)) == \
        "Strandesplanaden 12, 3. tv, 2660 Brøndby Strand"
    member = Person("x", "N", home, Household("household_member", lease))
    assert lease_address(member) == "Kirkebjerg Allé 4, 2605 Brøndby"


def test_grounds_must_be_text_of_a_reasonable_length() -> None:
    assert grounds_problem("for kort") is not None
    assert grounds_problem("\ud800 ti tegn og mere") is not None
    assert grounds_problem("Gentagen chikane af naboerne i opgangen") is None
