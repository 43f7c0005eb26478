"""The eligibility policy as configuration: versioned values with their legal sources.

Loaded from a JSON file per version (``verdictflow/config/eligibility-policy-*.json``) and
checked for consistency on load; the rules (``rules.py``, ``location_rules.py``) read it,
``policy.assess`` applies them. Pure: reading the file is the caller's business.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from verdictflow.domain.offences import SectionRef, parse_section
from verdictflow.domain.verdict import SENTENCE_KINDS


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
    # Added 2026-12-05, our choices (files without them get these): how long past the
    # appeal window a pending appeal waits before the police are asked, and how often an
    # escalated task is reminded after its deadline.
    finality_confirmation_margin_days: int = 30
    escalation_reminder_days: int = 7


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
        finality_confirmation_margin_days=int(raw.get("finality_confirmation_margin_days", 30)),
        escalation_reminder_days=int(raw.get("escalation_reminder_days", 7)),
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
    problems += followup_problems(p.finality_confirmation_margin_days,
                                  p.escalation_reminder_days)
    if problems:
        raise ValueError("eligibility policy: " + "; ".join(problems))


def followup_problems(margin_days: int, escalation_reminder_days: int) -> list[str]:
    """The follow-up values of any policy version: a margin of days to years, a cadence of
    at least a day (every reminder is a timer and an event in the case's history)."""
    problems = []
    if not 0 <= margin_days <= 3660:
        problems.append("finality_confirmation_margin_days must lie within ten years")
    if not 1 <= escalation_reminder_days <= 366:
        problems.append("escalation_reminder_days must be 1 to 366")
    return problems
