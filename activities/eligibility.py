"""Applying the versioned eligibility policy to a verdict."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from temporalio import activity

from activities.deps import Deps
from verdictflow.domain.policy import EligibilityDecision, assess
from verdictflow.domain.verdict import Verdict


@dataclass
class EligibilityRequest:
    case_id: str
    verdict: Verdict
    today: str  # the workflow's date, so a replayed decision is the same decision


class EligibilityActivities:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    @activity.defn(name="assess_eligibility")
    async def assess_eligibility(self, req: EligibilityRequest) -> EligibilityDecision:
        return assess(
            req.verdict, self.deps.policy, self.deps.partnerships, date.fromisoformat(req.today)
        )
