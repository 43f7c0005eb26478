"""The eligibility policy: versioned data, and an explainable decision per verdict.

Every rule records a ``RuleOutcome`` in Danish for the caseworker. ``passed`` is
True, False, or None when the rule could not be decided from the data; any False
makes the verdict not eligible, otherwise any None sends it to manual review by
the police district. Explanations never contain the person's CPR number, name or
address: they travel further than the verdict (read model, case pages).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from verdictflow.domain.eligibility_policy import EligibilityPolicy
from verdictflow.domain.location_rules import Place, crime_location, police_district, residence
from verdictflow.domain.partnerships import Partnerships
from verdictflow.domain.rules import RuleOutcome, finality, offence, recency, sanction
from verdictflow.domain.verdict import Verdict

__all__ = ["Eligibility", "EligibilityDecision", "RuleOutcome", "assess"]


class Eligibility(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    MANUAL_REVIEW = "manual_review"  # a rule could not be decided: the police district reviews


@dataclass
class EligibilityDecision:
    outcome: Eligibility
    policy_version: str
    rules: list[RuleOutcome]
    assessed_on: str = ""
    partnership_id: str | None = None
    area_id: str | None = None
    housing_org_id: str | None = None
    department_id: str | None = None
    municipality_id: str | None = None
    police_district: str | None = None
    qualifying_offences: list[str] = field(default_factory=list)  # e.g. "straffeloven § 244"

    @property
    def eligible(self) -> bool:
        return self.outcome == Eligibility.ELIGIBLE

    @property
    def failed_rules(self) -> list[str]:
        return [r.rule for r in self.rules if r.passed is False]

    @property
    def undecided_rules(self) -> list[str]:
        return [r.rule for r in self.rules if r.passed is None]

    @property
    def reasons(self) -> list[str]:
        """The explanations that decided the outcome (all of them when eligible)."""
        if self.outcome == Eligibility.ELIGIBLE:
            return [r.explanation for r in self.rules]
        wanted = False if self.outcome == Eligibility.NOT_ELIGIBLE else None
        return [r.explanation for r in self.rules if r.passed is wanted]


def assess(
    verdict: Verdict, policy: EligibilityPolicy, partnerships: Partnerships, today: date
) -> EligibilityDecision:
    """Runs every rule (none short-circuits, so the caseworker sees them all)."""
    place = Place.of(verdict, partnerships)
    offence_rule, qualifying = offence(verdict, policy)
    rules = [
        finality(verdict, policy),
        sanction(verdict, policy),
        offence_rule,
        residence(place, partnerships),
        crime_location(verdict, policy, place, partnerships),
        recency(verdict, policy, today),
        police_district(verdict, place, partnerships),
    ]
    if any(r.passed is False for r in rules):
        outcome = Eligibility.NOT_ELIGIBLE
    elif any(r.passed is None for r in rules):
        outcome = Eligibility.MANUAL_REVIEW
    else:
        outcome = Eligibility.ELIGIBLE
    return EligibilityDecision(
        outcome=outcome,
        policy_version=policy.version,
        rules=rules,
        assessed_on=today.isoformat(),
        partnership_id=place.partnership.id if place.partnership else None,
        area_id=place.area.id if place.area else None,
        housing_org_id=place.department.housing_org_id if place.department else None,
        department_id=place.department.id if place.department else None,
        municipality_id=place.area.municipality_id if place.area else None,
        police_district=verdict.police_district,
        qualifying_offences=qualifying,
    )
