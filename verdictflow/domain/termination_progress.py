"""How far one termination has come, and which next step the law allows.

The housing organisation records what happened outside the platform (the tenant's
objection, its own suit, the court's outcome); these rules judge each record before it
reaches the case's history. A problem is either the case's state (the step does not fit
now: the API answers 409) or the record's content (422). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from verdictflow.domain.termination import CourtOutcome, TerminationPlan, TerminationRoute


class RouteEnd(StrEnum):
    """Why a termination route no longer takes records."""

    NOTICE_RAN_OUT = "notice_ran_out"  # no objection: the opsigelse took effect
    UPHELD = "upheld"
    SETTLED = "settled"
    UNJUSTIFIED = "court_found_unjustified"
    NOT_SUED_IN_TIME = "not_sued_in_time"
    BLOCK_ENDED = "block_ended"  # the block's years ran out, or the verdict was overturned


class Awaiting(StrEnum):
    OBJECTION = "objection"  # the tenant's window is open
    NOTICE_END = "notice_end"  # the window closed without an objection; the notice runs
    SUIT = "suit"  # the landlord's window to sue in boligretten
    COURT_OUTCOME = "court_outcome"


@dataclass(frozen=True)
class StepProblem:
    reason: str
    invalid: bool  # True: the record's content (422); False: the case's state (409)


def _state(reason: str) -> StepProblem:
    return StepProblem(reason, invalid=False)


def _invalid(reason: str) -> StepProblem:
    return StepProblem(reason, invalid=True)


@dataclass
class RouteProgress:
    plan: TerminationPlan
    objected_on: date | None = None
    sued_on: date | None = None
    outcome: CourtOutcome | None = None
    decided_on: date | None = None
    ended: RouteEnd | None = None

    @property
    def opsigelse(self) -> bool:
        return self.plan.route == TerminationRoute.OPSIGELSE

    def awaiting(self, today: date) -> Awaiting | None:
        if self.ended is not None:
            return None
        if not self.opsigelse or self.sued_on is not None:
            return Awaiting.COURT_OUTCOME
        if self.objected_on is not None:
            return Awaiting.SUIT
        deadline = self.plan.objection_deadline
        return Awaiting.OBJECTION if deadline and today <= deadline else Awaiting.NOTICE_END

    def _ended_problem(self) -> StepProblem | None:
        if self.ended is None:
            return None
        return _state(f"the termination route has ended ({self.ended.value})")

    @staticmethod
    def _date_problem(name: str, on: date, not_before: date, today: date) -> StepProblem | None:
        if on > today:
            return _invalid(f"{name} lies in the future")
        if on < not_before:
            return _invalid(f"{name} is before {not_before.isoformat()}")
        return None

    def objection_problem(self, on: date, today: date) -> StepProblem | None:
        if (p := self._ended_problem()) is not None:
            return p
        if not self.opsigelse:
            return _state("an ophævelse takes no objection under almenlejeloven § 89; "
                          "record the suit in fogedretten or the court's outcome")
        if self.objected_on is not None:
            return _state("the tenant's objection is already recorded")
        if (p := self._date_problem("objected_on", on, self.plan.given_on, today)) is not None:
            return p
        deadline = self.plan.objection_deadline
        if deadline is not None and on > deadline:
            return _invalid(f"objected_on is after the tenant's deadline "
                            f"({deadline.isoformat()}, § 89, stk. 2): a late objection does "
                            "not oblige the landlord to sue")
        return None

    def suit_problem(self, on: date, today: date) -> StepProblem | None:
        if (p := self._ended_problem()) is not None:
            return p
        if self.opsigelse and self.objected_on is None:
            return _state("no objection is recorded: an opsigelse nobody objected to takes "
                          "effect without a suit")
        if self.sued_on is not None:
            return _state("the suit is already recorded")
        start = self.objected_on or self.plan.given_on
        if (p := self._date_problem("sued_on", on, start, today)) is not None:
            return p
        deadline = self.plan.sue_deadline
        if deadline is not None and on > deadline:
            return _invalid(f"sued_on is after the landlord's deadline ({deadline.isoformat()}, "
                            "§ 89, stk. 2)")
        return None

    def outcome_problem(self, outcome: str, on: date, today: date) -> StepProblem | None:
        if (p := self._ended_problem()) is not None:
            return p
        if self.opsigelse and self.sued_on is None:
            return _state("no suit is recorded: boligretten decides an opsigelse only when "
                          "the landlord sued")
        if outcome not in set(CourtOutcome):
            return _invalid("outcome must be one of: " + ", ".join(o.value for o in CourtOutcome))
        return self._date_problem("decided_on", on, self.sued_on or self.plan.given_on, today)
