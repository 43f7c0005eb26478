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

__all__ = ["Eligibility", "EligibilityDecision", "Route", "RuleOutcome", "assess",
           "route_after_assessment"]


class Eligibility(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    MANUAL_REVIEW = "manual_review"  # a rule could not be decided: the police district reviews
    # Policy v2 only: § 63 d allows disclosure, § 90, stk. 1, nr. 10 does not apply (the
    # landlord's route is the house rules, with proportionality).
    DISCLOSE_OTHER_GROUND = "disclose_other_ground"

    @property
    def discloses(self) -> bool:
        return self in (Eligibility.ELIGIBLE, Eligibility.DISCLOSE_OTHER_GROUND)


class Route(StrEnum):
    """Where an assessed verdict goes next."""

    DISCLOSE = "disclose"
    REVIEW = "review"  # the police district decides
    END = "end"  # not eligible


def route_after_assessment(outcome: Eligibility, review_other_ground: bool) -> Route:
    """An unknown goes to the police; so does a verdict that may be disclosed but does not
    ground rescission under nr. 10 while the policy keeps that discretion with them."""
    if outcome == Eligibility.MANUAL_REVIEW:
        return Route.REVIEW
    if outcome == Eligibility.DISCLOSE_OTHER_GROUND and review_other_ground:
        return Route.REVIEW
    return Route.DISCLOSE if outcome.discloses else Route.END


NR10_ROUTE = "almenlejeloven § 90, stk. 1, nr. 10 (ophævelse)"
HOUSE_RULES_ROUTE = ("almenlejeloven § 85, stk. 1, nr. 4 / § 90, stk. 1, nr. 7 og 13 "
                     "(husorden; proportionalitet); § 90, stk. 1, nr. 10 finder ikke anvendelse")


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
    # Policy v2 (empty / None for v1, whose histories carry neither): the rules that decided
    # the outcome, which of ``rules`` answer § 90, stk. 1, nr. 10 (the rest answer § 63 d),
    # and the outcome when the housing organisation has asked (the 2022 duty).
    deciding_rules: list[str] = field(default_factory=list)
    termination_ground_rules: list[str] = field(default_factory=list)
    on_request: Eligibility | None = None

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
    def decisive_rules(self) -> list[str]:
        """The rules that decided the outcome (v1 records none apart: its failed rules)."""
        return self.deciding_rules or self.failed_rules

    @property
    def termination_ground(self) -> str | None:
        """v2: the landlord's route, as the housing organisation is told it; None for v1, or
        when the police decide what the policy could not."""
        ground = [r for r in self.rules if r.rule in self.termination_ground_rules]
        if not ground:
            return None
        if all(r.passed is True for r in ground):
            return NR10_ROUTE
        if any(r.passed is False for r in ground):
            return HOUSE_RULES_ROUTE
        return None

    @property
    def reasons(self) -> list[str]:
        """The explanations that decided the outcome (all of them when eligible)."""
        if self.deciding_rules:
            return [r.explanation for r in self.rules if r.rule in self.deciding_rules]
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
