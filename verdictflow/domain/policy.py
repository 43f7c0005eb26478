"""The eligibility policy: versioned data, and an explainable decision per verdict.

Every rule records a ``RuleOutcome`` in Danish for the caseworker. ``passed`` is
True, False, or None when the rule could not be decided from the data; any False
makes the verdict not eligible, otherwise any None sends it to manual review by
the police district. Explanations never contain the person's CPR number, name or
address: they travel further than the verdict (read model, case pages).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from verdictflow.domain.location_rules import Place, crime_location, police_district, residence
from verdictflow.domain.offences import SectionRef, parse_section
from verdictflow.domain.partnerships import Partnerships
from verdictflow.domain.rules import RuleOutcome, finality, offence, recency, sanction
from verdictflow.domain.verdict import SENTENCE_KINDS, Verdict

__all__ = [
    "EligibilityDecision",
    "EligibilityPolicy",
    "QualifyingOffence",
    "RuleOutcome",
    "assess",
    "load_policy",
]

Outcome = Literal["eligible", "not_eligible", "manual_review"]


@dataclass(frozen=True)
class QualifyingOffence:
    law: str
    section: str  # normalised: "244", "134 a"
    label: str
    stk: int | None = None  # when set, only this subsection qualifies

    def matches(self, law: str | None, ref: SectionRef | None) -> bool:
        if law != self.law or ref is None or ref.section != self.section:
            return False
        return self.stk is None or ref.stk == self.stk


@dataclass(frozen=True)
class TerminationWindow:
    """How far a termination date may lie before and after the day it is decided."""

    days_before: int = 31
    days_after: int = 366


@dataclass(frozen=True)
class EligibilityPolicy:
    version: str
    effective_from: str
    qualifying_offences: list[QualifyingOffence]
    qualifying_sanctions: list[str]
    manual_review_sanctions: list[str]
    proximity_m: int
    await_finality: bool
    appeal_window_days: int
    max_age_of_matter_years: int
    decision_deadline_days: int
    reminder_days: list[int]
    reentry_block_years: int
    retention_after_close_years: int
    termination_window: TerminationWindow = field(default_factory=lambda: TerminationWindow())
    law_aliases: dict[str, list[str]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    description: str = ""


@dataclass
class EligibilityDecision:
    outcome: Outcome
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
        return self.outcome == "eligible"

    @property
    def failed_rules(self) -> list[str]:
        return [r.rule for r in self.rules if r.passed is False]

    @property
    def undecided_rules(self) -> list[str]:
        return [r.rule for r in self.rules if r.passed is None]

    @property
    def reasons(self) -> list[str]:
        """The explanations that decided the outcome (all of them when eligible)."""
        if self.outcome == "eligible":
            return [r.explanation for r in self.rules]
        wanted = False if self.outcome == "not_eligible" else None
        return [r.explanation for r in self.rules if r.passed is wanted]


def load_policy(source: str | bytes | dict[str, Any]) -> EligibilityPolicy:
    """Builds the policy from its JSON; raises ``ValueError`` when it is inconsistent."""
    raw: dict[str, Any] = json.loads(source) if isinstance(source, (str, bytes)) else source
    offences = []
    for o in raw["qualifying_offences"]:
        ref = parse_section(o["section"])
        if ref is None:
            raise ValueError(f"policy: cannot read section {o['section']!r}")
        stk = o.get("stk", ref.stk)
        offences.append(
            QualifyingOffence(
                law=o["law"],
                section=ref.section,
                label=o["label"],
                stk=int(stk) if stk is not None else None,
            )
        )
    aliases = {k: list(v) for k, v in raw.get("law_aliases", {}).items()}
    for o in offences:
        aliases.setdefault(o.law, [o.law])
    policy = EligibilityPolicy(
        version=str(raw["version"]),
        effective_from=str(raw["effective_from"]),
        qualifying_offences=offences,
        qualifying_sanctions=list(raw["qualifying_sanctions"]),
        manual_review_sanctions=list(raw["manual_review_sanctions"]),
        proximity_m=int(raw["proximity_m"]),
        await_finality=bool(raw["await_finality"]),
        appeal_window_days=int(raw["appeal_window_days"]),
        max_age_of_matter_years=int(raw["max_age_of_matter_years"]),
        decision_deadline_days=int(raw["decision_deadline_days"]),
        reminder_days=[int(d) for d in raw["reminder_days"]],
        reentry_block_years=int(raw["reentry_block_years"]),
        retention_after_close_years=int(raw["retention_after_close_years"]),
        termination_window=_termination_window(raw.get("termination_date_window_days")),
        law_aliases=aliases,
        sources=dict(raw.get("sources", {})),
        description=raw.get("description", ""),
    )
    _check(policy)
    return policy


def _termination_window(raw: dict[str, Any] | None) -> TerminationWindow:
    if raw is None:  # policy files written before the window was configurable
        return TerminationWindow()
    return TerminationWindow(days_before=int(raw["before"]), days_after=int(raw["after"]))


def _check(p: EligibilityPolicy) -> None:
    problems = []
    if not p.version:
        problems.append("version is empty")
    date.fromisoformat(p.effective_from)
    for kind in p.qualifying_sanctions + p.manual_review_sanctions:
        if kind not in SENTENCE_KINDS:
            problems.append(f"unknown sentence kind {kind!r}")
    if "acquittal" in p.qualifying_sanctions + p.manual_review_sanctions:
        problems.append("an acquittal can never be disclosed")
    if set(p.qualifying_sanctions) & set(p.manual_review_sanctions):
        problems.append("a sanction cannot both qualify and need manual review")
    if p.proximity_m <= 0 or p.max_age_of_matter_years <= 0:
        problems.append("proximity_m and max_age_of_matter_years must be positive")
    window = p.termination_window
    if not (0 <= window.days_before <= 3660 and 0 < window.days_after <= 3660):
        problems.append("termination_date_window_days must lie within ten years")
    if any(not 0 < d < p.decision_deadline_days for d in p.reminder_days):
        problems.append("reminder_days must fall before decision_deadline_days")
    if problems:
        raise ValueError("eligibility policy: " + "; ".join(problems))


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
    outcome: Outcome
    if any(r.passed is False for r in rules):
        outcome = "not_eligible"
    elif any(r.passed is None for r in rules):
        outcome = "manual_review"
    else:
        outcome = "eligible"
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
