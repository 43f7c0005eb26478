"""Applying the versioned eligibility policy to a verdict."""

from __future__ import annotations

from datetime import date

from temporalio import activity

from activities.deps import Deps
from verdictflow.domain.policy import EligibilityDecision, assess
from workflows.case.messages import EligibilityRequest


class EligibilityActivities:
    """Applies the policy. The activity name (``name=``) stands in recorded histories."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    @activity.defn(name="assess_eligibility")
    async def assess_eligibility(self, req: EligibilityRequest) -> EligibilityDecision:
        return assess(
            req.verdict, self.deps.policy, self.deps.partnerships, date.fromisoformat(req.today)
        )
