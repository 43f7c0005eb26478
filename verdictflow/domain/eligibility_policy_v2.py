"""Eligibility policy v2 as configuration: the § 63 d and § 90, stk. 1, nr. 10 questions apart.

v1 (``eligibility_policy.py``) stays as it is for cases that started on it. Pure: reading
the file is the caller's business. Every value must carry a line in ``sources``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from verdictflow.domain.eligibility_policy import TerminationWindow, followup_problems
from verdictflow.domain.offences import SectionRef, parse_section
from verdictflow.domain.verdict import SENTENCE_KINDS

# Keys that describe the file rather than decide anything: they need no source line.
UNSOURCED_KEYS = frozenset({"version", "effective_from", "description", "law_aliases", "sources"})


@dataclass(frozen=True)
class ListedOffence:
    law: str
    section: str  # normalised: "244", "134 a"
    label: str
    stk: int | None = None  # when set, only this subsection is listed
    requires_intent_to_pass_on: bool = False  # EUL § 3
    confirmed: bool = True  # False: listed in a bill whose enactment no source confirms

    def citation(self) -> str:
        stk = f", stk. {self.stk}" if self.stk else ""
        return f"{self.law} § {self.section}{stk}"


@dataclass(frozen=True)
class PolicyV2:
    version: str
    effective_from: str
    qualifying_offences: list[ListedOffence]
    accessory_sections: frozenset[str]
    custodial_sanctions: list[str]
    non_custodial_sanctions: list[str]
    proximity_m: int
    nr10_in_force_from: str
    await_finality: bool
    appeal_window_days: int
    matter_age_presumption_years: int
    decision_deadline_days: int
    reminder_days: list[int]
    reentry_block_years: int
    retention_after_close_years: int
    # A verdict § 63 d allows to disclose but nr. 10 does not cover goes to the police's
    # review (True) or out at once (False): outside the 2022 duty, disclosure is discretion.
    review_other_ground: bool = True
    termination_window: TerminationWindow = field(default_factory=lambda: TerminationWindow())
    law_aliases: dict[str, list[str]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    description: str = ""
    # Added 2026-12-05, our choices (see eligibility_policy.EligibilityPolicy).
    finality_confirmation_margin_days: int = 30
    escalation_reminder_days: int = 7


def _offence(o: dict[str, Any]) -> ListedOffence:
    ref: SectionRef | None = parse_section(o["section"])
    if ref is None:
        raise ValueError(f"policy: cannot read section {o['section']!r}")
    stk = o.get("stk", ref.stk)
    return ListedOffence(
        law=o["law"],
        section=ref.section,
        label=o["label"],
        stk=int(stk) if stk is not None else None,
        requires_intent_to_pass_on=bool(o.get("requires_intent_to_pass_on", False)),
        confirmed=bool(o.get("confirmed", True)),
    )


def _flag(value: Any, key: str) -> bool:
    if not isinstance(value, bool):  # "false" in quotes would otherwise read as True
        raise ValueError(f"{key} must be true or false, not {value!r}")
    return value


def load_policy_v2(source: str | bytes | dict[str, Any]) -> PolicyV2:
    """Builds policy v2 from its JSON; raises ``ValueError`` listing every problem."""
    raw: dict[str, Any] = json.loads(source) if isinstance(source, (str, bytes)) else source
    try:
        policy = _build(raw)
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"eligibility policy v2: cannot read it: {e!r}") from e
    problems = policy_v2_problems(policy)
    if problems:
        raise ValueError("eligibility policy v2: " + "; ".join(problems))
    return policy


def _build(raw: dict[str, Any]) -> PolicyV2:
    offences = [_offence(o) for o in raw["qualifying_offences"]]
    aliases = {k: list(v) for k, v in raw.get("law_aliases", {}).items()}
    for o in offences:
        aliases.setdefault(o.law, [o.law])
    window = raw["termination_date_window_days"]
    return PolicyV2(
        version=str(raw["version"]),
        effective_from=str(raw["effective_from"]),
        qualifying_offences=offences,
        accessory_sections=frozenset(str(s) for s in raw["accessory_sections"]),
        custodial_sanctions=list(raw["custodial_sanctions"]),
        non_custodial_sanctions=list(raw["non_custodial_sanctions"]),
        proximity_m=int(raw["proximity_m"]),
        nr10_in_force_from=str(raw["nr10_in_force_from"]),
        await_finality=bool(raw["await_finality"]),
        appeal_window_days=int(raw["appeal_window_days"]),
        matter_age_presumption_years=int(raw["matter_age_presumption_years"]),
        decision_deadline_days=int(raw["decision_deadline_days"]),
        reminder_days=[int(d) for d in raw["reminder_days"]],
        reentry_block_years=int(raw["reentry_block_years"]),
        retention_after_close_years=int(raw["retention_after_close_years"]),
        review_other_ground=_flag(raw.get("review_other_ground", True), "review_other_ground"),
        termination_window=TerminationWindow(int(window["before"]), int(window["after"])),
        law_aliases=aliases,
        sources=dict(raw["sources"]),
        description=str(raw.get("description", "")),
        finality_confirmation_margin_days=int(raw.get("finality_confirmation_margin_days", 30)),
        escalation_reminder_days=int(raw.get("escalation_reminder_days", 7)),
    )


def policy_v2_problems(p: PolicyV2) -> list[str]:
    problems = []
    if p.version != "v2":
        problems.append(f"version must be 'v2', not {p.version!r}")
    for text in (p.effective_from, p.nr10_in_force_from):
        try:
            date.fromisoformat(text)
        except ValueError:
            problems.append(f"not an ISO date: {text!r}")
    kinds = p.custodial_sanctions + p.non_custodial_sanctions
    problems += [f"unknown sentence kind {k!r}" for k in kinds if k not in SENTENCE_KINDS]
    if "acquittal" in kinds:
        problems.append("an acquittal is no sanction")
    if set(p.custodial_sanctions) & set(p.non_custodial_sanctions):
        problems.append("a sanction cannot be both custodial and not")
    if p.proximity_m <= 0 or p.matter_age_presumption_years <= 0:
        problems.append("proximity_m and matter_age_presumption_years must be positive")
    if any(not 0 < d < p.decision_deadline_days for d in p.reminder_days):
        problems.append("reminder_days must fall before decision_deadline_days")
    if not p.qualifying_offences:
        problems.append("qualifying_offences is empty")
    problems += followup_problems(p.finality_confirmation_margin_days,
                                  p.escalation_reminder_days)
    return problems


def missing_sources(raw: dict[str, Any]) -> list[str]:
    """The policy values (any version) that have no line in ``sources``."""
    sources = raw.get("sources")
    if not isinstance(sources, dict):
        return ["sources"]
    return sorted(k for k in raw if k not in UNSOURCED_KEYS and not sources.get(k))
