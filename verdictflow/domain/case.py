"""The case as the workflow carries it: stages, inputs, messages and the decision rules.

Every type here is a plain dataclass so it can travel as a Temporal payload and gain
fields later without breaking running histories (new fields get defaults).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from verdictflow.domain.verdict import Verdict, VerdictChange


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
    OVERTURNED = "overturned"
    RETRACTED = "retracted"
    CLOSED = "closed"


class Outcome(StrEnum):
    """What a housing organisation's caseworker decides (almenlejeloven § 90 / § 85)."""

    TERMINATE = "terminate"
    WARN = "warn"
    NO_ACTION = "no_action"


class ReviewOutcome(StrEnum):
    """What the police district decides for a verdict the policy could not place."""

    DISCLOSE = "disclose"
    NO_DISCLOSURE = "no_disclosure"


TASK_OUTCOMES = {
    "decision": {o.value for o in Outcome},
    "review": {o.value for o in ReviewOutcome},
}


@dataclass
class CaseInput:
    case_id: str
    person_ref: str
    verdict: Verdict
    registered_event_id: str


@dataclass
class CaseTerms:
    """The policy values the workflow needs, read once and kept in its history."""

    policy_version: str
    await_finality: bool
    decision_deadline_days: int
    reminder_days: list[int]
    reentry_block_years: int
    receipt_timeout_seconds: int
    # Defaults: the terms of cases started before the window was part of them.
    termination_days_before: int = 31
    termination_days_after: int = 366


@dataclass
class VerdictSignal:
    """An appealed / finalized / overturned event, with the event id for de-duplication."""

    event_id: str
    type: str
    decided_on: str
    change: VerdictChange | None = None


@dataclass
class ReceiptSignal:
    event_id: str
    disclosure_id: str
    org_id: str
    received_at: str
    digest: str


@dataclass
class DecisionRequest:
    task_id: str
    outcome: str
    justification: str
    decided_by: str
    org_id: str
    termination_date: str | None = None


@dataclass
class DecisionAccepted:
    case_id: str
    task_id: str
    outcome: str
    stage: str


@dataclass
class OpenTask:
    task_id: str
    kind: str
    org_id: str
    due_on: str


@dataclass
class CaseStatus:
    case_id: str
    stage: str
    housing_org_id: str | None = None
    area_id: str | None = None
    open_task: OpenTask | None = None
    outcome: str | None = None
    # What a receipt must match: the disclosure sent, and its digest (None for cases
    # started before receipts committed to the bytes sent).
    disclosure_id: str | None = None
    disclosure_digest: str | None = None


@dataclass
class CaseResult:
    case_id: str
    final_stage: str
    outcome: str | None = None
    reasons: list[str] = field(default_factory=list)


MIN_JUSTIFICATION = 10
# The failure type of a decision the case refuses for its content (the API answers 422),
# as against one it refuses for its state (already decided, no open task: 409).
INVALID_DECISION = "InvalidDecision"


@dataclass(frozen=True)
class DecisionContext:
    """What a decision is judged against besides its task: the day it is made, the
    termination window, and the verdict's date (None where the caller does not know it:
    the case workflow checks it again)."""

    today: date
    days_before: int = 31
    days_after: int = 366
    verdict_date: date | None = None


def decision_problem(req: DecisionRequest, task: OpenTask | None,
                     context: DecisionContext | None = None) -> str | None:
    """Why a decision cannot be accepted, or None. Checked before it reaches history."""
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
        if context is not None:
            return termination_date_problem(terminated, context)
    elif req.termination_date:
        return "termination_date is only given when terminating"
    return None


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
    """The same day ``years`` later (28 February for 29 February); never raises: a date past
    the calendar's end is its last day, so no date a case carries can fail a workflow task."""
    if d.year + years > date.max.year:
        return date.max
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


@dataclass
class BlockInput:
    block_id: str
    case_id: str
    area_id: str
    partnership_id: str | None
    housing_org_id: str
    person_ref: str
    placed_on: str  # the termination date: the two years run from it (udlejningsbek. § 28)
    expires_on: str


@dataclass
class LiftRequest:
    reason: str  # overturned | court_found_unjustified | not_sued_in_time
    event_id: str = ""


@dataclass
class BlockResult:
    block_id: str
    lifted_on: str
    reason: str
