"""Applying the eligibility policy the case started on to its verdict."""

from __future__ import annotations

from datetime import date

from temporalio import activity

from activities.deps import Deps
from verdictflow.domain.policies import UnknownPolicyVersion, assess_pinned
from verdictflow.domain.policy import EligibilityDecision
from workflows.case.messages import CasePartnership, EligibilityRequest, PartnershipLookup


class EligibilityActivities:
    """Applies the policy. The activity name (``name=``) stands in recorded histories."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    @activity.defn(name="assess_eligibility")
    async def assess_eligibility(self, req: EligibilityRequest) -> EligibilityDecision:
        try:
            return assess_pinned(req.verdict, self.deps.policies, req.policy_version,
                                 self.deps.partnerships, date.fromisoformat(req.today),
                                 req.await_finality)
        except UnknownPolicyVersion as e:
            # Retried (not a ValueError): a worker that has the version will take it.
            raise RuntimeError(str(e)) from None

    @activity.defn(name="case_partnership")
    async def case_partnership(self, lookup: PartnershipLookup) -> CasePartnership:
        """The partnership the person's lease lies in, and its choice about finality."""
        p = self.deps.partnerships.partnership_of_person(lookup.verdict.person)
        return CasePartnership(p.id, p.await_finality) if p else CasePartnership()
