"""Dates the decision form spells out as examples, from today (shared/domain.md § 2).

Illustrations beside the form, not decisions: the case computes the real dates from the
decision it is given, with the same domain rules used here (verdictflow.domain.termination:
the § 88 moving day with Danish public holidays, the § 89 windows).
"""

from __future__ import annotations

from datetime import date

from verdictflow.domain.case import add_years
from verdictflow.domain.termination import (
    TerminationPeriods,
    TerminationRoute,
    notice_end,
    plan_termination,
)


def block_end(terminated: date, years: int = 2) -> date:
    """Udlejningsbekendtgørelsen § 28: two years from the termination date [BEK28]."""
    return add_years(terminated, years)


def opsigelse_end(given: date, notice_months: int = 3) -> date:
    """Almenlejeloven § 88: three months' notice to the first business day of a month [EL88]."""
    return notice_end(given, notice_months)


def objection_deadline(given: date, weeks: int = 6) -> date:
    """Almenlejeloven § 89: the tenant has six weeks to object [DL89]."""
    plan = plan_termination(TerminationRoute.OPSIGELSE, given,
                            TerminationPeriods(objection_weeks=weeks))
    assert plan.objection_deadline is not None  # an opsigelse always has one
    return plan.objection_deadline
