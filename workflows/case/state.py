"""What a running case knows, named as the process names it.

The workflow keeps all of it in one ``CaseState``; signals, the update and the query read
and change it, the process in ``workflow.py`` waits on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from verdictflow.domain.case import Stage
from verdictflow.domain.policy import EligibilityDecision
from verdictflow.domain.requests import OpenRequest
from verdictflow.domain.termination_progress import RouteProgress
from verdictflow.domain.verdict import VerdictChange
from workflows.case.messages import (
    CasePartnership,
    CaseTerms,
    DecisionRequest,
    DeletionSignal,
    OpenTask,
    ReceiptSignal,
    RetractRequest,
)
from workflows.reentry.messages import BlockResult


@dataclass
class CaseTask:
    """A task put to a person (the police district's review, the housing organisation's
    decision) and its answer, once given."""

    opened: OpenTask
    answer: DecisionRequest | None = None
    closed: bool = False  # answered or withdrawn: no longer takes an answer


@dataclass
class Disclosure:
    """What was sent to the housing organisation, and what its receipt must match."""

    disclosure_id: str
    # The digest of the sealed bytes a receipt must commit to; None for cases started
    # before that check, which accept any receipt for the disclosure id.
    digest: str | None = None
    receipt: ReceiptSignal | None = None
    retraction: RetractRequest | None = None  # the retraction sent, kept to send it again
    deleted: DeletionSignal | None = None  # the recipient's signed confirmation
    deletion_recorded: bool = False  # written to the case book (audited)



@dataclass
class CaseState:
    stage: Stage = Stage.REGISTERED
    stage_seq: int = 0  # numbers the stage changes: recording one is idempotent on it
    events_seen: set[str] = field(default_factory=set)  # the contract: an event acts once
    final: bool = False
    overturned: bool = False
    final_change: VerdictChange | None = None  # what the final judgment changed, if anything
    terms: CaseTerms | None = None
    eligibility: EligibilityDecision | None = None
    request: OpenRequest | None = None  # the housing organisation's request it answers
    review: CaseTask | None = None
    decision: CaseTask | None = None
    disclosure: Disclosure | None = None
    block: BlockResult | None = None  # how the re-entry block ended, once it has
    # After the decision: the day an overturn or a changed sanction took the basis away.
    basis_fell_away_on: str | None = None
    damages: CaseTask | None = None  # the housing organisation's damages-and-rehousing task
    closed_at: str | None = None  # when the process reached its end stage (retention runs)
    retraction_resent: int = 0  # chases of a missing deletion receipt so far

    # Added 2026-12-05 (the follow-up): the partnership found before the finality wait, the
    # police district's confirmation of an appeal with no news (one task per round), and
    # whether the municipality's follow-up was started beside the case.
    partnership: CasePartnership | None = None
    finality_check: CaseTask | None = None
    finality_checks: int = 0
    followup_started: bool = False
    # The termination route: required of decisions in cases that reached their decision
    # task after routes existed; its progress once a terminate decision chose one; the
    # task to sue after an objection, and who recorded the suit.
    route_required: bool = False
    termination: RouteProgress | None = None
    sue_task: OpenTask | None = None
    sued_by: str | None = None

    @property
    def task(self) -> CaseTask | None:
        """The task opened last: damages, else the decision once there is one, else the
        review, else the police district's confirmation of finality."""
        return self.damages or self.decision or self.review or self.finality_check

    @property
    def open_task(self) -> OpenTask | None:
        task = self.task
        return task.opened if task is not None and not task.closed else None

    @property
    def outcome(self) -> str | None:
        """The housing organisation's decision, once it is made."""
        return self.decision.answer.outcome if self.decision and self.decision.answer else None
