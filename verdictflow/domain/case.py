"""The rules of a case: its stages, what its tasks may be answered with, and why it ends.

The Temporal messages that carry a case (its input, signals, the decision update, the
status query, the activities' requests) live beside the workflow, in
``workflows/case/messages.py``; the rules here judge them through the protocols below, so
the domain knows nothing of how they travel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol

from verdictflow.domain.termination import TerminationRoute, route_problem


class Stage(StrEnum):
    REGISTERED = "registered"
    AWAITING_FINALITY = "awaiting_finality"
    ELIGIBILITY = "eligibility"
    AWAITING_REVIEW = "awaiting_review"
    NOT_ELIGIBLE = "not_eligible"
    DISCLOSED = "disclosed"
    AWAITING_DECISION = "awaiting_decision"
    DECIDED = "decided"
    REENTRY_BLOCKED = "reentry_blocked"
    # The termination route (almenlejeloven §§ 85-90): an opsigelse's notice is running,
    # the tenant objected (the landlord may sue), a court has the case.
    TERMINATION_NOTICED = "termination_noticed"
    OBJECTED = "objected"
    IN_COURT = "in_court"
    OVERTURNED = "overturned"
    RETRACTED = "retracted"
    CLOSED = "closed"
    # The personal data destroyed (crypto-shredding, retention over): the case's last stage.
    PURGED = "purged"


class Outcome(StrEnum):
    """What a housing organisation's caseworker decides (almenlejeloven § 90 / § 85)."""

    TERMINATE = "terminate"
    WARN = "warn"
    NO_ACTION = "no_action"


class ReviewOutcome(StrEnum):
    """What the police district decides for a verdict the policy could not place."""

    DISCLOSE = "disclose"
    NO_DISCLOSURE = "no_disclosure"


class TaskKind(StrEnum):
    """Who a task asks: the police district reviews a verdict or a housing organisation's
    request, or confirms an appeal's outcome; the housing organisation decides on the
    lease, and sues in boligretten when the tenant objected to an opsigelse (almenlejeloven
    § 89, stk. 2); the municipality records its follow-up."""

    REVIEW = "review"
    DECISION = "decision"
    REQUEST = "request"
    # The housing organisation owes damages and rehousing: the tenant moved out and the
    # verdict was overturned or its sanction changed afterwards (§ 92 stk. 4, [L178]).
    DAMAGES = "damages"
    # The police district confirms what became of an appeal that never reported back.
    CONFIRM_FINALITY = "confirm_finality"
    # The municipality records its own follow-up (barnets lov §§ 38-39), beside the case.
    MUNICIPALITY_FOLLOWUP = "municipality_followup"
    SUE = "sue"  # answered by recording the suit (or left to its deadline), not by /decision


class DamagesOutcome(StrEnum):
    """What the housing organisation answers to a damages-and-rehousing task
    (almenlejeloven § 92 stk. 4 as amended by L 178: the landlord pays the tenant's loss
    and offers genhusning)."""

    SETTLED = "settled"  # the loss paid and genhusning offered
    NOT_OWED = "not_owed"  # the basis did not fall away (say, the changed sanction still qualifies)


class RequestReview(StrEnum):
    """What the police district answers to a housing organisation's request."""

    KEEP_OPEN = "keep_open"  # a lawful request: verdicts are matched while it is open
    REFUSE = "refuse"  # not one the police can act on (say, no safety effort in the area)


class FinalityConfirmation(StrEnum):
    """What the police district answers about a pending appeal with no news."""

    STILL_PENDING = "still_pending"  # the appeal runs on: asked again after the margin
    FINAL = "final"  # the verdict stands as registered and is final
    OVERTURNED = "overturned"  # acquitted or annulled on appeal


class FollowUpMeasure(StrEnum):
    """What the municipality did (barnets lov § 38 forældrepålæg, § 39 børne- og
    ungepålæg [BL38][BL39]), recorded for the partnership's follow-up."""

    FORAELDREPAALAEG = "foraeldrepaalaeg"
    BOERNE_OG_UNGEPAALAEG = "boerne_og_ungepaalaeg"
    OTHER_SUPPORT = "other_support"
    NO_MEASURE = "no_measure"


# Keyed by the kind's value too: a task read back from the database names its kind by it.
TASK_OUTCOMES: dict[str, set[str]] = {
    TaskKind.DECISION: {o.value for o in Outcome},
    TaskKind.REVIEW: {o.value for o in ReviewOutcome},
    TaskKind.REQUEST: {o.value for o in RequestReview},
    TaskKind.DAMAGES: {o.value for o in DamagesOutcome},
    TaskKind.CONFIRM_FINALITY: {o.value for o in FinalityConfirmation},
    TaskKind.MUNICIPALITY_FOLLOWUP: {o.value for o in FollowUpMeasure},
}


class EndReason(StrEnum):
    """Why a case ended before a caseworker's decision, in Danish: the case's result and
    its read model show it to the caseworker as it stands here."""

    # A verdict overturned before anything was sent: nothing left the platform.
    OVERTURNED_BEFORE_DISCLOSURE = "dommen blev omstødt før videregivelse"
    # Overturned while the police district reviewed it: the review is withdrawn.
    OVERTURNED_DURING_REVIEW = "dommen blev omstødt under vurdering"
    # The police district may disclose a verdict the policy could not place; it did not.
    POLICE_DID_NOT_DISCLOSE = "politiet valgte ikke at videregive"
    # Overturned after disclosure: the housing organisation must delete what it received.
    RETRACTED = "dommen blev omstødt; videregivelsen er trukket tilbage"


class LiftReason(StrEnum):
    """Why a re-entry block ends (udlejningsbekendtgørelsen § 28, almenlejeloven § 92,
    stk. 4): its years ran out, or the ground for it fell away."""

    EXPIRED = "expired"
    OVERTURNED = "overturned"
    COURT_FOUND_UNJUSTIFIED = "court_found_unjustified"
    NOT_SUED_IN_TIME = "not_sued_in_time"


class ProposedDecision(Protocol):
    """An answer to a task, as the rules below judge it (the decision update carries one)."""

    task_id: str
    outcome: str
    justification: str
    org_id: str
    termination_date: str | None
    route: str | None
    ground: str | None


class PendingTask(Protocol):
    """A task awaiting its answer."""

    task_id: str
    kind: str
    org_id: str


MIN_JUSTIFICATION = 10


@dataclass(frozen=True)
class DecisionContext:
    """What a decision is judged against besides its task: the day it is made, the
    termination window, and the verdict's date (None where the caller does not know it:
    the case workflow checks it again)."""

    today: date
    days_before: int = 31
    days_after: int = 366
    verdict_date: date | None = None


ROUTE_REQUIRED = ("route is required to terminate: 'ophaevelse' (almenlejeloven § 90, "
                  "stk. 1: takes effect on termination_date) or 'opsigelse' (§ 85, stk. 1: "
                  "termination_date is the day the notice reached the tenant), with its ground")


def decision_problem(req: ProposedDecision, task: PendingTask | None,
                     context: DecisionContext | None = None,
                     route_required: bool = False) -> str | None:
    """Why a decision cannot be accepted, or None. Checked before it reaches history.

    ``route_required``: cases that reached their decision before the termination route
    existed may terminate without one (and are blocked from the date as before)."""
    if task is None:
        return "the case has no open task awaiting a decision"
    if req.task_id != task.task_id:
        return "the task is no longer open on this case"
    if req.org_id != task.org_id:
        return "the task belongs to another organisation"
    if req.outcome not in TASK_OUTCOMES[task.kind]:
        allowed = ", ".join(sorted(TASK_OUTCOMES[task.kind]))
        return f"outcome must be one of: {allowed}"
    if len(req.justification.strip()) < MIN_JUSTIFICATION:
        return f"a justification of at least {MIN_JUSTIFICATION} characters is required"
    if req.outcome == Outcome.TERMINATE:
        if not req.termination_date:
            return "termination_date is required to terminate"
        try:
            terminated = date.fromisoformat(req.termination_date)
        except ValueError:
            return "termination_date must be a date (YYYY-MM-DD)"
        if req.route is not None or req.ground is not None or route_required:
            problem = ROUTE_REQUIRED if req.route is None else route_problem(req.route, req.ground)
            if problem:
                return problem
        if context is not None:
            return termination_date_problem(terminated, context)
    elif req.termination_date:
        return "termination_date is only given when terminating"
    elif req.route is not None or req.ground is not None:
        return "route and ground are only given when terminating"
    return None


def route_of(req: ProposedDecision) -> TerminationRoute | None:
    """The route a terminate decision chose; None for one made before routes existed."""
    return TerminationRoute(req.route) if req.route else None


def termination_date_problem(terminated: date, context: DecisionContext) -> str | None:
    earliest = context.today - timedelta(days=context.days_before)
    latest = context.today + timedelta(days=context.days_after)
    if context.verdict_date is not None and terminated < context.verdict_date:
        return f"termination_date is before the verdict ({context.verdict_date.isoformat()})"
    if terminated < earliest:
        return (f"termination_date may be at most {context.days_before} days before the "
                f"decision (not before {earliest.isoformat()})")
    if terminated > latest:
        return (f"termination_date may be at most {context.days_after} days after the "
                f"decision (not after {latest.isoformat()})")
    return None


def add_years(d: date, years: int) -> date:
    """The same day ``years`` later, or earlier for negative ``years`` (28 February for 29
    February); never raises: a date past the calendar's ends is its first or last day, so no
    date a case carries can fail a workflow task."""
    if d.year + years > date.max.year:
        return date.max
    if d.year + years < date.min.year:
        return date.min
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)
