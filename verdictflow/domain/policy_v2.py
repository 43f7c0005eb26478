"""Policy v2: two legal questions answered apart, then one outcome.

*Disclosure basis* (almenboligloven § 63 d): may the police tell the housing organisation?
*Termination ground* (almenlejeloven § 90, stk. 1, nr. 10): does the verdict ground
rescission? Every rule of both is run and kept, so the caseworker sees them all.

- a basis rule fails → ``not_eligible``; a basis rule unknown → ``review``;
- basis holds and every ground rule holds → ``eligible`` (disclose; nr. 10 applies);
- basis holds and a ground rule is unknown → ``review`` (the police decide);
- basis holds and a ground rule fails → ``disclose_other_ground`` (disclosure allowed; the
  landlord's route is the house rules, §§ 85 nr. 4 / 90 nr. 7, 13, with proportionality).

On the housing organisation's request (``on_request``) one more thing holds: since 1 July
2022 (L 178) the police *must* disclose a judgment covered by nr. 10 to the landlord who
asks, so the discretionary parts of § 63 d (the crime's connection to the area, the
matter's age, the district) no longer decide it. A conviction, final as the policy
requires, of a person whose lease is known, that grounds rescission is ``eligible``;
anything else keeps the outcome it has without the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from verdictflow.domain import basis_rules, termination_rules
from verdictflow.domain.basis_rules import Lease
from verdictflow.domain.eligibility_policy_v2 import PolicyV2
from verdictflow.domain.partnerships import Partnerships
from verdictflow.domain.rules import RuleOutcome, finality
from verdictflow.domain.verdict import Verdict

__all__ = ["Answer", "AssessmentV2", "OutcomeV2", "assess_v2"]


class OutcomeV2(StrEnum):
    ELIGIBLE = "eligible"
    DISCLOSE_OTHER_GROUND = "disclose_other_ground"
    REVIEW = "review"
    NOT_ELIGIBLE = "not_eligible"


@dataclass
class Answer:
    """One legal question: its rules, and yes / no / unknown (None)."""

    question: str
    rules: list[RuleOutcome]

    @property
    def holds(self) -> bool | None:
        if any(r.passed is False for r in self.rules):
            return False
        if any(r.passed is None for r in self.rules):
            return None
        return True


@dataclass
class AssessmentV2:
    outcome: OutcomeV2
    policy_version: str
    disclosure_basis: Answer
    termination_ground: Answer
    deciding_rules: list[str]  # the rules that decided the outcome
    assessed_on: str = ""
    partnership_id: str | None = None
    area_id: str | None = None
    housing_org_id: str | None = None
    department_id: str | None = None
    municipality_id: str | None = None
    police_district: str | None = None
    qualifying_offences: list[str] = field(default_factory=list)
    on_request: OutcomeV2 = OutcomeV2.NOT_ELIGIBLE  # the outcome when the landlord has asked

    @property
    def rules(self) -> list[RuleOutcome]:
        return self.disclosure_basis.rules + self.termination_ground.rules


def _decide(basis: Answer, ground: Answer) -> tuple[OutcomeV2, list[str]]:
    def named(answer: Answer, passed: bool | None) -> list[str]:
        return [r.rule for r in answer.rules if r.passed is passed]

    if basis.holds is False:
        return OutcomeV2.NOT_ELIGIBLE, named(basis, False)
    if basis.holds is None:
        return OutcomeV2.REVIEW, named(basis, None)
    if ground.holds is True:
        return OutcomeV2.ELIGIBLE, named(ground, True)
    if ground.holds is None:  # no ground rule fails, one is unknown
        return OutcomeV2.REVIEW, named(ground, None)
    return OutcomeV2.DISCLOSE_OTHER_GROUND, named(ground, False)


# The basis rules the 2022 duty still needs: a conviction, final if the policy waits for it,
# of someone whose lease (and so landlord) is known.
DUTY_BASIS_RULES = ("decision", "finality", "residence")


def _on_request(outcome: OutcomeV2, basis: Answer, ground: Answer) -> OutcomeV2:
    held = {r.rule: r.passed for r in basis.rules}
    if ground.holds is True and all(held.get(rule) is True for rule in DUTY_BASIS_RULES):
        return OutcomeV2.ELIGIBLE
    return outcome


def assess_v2(verdict: Verdict, policy: PolicyV2, ps: Partnerships, today: date) -> AssessmentV2:
    lease = Lease.of(verdict, ps)
    offence_rule, listed = termination_rules.offence(verdict, policy)
    basis = Answer(
        "disclosure_basis",
        [
            basis_rules.decision(verdict),
            basis_rules.residence(lease, ps),
            basis_rules.connection(verdict, lease, ps),
            basis_rules.effort(lease, today),
            basis_rules.matter_age(verdict, policy, today),
            finality(verdict, policy),
            basis_rules.police_district(verdict, lease, ps),
        ],
    )
    ground = Answer(
        "termination_ground",
        [
            offence_rule,
            termination_rules.sanction(verdict, policy),
            termination_rules.proximity(verdict, policy, lease),
            termination_rules.household(verdict, lease),
            termination_rules.in_force(verdict, policy),
        ],
    )
    outcome, deciding = _decide(basis, ground)
    place = lease.place
    return AssessmentV2(
        outcome=outcome,
        policy_version=policy.version,
        disclosure_basis=basis,
        termination_ground=ground,
        deciding_rules=deciding,
        assessed_on=today.isoformat(),
        partnership_id=place.partnership.id if place.partnership else None,
        area_id=place.area.id if place.area else None,
        housing_org_id=place.department.housing_org_id if place.department else None,
        department_id=place.department.id if place.department else None,
        municipality_id=place.area.municipality_id if place.area else None,
        police_district=verdict.police_district,
        qualifying_offences=listed,
        on_request=_on_request(outcome, basis, ground),
    )
