"""The termination route: ophævelse or opsigelse, its legal ground, and the dates the law sets.

Ophævelse (almenlejeloven § 90, stk. 1) takes effect on its date; a tenant who stays is
taken to fogedretten, or the criminal court passes it on (retsplejeloven § 996 b) [DL90]
[BOU17][L178]. Opsigelse (§ 85, stk. 1) runs 3 months to the first business day of a month
that is not the day before a public holiday (§ 88) [EL88]; the tenant may object in writing
within 6 weeks of receiving it, and the landlord must then sue in boligretten within 6 weeks
after the tenant's deadline (§ 89, stk. 2) [DL89]. Udlejningsbekendtgørelsen § 28 lifts the
re-entry block when a court finds the termination unjustified or the landlord did not sue in
time after an objection [BEK28].

Pure: the periods come from the case's policy (``TerminationPeriods``), the holidays are
computed (Easter by the Gregorian computus), nothing is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache


class TerminationRoute(StrEnum):
    OPHAEVELSE = "ophaevelse"  # rescission with immediate effect, § 90, stk. 1
    OPSIGELSE = "opsigelse"  # termination with notice, § 85, stk. 1


class CourtOutcome(StrEnum):
    """What boligretten or fogedretten ended with."""

    UPHELD = "upheld"
    UNJUSTIFIED = "unjustified"  # lifts the block (udlejningsbek. § 28)
    # A court settlement is not a finding that the termination was unjustified: the
    # block stands (§ 28 names only the court's finding and a missed suit).
    SETTLED = "settled"


@dataclass(frozen=True)
class TerminationPeriods:
    """The periods of the law, as configuration carried in the case's terms (policy files:
    ``opsigelse_notice_months``, ``objection_window_weeks``, ``landlord_sue_weeks``)."""

    notice_months: int = 3  # § 88 [EL88]
    objection_weeks: int = 6  # § 89, stk. 2 [DL89]
    sue_weeks: int = 6  # § 89, stk. 2 [DL89]


# -- the legal ground --------------------------------------------------------------------
# The section decides the route: § 90 grounds are ophævelse, § 85 grounds opsigelse.
ROUTE_OF_SECTION = {90: TerminationRoute.OPHAEVELSE, 85: TerminationRoute.OPSIGELSE}
_GROUND = re.compile(
    r"^\s*(?:almenlejeloven\s*)?§\s*(?P<section>\d{1,3})\s*,?\s*stk\.?\s*(?P<stk>\d{1,2})"
    r"\s*,?\s*nr\.?\s*(?P<nr>\d{1,2})\s*\.?\s*$", re.IGNORECASE)
GROUND_EXAMPLES = ("almenlejeloven § 90, stk. 1, nr. 10", "§ 90, stk. 1, nr. 7",
                   "§ 85, stk. 1, nr. 4")


@dataclass(frozen=True)
class Ground:
    section: int
    stk: int
    nr: int

    @property
    def route(self) -> TerminationRoute:
        return ROUTE_OF_SECTION[self.section]

    def citation(self) -> str:
        return f"almenlejeloven § {self.section}, stk. {self.stk}, nr. {self.nr}"


def parse_ground(text: str) -> Ground | None:
    """A ground of § 90, stk. 1 or § 85, stk. 1 (the landlord's grounds); None otherwise."""
    m = _GROUND.match(text)
    if m is None:
        return None
    section, stk, nr = int(m["section"]), int(m["stk"]), int(m["nr"])
    if section not in ROUTE_OF_SECTION or stk != 1 or nr < 1:
        return None
    return Ground(section, stk, nr)


def route_problem(route: str | None, ground: str | None) -> str | None:
    """Why a route and ground cannot stand together, or None."""
    if route not in set(TerminationRoute):
        return "route must be 'ophaevelse' (almenlejeloven § 90) or 'opsigelse' (§ 85)"
    if not ground:
        return ("ground is required with the route: the legal ground, e.g. "
                + "; ".join(f"'{g}'" for g in GROUND_EXAMPLES))
    parsed = parse_ground(ground)
    if parsed is None:
        return ("ground must be a ground of almenlejeloven § 90, stk. 1 (ophævelse) or "
                "§ 85, stk. 1 (opsigelse), written e.g. "
                + "; ".join(f"'{g}'" for g in GROUND_EXAMPLES))
    if parsed.route != route:
        return (f"{parsed.citation()} is a ground for {parsed.route.value}, not {route}: "
                "§ 90 grounds are ophævelse, § 85 grounds opsigelse")
    return None


# -- the calendar --------------------------------------------------------------------------
def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return date(year, month, day)


# Store bededag (Easter + 26) was abolished from 2024 (lov nr. 1 af 28.2.2023; general
# knowledge, not in domain.md). Grundlovsdag, juleaftensdag and nytårsaftensdag are days
# off by custom or agreement, not helligdage.
LAST_STORE_BEDEDAG = 2023
_EASTER_OFFSETS = (-3, -2, 0, 1, 39, 49, 50)  # skærtorsdag … 2. pinsedag


@cache
def danish_holidays(year: int) -> frozenset[date]:
    """The Danish public holidays (helligdage) of a year."""
    easter = easter_sunday(year)
    offsets = _EASTER_OFFSETS + ((26,) if year <= LAST_STORE_BEDEDAG else ())
    days = {easter + timedelta(days=o) for o in offsets}
    days |= {date(year, 1, 1), date(year, 12, 25), date(year, 12, 26)}
    return frozenset(days)


def is_holiday(d: date) -> bool:
    return d in danish_holidays(d.year)


def is_business_day(d: date) -> bool:
    """Monday to Friday and not a public holiday. (Whether a Saturday counts as "hverdag"
    under § 88 is left open; counting it out never shortens the tenant's notice.)"""
    return d.weekday() < 5 and not is_holiday(d)


def add_months(d: date, months: int) -> date:
    """The same day ``months`` later, the month's last day where it has none (31 → 30)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")


def moving_day(year: int, month: int) -> date:
    """The first business day of the month that is not the day before a public holiday
    (almenlejeloven § 88: the day an opsigelse can end on) [EL88]."""
    d = date(year, month, 1)
    while not is_business_day(d) or is_holiday(d + timedelta(days=1)):
        d += timedelta(days=1)
    return d


def notice_end(notice_on: date, months: int) -> date:
    """The first moving day at least ``months`` after the notice reached the tenant."""
    earliest = add_months(notice_on, months)
    year, month = earliest.year, earliest.month
    while (end := moving_day(year, month)) < earliest:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return end


# -- the plan of one termination ---------------------------------------------------------
@dataclass(frozen=True)
class TerminationPlan:
    """The dates of one termination. ``effective_on`` starts the re-entry block's years;
    the objection and suit deadlines are the last days on which each may be made (None for
    an ophævelse, which has no objection procedure)."""

    route: TerminationRoute
    given_on: date  # ophævelse: its date; opsigelse: the day the notice reached the tenant
    effective_on: date
    objection_deadline: date | None = None
    sue_deadline: date | None = None


def plan_termination(route: TerminationRoute, given_on: date,
                     periods: TerminationPeriods) -> TerminationPlan:
    if route == TerminationRoute.OPHAEVELSE:
        return TerminationPlan(route, given_on, given_on)
    objection = given_on + timedelta(weeks=periods.objection_weeks)
    return TerminationPlan(
        route, given_on, notice_end(given_on, periods.notice_months),
        objection_deadline=objection,
        # "senest 6 uger efter lejerfristens udløb": from the end of the tenant's window,
        # not from the day the objection came [DL89].
        sue_deadline=objection + timedelta(weeks=periods.sue_weeks),
    )


PERIOD_KEYS = ("opsigelse_notice_months", "objection_window_weeks", "landlord_sue_weeks")


def periods_from_policy(raw: dict[str, object]) -> TerminationPeriods:
    """The periods a policy file sets (the defaults of the law where a file written before
    them sets none); ``ValueError`` for one that is not a whole number from 1 to 24."""
    default = TerminationPeriods()
    values = []
    for key, fallback in zip(PERIOD_KEYS, (default.notice_months, default.objection_weeks,
                                           default.sue_weeks), strict=True):
        value = raw.get(key, fallback)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 24:
            raise ValueError(f"{key} must be a whole number from 1 to 24, not {value!r}")
        values.append(value)
    return TerminationPeriods(*values)
