"""The municipality's follow-up of a verdict: who is a young person, and on which basis.

The municipality orders a young person aged 10-17 ("børne- og ungepålæg", barnets lov
§ 39, formerly serviceloven § 57 b) or the custody holder ("forældrepålæg", barnets lov
§ 38, formerly § 57 a) [BL38][BL39][SEL57B]. Those orders are triggered by suspicion or
behaviour, not by a verdict: routing a verdict case to the municipality is our design
choice, made because partnership agreements commit the municipality to use them (the
Slagelse agreement, seed 001), not a duty the law lays on anyone here.

The age comes from the CPR number's birth date [CPR]: DDMMYY, and the 7th digit together
with the year gives the century. It is computed inside the workflow and used for this one
yes/no: neither the age nor the birth date is ever logged, stored or sent. Pure.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from verdictflow.domain.identity import InvalidCpr, normalise_cpr
from verdictflow.domain.verdict import Verdict

YOUTH_ORDER_AGES = range(10, 18)  # barnets lov § 39: a child aged 10-17 [BL39]


class FollowUpBasis(StrEnum):
    """What the municipality's task cites; the value travels in ids-only events."""

    YOUNG_PERSON = "barnets lov § 39"  # børne- og ungepålæg, the convicted 10-17-year-old
    CUSTODY_HOLDER = "barnets lov § 38"  # forældrepålæg, minors in the household


def century(seventh_digit: int, yy: int) -> int:
    """The century of a CPR number's birth year, from its 7th digit and two-digit year
    (CPR-kontoret's table [CPR])."""
    if not 0 <= seventh_digit <= 9 or not 0 <= yy <= 99:
        raise InvalidCpr("a CPR number has 10 digits (DDMMYY-SSSS)")
    if seventh_digit <= 3:
        return 1900
    if seventh_digit in (4, 9):
        return 2000 if yy <= 36 else 1900
    # 5, 6, 7, 8
    return 2000 if yy <= 57 else 1800


def birth_date(cpr: str) -> date:
    """The birth date a CPR number encodes; ``InvalidCpr`` when it encodes none (a
    malformed number, or a day that does not exist, as in substitute numbers)."""
    digits = normalise_cpr(cpr)
    day, month, yy = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    year = century(int(digits[6]), yy) + yy
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidCpr("the CPR number encodes no date") from None


def age_on(born: date, day: date) -> int:
    """Whole years from ``born`` to ``day`` (a 29 February birthday counts on 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def is_young_person(cpr: str, on: date) -> bool | None:
    """Whether the person is 10-17 on ``on``; None when the CPR number gives no birth date."""
    try:
        return age_on(birth_date(cpr), on) in YOUTH_ORDER_AGES
    except InvalidCpr:
        return None


def follow_up_basis(verdict: Verdict) -> FollowUpBasis | None:
    """The basis the municipality is asked to consider, or None when neither applies.

    The young person's own order (§ 39) comes first: a 15-year-old's parents are also
    the custody holders, and the municipality's caseworker weighs § 38 with it. The age
    is the age on the day of the verdict, when the court judged the young person.
    """
    young = is_young_person(verdict.person.cpr, date.fromisoformat(verdict.decided_on))
    if young:
        return FollowUpBasis.YOUNG_PERSON
    household = verdict.person.household
    if household is not None and household.minors_in_household:
        return FollowUpBasis.CUSTODY_HOLDER
    return None


def municipality_follow_up(verdict: Verdict, resident: bool) -> FollowUpBasis | None:
    """When the municipality is told: a conviction (not an acquittal) of a person whose
    residence in a partnership area the assessment found, with a basis above. Residence,
    because the municipality of the area is the one that follows up its residents; after
    the assessment, because only then is it known (and, by default, the verdict final)."""
    if not resident or verdict.sentence.kind == "acquittal":
        return None
    return follow_up_basis(verdict)


def notification_id(case_id: str) -> str:
    """One notification per case, ever: the idempotency key of the event, the row and the
    municipality's task."""
    return f"{case_id}-m1"


def followup_workflow_id(case_id: str) -> str:
    return f"followup-{case_id}"
