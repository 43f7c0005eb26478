"""The rules of the eligibility policy about the verdict itself, each citing its law.

Explanations are Danish, for the caseworker, and are built only from the policy,
the reference data and parsed values (section numbers, dates, distances): never
from the person's CPR number, name or address, nor from free text in the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Protocol

from verdictflow.domain.case import add_years
from verdictflow.domain.offences import describe, normalise_law, parse_section
from verdictflow.domain.verdict import Verdict

if TYPE_CHECKING:
    from verdictflow.domain.eligibility_policy import EligibilityPolicy

NR10 = "almenlejelovens § 90, stk. 1, nr. 10"

SANCTION_NAMES = {
    "unconditional_custody": "Ubetinget fængselsstraf",
    "conditional_custody": "Betinget fængselsstraf",
    "fine": "Bødestraf",
    "community_service": "Samfundstjeneste",
    "youth_sanction": "Ungdomssanktion (straffelovens § 74 a)",
    "acquittal": "Frifindelse",
}


@dataclass
class RuleOutcome:
    rule: str
    passed: bool | None  # None: could not be decided from the data
    explanation: str


class FinalityTerms(Protocol):
    """What the finality rule reads of a policy (every version has it)."""

    @property
    def await_finality(self) -> bool: ...

    @property
    def appeal_window_days(self) -> int: ...


def finality(v: Verdict, p: FinalityTerms) -> RuleOutcome:
    if v.final:
        return RuleOutcome("finality", True, "Dommen er endelig.")
    if p.await_finality:
        return RuleOutcome(
            "finality",
            None,
            f"Dommen er ikke endelig; politikken afventer endelig dom "
            f"(ankefrist {p.appeal_window_days} dage, retsplejelovens § 904, stk. 1).",
        )
    return RuleOutcome(
        "finality",
        True,
        f"Dommen er ikke endelig, men politikken tillader videregivelse før endelig dom "
        f"({NR10}, jf. L 178 fra 1. juli 2022). Ophæves dommen, skylder udlejer erstatning "
        f"og genhusning (almenlejelovens § 92, stk. 4).",
    )


def sanction(v: Verdict, p: EligibilityPolicy) -> RuleOutcome:
    kind = v.sentence.kind
    name = SANCTION_NAMES.get(kind, "En ukendt sanktionstype")
    if kind == "acquittal":
        return RuleOutcome(
            "sanction",
            False,
            "Frifindelse: der er ingen strafferetlig afgørelse at videregive "
            "efter almenboligloven § 63 d.",
        )
    if kind in p.qualifying_sanctions:
        why = (
            " Den indledes med anbringelse på sikret institution og behandles derfor som "
            "frihedsberøvende."
            if kind == "youth_sanction"
            else ""
        )
        return RuleOutcome(
            "sanction",
            True,
            f"{name} opfylder kravet om ubetinget fængsel eller anden "
            f"frihedsberøvende retsfølge i {NR10}.{why}",
        )
    if kind in p.manual_review_sanctions:
        return RuleOutcome(
            "sanction",
            None,
            f"{name} er ikke frihedsberøvende og opfylder ikke {NR10}. Aldrig "
            f"automatisk videregivelse: politikredsen vurderer, om sagen efter "
            f"ordensreglerne (§ 90, stk. 1, nr. 7, eller § 85, stk. 1, nr. 4) "
            f"gør videregivelse nødvendig.",
        )
    return RuleOutcome(
        "sanction", None, f"{name} er ikke beskrevet i politikken; manuel vurdering."
    )


def offence(v: Verdict, p: EligibilityPolicy) -> tuple[RuleOutcome, list[str]]:
    hits: list[str] = []
    qualifying: list[str] = []
    others: list[str] = []
    for o in v.offences:
        law, ref = normalise_law(o.law, p.law_aliases), parse_section(o.section)
        match = next((q for q in p.qualifying_offences if q.matches(law, ref)), None)
        if match and ref:  # a match implies a parsed section; says so to the type checker
            hits.append(f"{describe(law, ref)} ({match.label.lower()})")
            qualifying.append(
                f"{law} § {ref.section}" + (f", stk. {match.stk}" if match.stk else "")
            )
            continue
        partial = next(
            (q for q in p.qualifying_offences if q.law == law and ref and q.section == ref.section),
            None,
        )
        others.append(
            f"{describe(law, ref)} er kun omfattet i stk. {partial.stk}"
            if partial
            else f"{describe(law, ref)} er ikke omfattet"
        )
    if hits:
        text = "; ".join(hits)
        text = text[0].upper() + text[1:]
        verb = "er" if len(hits) == 1 else "er hver"
        extra = f" ({'; '.join(others)})" if others else ""
        return RuleOutcome("offence", True, f"{text} {verb} omfattet af {NR10}.{extra}"), qualifying
    listed = "; ".join(others) or "afgørelsen nævner ingen lovovertrædelse"
    return RuleOutcome(
        "offence", False, f"Ingen af lovovertrædelserne er omfattet af {NR10}: {listed}."
    ), []


def recency(v: Verdict, p: EligibilityPolicy, today: date) -> RuleOutcome:
    try:
        decided = date.fromisoformat(v.decided_on)
    except ValueError:
        return RuleOutcome("recency", None, "Afgørelsesdatoen kan ikke læses; manuel vurdering.")
    years = p.max_age_of_matter_years
    cutoff = add_years(today, -years)
    if decided < cutoff:
        return RuleOutcome(
            "recency",
            False,
            f"Afgørelsen er fra {decided.isoformat()}, mere end {years} år før "
            f"{today.isoformat()}; oplysningerne skal have en vis aktualitet "
            f"(almenboligloven § 63 d).",
        )
    if decided > today + timedelta(days=1):  # a day's slack for time zones
        return RuleOutcome(
            "recency",
            None,
            f"Afgørelsesdatoen {decided.isoformat()} ligger efter dags dato; manuel kontrol.",
        )
    return RuleOutcome(
        "recency", True, f"Afgørelsen er fra {decided.isoformat()}, inden for {years} år."
    )
