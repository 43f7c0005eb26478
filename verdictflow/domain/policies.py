"""Every policy version a worker knows, and a case assessed by the one it started on.

A case is pinned to the version in force when it was registered (``CaseTerms``): it is
assessed, and re-assessed after an appeal, by that version for the rest of its life, even
when a newer one comes into force meanwhile. v1 and v2 answer in one shape, the
``EligibilityDecision`` the case workflow has always carried, so histories of v1 cases
replay unchanged; v2's two questions travel in its extra fields.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from verdictflow.domain.eligibility_policy import EligibilityPolicy, TerminationWindow, load_policy
from verdictflow.domain.eligibility_policy_v2 import PolicyV2, load_policy_v2
from verdictflow.domain.partnerships import Partnerships
from verdictflow.domain.policy import Eligibility, EligibilityDecision, assess
from verdictflow.domain.policy_v2 import AssessmentV2, OutcomeV2, assess_v2
from verdictflow.domain.termination import TerminationPeriods
from verdictflow.domain.verdict import Verdict

AnyPolicy = EligibilityPolicy | PolicyV2

# Cases registered before the version was pinned carry none: they started on v1.
UNPINNED_VERSION = "v1"

_OUTCOMES = {
    OutcomeV2.ELIGIBLE: Eligibility.ELIGIBLE,
    OutcomeV2.DISCLOSE_OTHER_GROUND: Eligibility.DISCLOSE_OTHER_GROUND,
    OutcomeV2.REVIEW: Eligibility.MANUAL_REVIEW,  # one word for "the police decide" per case
    OutcomeV2.NOT_ELIGIBLE: Eligibility.NOT_ELIGIBLE,
}


class UnknownPolicyVersion(LookupError):
    """A case names a version this worker has not loaded (a newer worker may have it)."""


@dataclass(frozen=True)
class PolicyTerms:
    """What a case keeps of its policy besides the rules: deadlines, waits, the block."""

    version: str
    await_finality: bool
    decision_deadline_days: int
    reminder_days: list[int]
    reentry_block_years: int
    termination_window: TerminationWindow
    review_other_ground: bool
    retention_after_close_years: int = 2
    appeal_window_days: int = 14
    finality_confirmation_margin_days: int = 30
    escalation_reminder_days: int = 7
    termination_periods: TerminationPeriods = TerminationPeriods()


@dataclass(frozen=True)
class Policies:
    versions: Mapping[str, AnyPolicy]
    pinned: str | None = None  # set: new cases start on it, whatever is in force

    def __post_init__(self) -> None:
        if not self.versions:
            raise ValueError("no policy version is loaded")
        if self.pinned is not None and self.pinned not in self.versions:
            raise ValueError(f"policy version {self.pinned!r} is not among "
                             f"{sorted(self.versions)}")

    def get(self, version: str) -> AnyPolicy:
        try:
            return self.versions[version]
        except KeyError:
            raise UnknownPolicyVersion(
                f"policy version {version!r} is not loaded (known: {sorted(self.versions)})"
            ) from None

    def for_new_case(self, today: date) -> AnyPolicy:
        """The pinned version, else the newest in force today (the oldest if none is yet)."""
        if self.pinned is not None:
            return self.versions[self.pinned]
        by_start = sorted(self.versions.values(), key=lambda p: p.effective_from)
        in_force = [p for p in by_start if date.fromisoformat(p.effective_from) <= today]
        return (in_force or by_start)[-1 if in_force else 0]

    def terms(self, version: str) -> PolicyTerms:
        p = self.get(version)
        return PolicyTerms(
            version=p.version,
            await_finality=p.await_finality,
            decision_deadline_days=p.decision_deadline_days,
            reminder_days=list(p.reminder_days),
            reentry_block_years=p.reentry_block_years,
            termination_window=p.termination_window,
            review_other_ground=p.review_other_ground if isinstance(p, PolicyV2) else True,
            retention_after_close_years=p.retention_after_close_years,
            appeal_window_days=p.appeal_window_days,
            finality_confirmation_margin_days=p.finality_confirmation_margin_days,
            escalation_reminder_days=p.escalation_reminder_days,
            termination_periods=p.termination_periods,
        )


def assess_pinned(verdict: Verdict, policies: Policies, version: str | None,
                  partnerships: Partnerships, today: date,
                  await_finality: bool | None = None) -> EligibilityDecision:
    """``await_finality``: the partnership's choice when the case knows its partnership
    (None: the policy's own value); the finality rule reads it."""
    policy = policies.get(version or UNPINNED_VERSION)
    if await_finality is not None and await_finality != policy.await_finality:
        policy = replace(policy, await_finality=await_finality)
    if isinstance(policy, PolicyV2):
        return decision_of(assess_v2(verdict, policy, partnerships, today))
    return assess(verdict, policy, partnerships, today)


def decision_of(a: AssessmentV2) -> EligibilityDecision:
    return EligibilityDecision(
        outcome=_OUTCOMES[a.outcome],
        policy_version=a.policy_version,
        rules=a.rules,
        assessed_on=a.assessed_on,
        partnership_id=a.partnership_id,
        area_id=a.area_id,
        housing_org_id=a.housing_org_id,
        department_id=a.department_id,
        municipality_id=a.municipality_id,
        police_district=a.police_district,
        qualifying_offences=list(a.qualifying_offences),
        deciding_rules=list(a.deciding_rules),
        termination_ground_rules=[r.rule for r in a.termination_ground.rules],
        on_request=_OUTCOMES[a.on_request],
    )


def load_any_policy(text: str | bytes) -> AnyPolicy:
    """A policy file of either version; ``ValueError`` names what is wrong."""
    raw = json.loads(text)
    if not isinstance(raw, dict):
        raise ValueError("a policy file is a JSON object")
    if raw.get("version") == "v2":
        return load_policy_v2(raw)
    return load_policy(text)
