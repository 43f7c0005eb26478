"""The dates the law sets for a termination, against cases computed by hand with a calendar.

Almenlejeloven § 88 [EL88]: 3 months to the first business day of a month that is not the
day before a public holiday. § 89, stk. 2 [DL89]: 6 weeks for the tenant to object from the
notice, then 6 weeks for the landlord to sue from the end of the tenant's window.
"""

from __future__ import annotations

from datetime import date

import pytest

from verdictflow.domain.termination import (
    TerminationPeriods,
    TerminationRoute,
    add_months,
    danish_holidays,
    easter_sunday,
    is_business_day,
    moving_day,
    notice_end,
    parse_ground,
    periods_from_policy,
    plan_termination,
    route_problem,
)


@pytest.mark.parametrize(("year", "easter"), [
    (2008, date(2008, 3, 23)), (2011, date(2011, 4, 24)), (2019, date(2019, 4, 21)),
    (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)),
    (2027, date(2027, 3, 28)), (2038, date(2038, 4, 25)),
])
def test_easter_sunday(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_the_holidays_of_2026() -> None:
    # Easter 5 April: skærtorsdag 2/4, langfredag 3/4, 2. påskedag 6/4, Kristi himmelfart
    # 14/5, pinse 24/5 and 25/5; store bededag (1/5) no longer exists.
    assert sorted(danish_holidays(2026)) == [
        date(2026, 1, 1), date(2026, 4, 2), date(2026, 4, 3), date(2026, 4, 5),
        date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 24), date(2026, 5, 25),
        date(2026, 12, 25), date(2026, 12, 26)]


def test_store_bededag_until_2023_only() -> None:
    assert date(2023, 5, 5) in danish_holidays(2023)  # Easter 9 April + 26 days
    assert date(2024, 4, 26) not in danish_holidays(2024)  # Easter 31 March + 26 days
    assert not is_business_day(date(2023, 5, 5))
    assert is_business_day(date(2024, 4, 26))


def test_grundlovsdag_and_christmas_eve_are_business_days() -> None:
    assert is_business_day(date(2026, 6, 5))  # a Friday; not a helligdag
    assert is_business_day(date(2026, 12, 24))  # a Thursday


@pytest.mark.parametrize(("year", "month", "day"), [
    (2026, 4, date(2026, 4, 7)),  # 1/4 is the day before skærtorsdag; 2-6/4 holidays/weekend
    (2027, 1, date(2027, 1, 4)),  # 1/1 Friday (nytårsdag), then a weekend
    (2026, 8, date(2026, 8, 3)),  # 1/8 Saturday
    (2026, 6, date(2026, 6, 1)),  # Monday, nothing near
    (2011, 6, date(2011, 6, 3)),  # 1/6 the day before Kristi himmelfart (2/6)
    (2026, 5, date(2026, 5, 1)),  # Friday, store bededag abolished
])
def test_the_moving_day_of_a_month(year: int, month: int, day: date) -> None:
    assert moving_day(year, month) == day


@pytest.mark.parametrize(("notice", "end"), [
    # 3 months after 15/1 is 15/4; April's moving day (7/4) is earlier: May's, Friday 1/5.
    (date(2026, 1, 15), date(2026, 5, 1)),
    # 3 months after 5/1 is 5/4; April's moving day 7/4 is later: it is the end.
    (date(2026, 1, 5), date(2026, 4, 7)),
    # 3 months after 30/11 is 28/2 (no 30/2); February's (1/2) is earlier: 1/3, a Monday.
    (date(2026, 11, 30), date(2027, 3, 1)),
    # 3 months after 2/10 is 2/1; January's moving day is 4/1.
    (date(2026, 10, 2), date(2027, 1, 4)),
    # exactly on a moving day: 1/3/2027 + 3 months = 1/6/2027, a Tuesday.
    (date(2027, 3, 1), date(2027, 6, 1)),
])
def test_notice_end(notice: date, end: date) -> None:
    assert notice_end(notice, 3) == end


def test_add_months_keeps_to_the_month() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_plan_of_an_opsigelse() -> None:
    plan = plan_termination(TerminationRoute.OPSIGELSE, date(2026, 1, 15), TerminationPeriods())
    assert plan.effective_on == date(2026, 5, 1)
    assert plan.objection_deadline == date(2026, 2, 26)  # 15/1 + 42 days
    # From the end of the tenant's window, not from the objection: 26/2 + 42 days.
    assert plan.sue_deadline == date(2026, 4, 9)


def test_plan_of_an_ophaevelse_takes_effect_on_its_date() -> None:
    plan = plan_termination(TerminationRoute.OPHAEVELSE, date(2026, 12, 31),
                            TerminationPeriods())
    assert (plan.effective_on, plan.objection_deadline, plan.sue_deadline) == (
        date(2026, 12, 31), None, None)


def test_periods_come_from_the_policy() -> None:
    plan = plan_termination(TerminationRoute.OPSIGELSE, date(2026, 1, 15),
                            periods_from_policy({"opsigelse_notice_months": 6,
                                                 "objection_window_weeks": 4,
                                                 "landlord_sue_weeks": 2}))
    assert plan.effective_on == date(2026, 8, 3)  # 15/7, then 1/8 is a Saturday
    assert plan.objection_deadline == date(2026, 2, 12)
    assert plan.sue_deadline == date(2026, 2, 26)
    assert periods_from_policy({}) == TerminationPeriods(3, 6, 6)
    for bad in (0, "3", True, 25):
        with pytest.raises(ValueError, match="opsigelse_notice_months"):
            periods_from_policy({"opsigelse_notice_months": bad})


@pytest.mark.parametrize(("text", "citation", "route"), [
    ("almenlejeloven § 90, stk. 1, nr. 10", "almenlejeloven § 90, stk. 1, nr. 10", "ophaevelse"),
    ("§ 90, stk. 1, nr. 7", "almenlejeloven § 90, stk. 1, nr. 7", "ophaevelse"),
    ("§85 stk 1 nr 4", "almenlejeloven § 85, stk. 1, nr. 4", "opsigelse"),
])
def test_grounds_are_read_and_named(text: str, citation: str, route: str) -> None:
    ground = parse_ground(text)
    assert ground is not None
    assert (ground.citation(), ground.route.value) == (citation, route)


@pytest.mark.parametrize("text", ["§ 63 e", "almenlejeloven § 90", "§ 90, stk. 4, nr. 1",
                                  "§ 91, stk. 1, nr. 2", "nr. 10", ""])
def test_other_texts_are_no_ground(text: str) -> None:
    assert parse_ground(text) is None


def test_a_ground_must_fit_its_route() -> None:
    assert route_problem("ophaevelse", "§ 90, stk. 1, nr. 10") is None
    assert route_problem("opsigelse", "§ 85, stk. 1, nr. 4") is None
    assert "is a ground for ophaevelse, not opsigelse" in (
        route_problem("opsigelse", "§ 90, stk. 1, nr. 10") or "")
    assert "is a ground for opsigelse" in (route_problem("ophaevelse", "§ 85, stk. 1, nr. 4")
                                           or "")
    assert "ground is required" in (route_problem("opsigelse", None) or "")
    assert "route must be" in (route_problem("eviction", "§ 90, stk. 1, nr. 10") or "")
    assert "ground must be" in (route_problem("ophaevelse", "§ 63 e") or "")
