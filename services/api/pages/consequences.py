"""Dates the decision form spells out as examples, from today (shared/domain.md § 2).

Illustrations beside the form, not decisions: the case computes the real dates from the
termination date it is given (the block's end), and an opsigelse's end is the court's and
the parties' business. Public holidays are not counted here, and the text says so.
"""

from __future__ import annotations

from datetime import date, timedelta

from verdictflow.domain.case import add_years


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def first_weekday_of_month_on_or_after(d: date) -> date:
    first = d if d.day == 1 else add_months(d.replace(day=1), 1)
    while first.weekday() >= 5:  # Saturday, Sunday
        first += timedelta(days=1)
    return first


def block_end(terminated: date, years: int = 2) -> date:
    """Udlejningsbekendtgørelsen § 28: two years from the termination date [BEK28]."""
    return add_years(terminated, years)


def opsigelse_end(given: date, notice_months: int = 3) -> date:
    """Almenlejeloven § 88: three months' notice to the first business day of a month [EL88]."""
    return first_weekday_of_month_on_or_after(add_months(given, notice_months))


def objection_deadline(given: date, weeks: int = 6) -> date:
    """Almenlejeloven § 89: the tenant has six weeks to object [DL89]."""
    return given + timedelta(weeks=weeks)
