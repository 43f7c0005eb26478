"""What crosses the case workflow's boundary: its input and result, the signals from
ingest, the decision update and status query the task API and ingest use, and the
requests of its activities.

Plain dataclasses, importing nothing heavier than the domain (``.importlinter`` holds it):
the workflow, the activities, ingest and the API all read this module. Each message is
one dataclass so that a field can be added later (with a default) without breaking a
running case's history: cases live for years, and their payloads are JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from verdictflow.domain.policy import EligibilityDecision
from verdictflow.domain.verdict import Verdict, VerdictChange

# The failure type of a decision the case refuses for its content (the API answers 422),
# as against one it refuses for its state (already decided, no open task: 409).
INVALID_DECISION = "InvalidDecision"
# The failure type of a termination step recorded by an organisation that is not the
# case's (the API answers 404, as for an unknown case).
NOT_THE_CASE_ORG = "NotTheCaseOrganisation"

# -- the workflow: input, result, signals, update, query --------------------------------


@dataclass
class CaseInput:
    case_id: str
    person_ref: str
    verdict: Verdict
    registered_event_id: str


@dataclass
class CaseResult:
    case_id: str
    final_stage: str  # a Stage
    outcome: str | None = None
    reasons: list[str] = field(default_factory=list)
    # The stage the process ended in (closed, retracted, ...) when the case lived on to
    # its retention and ended ``purged``; None for cases that completed at that stage.
    ended_as: str | None = None


@dataclass
class VerdictSignal:
    """The ``verdict_changed`` signal: an appealed / finalized / overturned event, with the
    event id for de-duplication."""

    event_id: str
    type: str
    decided_on: str
    change: VerdictChange | None = None


@dataclass
class ReceiptSignal:
    """The ``receipt_received`` signal: the recipient confirms the disclosure it opened."""

    event_id: str
    disclosure_id: str
    org_id: str
    received_at: str
    digest: str


@dataclass
class DeletionSignal:
    """The ``deletion_confirmed`` signal: the recipient confirms, signed, that it deleted
    its copy on the retraction ``retraction_id`` (a ``disclosure.deleted`` receipt)."""

    event_id: str
    disclosure_id: str
    org_id: str
    retraction_id: str
    retraction_digest: str
    deleted_at: str


@dataclass
class DecisionRequest:
    """The ``decide`` update: the answer to the case's open task, the housing
    organisation's decision or the police district's review."""

    task_id: str
    outcome: str  # an Outcome or a ReviewOutcome, as the task's kind allows
    justification: str
    decided_by: str
    org_id: str
    # ophaevelse: the day it takes effect; opsigelse: the day the notice reached the tenant.
    termination_date: str | None = None
    # The termination route and its legal ground (terminate only): a TerminationRoute and
    # e.g. "almenlejeloven § 90, stk. 1, nr. 10". None in decisions made before routes.
    route: str | None = None
    ground: str | None = None


@dataclass
class DecisionAccepted:
    case_id: str
    task_id: str
    outcome: str
    stage: str


@dataclass
class OpenTask:
    task_id: str
    kind: str  # a TaskKind
    org_id: str
    due_on: str


@dataclass
class CaseStatus:
    """The ``status`` query."""

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
    # What a deletion receipt must match: the retraction sent (its event id), if any.
    retraction_id: str | None = None


# -- the termination route: updates recorded by the housing organisation, and its query --


@dataclass
class ObjectionRecord:
    """The ``record_objection`` update: the tenant objected in writing to an opsigelse
    (almenlejeloven § 89, stk. 2)."""

    org_id: str
    recorded_by: str
    objected_on: str


@dataclass
class SuitRecord:
    """The ``record_suit`` update: the organisation sued in boligretten (after an objection)
    or, for an ophævelse, went to fogedretten."""

    org_id: str
    recorded_by: str
    sued_on: str


@dataclass
class CourtOutcomeRecord:
    """The ``record_court_outcome`` update: what the court ended with (a CourtOutcome)."""

    org_id: str
    recorded_by: str
    outcome: str
    decided_on: str


@dataclass
class TerminationStatus:
    """The ``termination`` query, and the answer to every termination update: the route's
    dates and what it awaits (None once it has ended)."""

    case_id: str
    route: str  # a TerminationRoute
    ground: str | None
    given_on: str
    effective_on: str
    objection_deadline: str | None = None
    sue_deadline: str | None = None
    objected_on: str | None = None
    sued_on: str | None = None
    court_outcome: str | None = None
    court_decided_on: str | None = None
    awaiting: str | None = None  # an Awaiting
    ended: str | None = None  # a RouteEnd


# -- its activities ---------------------------------------------------------------------


@dataclass
class CaseTerms:
    """The policy values the workflow needs, read once (``case_terms``) and kept in its
    history."""

    policy_version: str
    await_finality: bool
    decision_deadline_days: int
    reminder_days: list[int]
    reentry_block_years: int
    receipt_timeout_seconds: int
    # Defaults: the terms of cases started before the window was part of them.
    termination_days_before: int = 31
    termination_days_after: int = 366
    # v2: a verdict that may be disclosed but is not nr. 10 goes to the police's review.
    review_other_ground: bool = True
    # Retention: the years a case without a block that ran its course keeps its data after
    # closing; the default is the policies' value for cases whose terms did not carry it.
    retention_after_close_years: int = 2
    # Added 2026-12-05 (defaults: the terms of cases started before): when a pending appeal
    # with no news is put to the police, and how often an escalated task is reminded.
    appeal_window_days: int = 14
    finality_confirmation_margin_days: int = 30
    escalation_reminder_days: int = 7
    # The termination route's periods (almenlejeloven §§ 88-89); defaults for the terms
    # of cases started before they were part of them.
    opsigelse_notice_months: int = 3
    objection_window_weeks: int = 6
    landlord_sue_weeks: int = 6


@dataclass
class EligibilityRequest:
    case_id: str
    verdict: Verdict
    today: str  # the workflow's date, so a replayed decision is the same decision
    # The version the case started on (its terms); none in requests made before cases were
    # pinned, which all started on v1.
    policy_version: str | None = None
    # The partnership's choice to wait for finality or not (None: the policy's own value,
    # as in every request made before partnerships chose).
    await_finality: bool | None = None


@dataclass
class SealRequest:
    case_id: str
    disclosure_id: str
    verdict: Verdict
    decision: EligibilityDecision
    decision_due_on: str
    request_id: str | None = None  # disclosed in answer to the housing organisation's request


@dataclass
class PublishRequest:
    case_id: str
    org_id: str
    sealed: dict[str, str]
    at: str


@dataclass
class DisclosureDelivery:
    """The ``deliver_disclosure`` activity: seal once, publish, and record the stages that
    led here (the last one ``disclosed``) in one step. An empty ``stages`` sends the very
    same bytes again (a missing receipt)."""

    seal: SealRequest
    org_id: str
    at: str
    stages: list[StageChange] = field(default_factory=list)


@dataclass
class Delivered:
    """What the workflow keeps of a delivered disclosure: its id and the digest a receipt
    must commit to, never the sealed bytes (they stay in the read model)."""

    disclosure_id: str
    digest: str


@dataclass
class RetractRequest:
    case_id: str
    disclosure_id: str
    org_id: str
    reason: str
    at: str


@dataclass
class StageChange:
    case_id: str
    seq: int
    stage: str
    at: str
    police_district: str | None = None
    partnership_id: str | None = None
    area_id: str | None = None
    housing_org_id: str | None = None
    person_ref: str | None = None
    eligibility: str | None = None
    policy_version: str | None = None
    outcome: str | None = None
    rules_failed: list[str] = field(default_factory=list)
    # Stages entered just before this one with nothing awaited between them (a new case's
    # ``registered``): recorded first, in order, each with its own seq and time, in the same
    # activity call. Empty for every change recorded before ``lean-before-decision``.
    earlier: list[StageChange] = field(default_factory=list)


@dataclass
class TaskOpening:
    task_id: str
    case_id: str
    kind: str  # a TaskKind
    org_id: str
    due_on: str
    sealed_disclosure: str | None = None
    legal_basis: str | None = None  # what the task cites (the municipality's follow-up)
    # Cases delivered in one step (``lean-disclosure``): the task takes the sealed copy
    # kept for this disclosure, and records the stage it opens (with the stages held before
    # it) in the same call. None for every task opened before.
    disclosure_id: str | None = None
    stage: StageChange | None = None


@dataclass
class TaskClosing:
    task_id: str
    status: str  # done | withdrawn
    outcome: str | None = None
    decided_by: str | None = None


@dataclass
class DeadlineNotice:
    case_id: str
    task_id: str
    org_id: str
    kind: str  # a reminders.Notice: reminder | deadline_missed
    due_on: str
    at: str


@dataclass
class DeletionRecord:
    """The recipient's confirmed deletion, written to the case book (audited)."""

    case_id: str
    disclosure_id: str
    org_id: str
    retraction_id: str
    deleted_at: str


@dataclass
class PurgeRequest:
    """The case purges itself: its key destroyed, its sealed copies cleared, and its last
    stage (``purged``) recorded by the same activity, so that nothing the workflow writes
    after the key is gone needs it (see ``VerdictCaseWorkflow._purge``)."""

    case_id: str
    actor: str
    last_stage: StageChange


@dataclass
class PurgeDone:
    """Ids and counts only: this result is written after the case key is destroyed."""

    case_id: str
    key_destroyed: bool
    tasks_cleared: int


@dataclass
class PartnershipLookup:
    """Which partnership a case belongs to, before it is assessed: from the lease (or the
    registered address) of the verdict's person, the way the policy finds it."""

    case_id: str
    verdict: Verdict


@dataclass
class CasePartnership:
    partnership_id: str | None = None  # None: the address is in no partnership's area
    await_finality: bool | None = None  # the partnership's choice; None when unknown


@dataclass
class TaskEscalation:
    """A task unanswered at its deadline goes to the organisation's supervisors."""

    case_id: str
    task_id: str
    org_id: str
    due_on: str
    at: str
    to_role: str = "supervisor"
