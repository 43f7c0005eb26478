"""An assessment as a caseworker reads it: the outcome, then every rule, question by question.

Pure: ``verdictflow policy explain`` finds the assessment in the case's history and prints
these lines. The explanations come from the rules, which never write the person's CPR
number, name or address into them.
"""

from __future__ import annotations

from verdictflow.domain.policy import Eligibility, EligibilityDecision, RuleOutcome

OUTCOME_DA = {
    Eligibility.ELIGIBLE: "kan videregives; almenlejelovens § 90, stk. 1, nr. 10 finder anvendelse",
    Eligibility.DISCLOSE_OTHER_GROUND: (
        "kan videregives efter almenboligloven § 63 d; § 90, stk. 1, nr. 10 finder ikke "
        "anvendelse"),
    Eligibility.MANUAL_REVIEW: "politikredsen vurderer sagen (en regel kunne ikke afgøres)",
    Eligibility.NOT_ELIGIBLE: "kan ikke videregives",
}
MARK = {True: "✓ opfyldt     ", False: "✗ ikke opfyldt", None: "? uafklaret   "}
ANSWER_DA = {True: "ja", False: "nej", None: "uafklaret"}


def _rule_lines(rules: list[RuleOutcome], deciding: list[str]) -> list[str]:
    lines = []
    for r in rules:
        star = " ◀ afgørende" if r.rule in deciding else ""
        lines.append(f"  {MARK[r.passed]}  {r.rule}{star}")
        lines.append(f"      {r.explanation}")
    return lines


def _holds(rules: list[RuleOutcome]) -> bool | None:
    if any(r.passed is False for r in rules):
        return False
    return None if any(r.passed is None for r in rules) else True


def explain(case_id: str, d: EligibilityDecision) -> list[str]:
    lines = [
        f"Sag {case_id}: vurderet {d.assessed_on or '(dato ukendt)'} efter politik "
        f"{d.policy_version}",
        f"Udfald: {d.outcome.value}: {OUTCOME_DA[d.outcome]}",
    ]
    if d.decisive_rules and d.outcome != Eligibility.ELIGIBLE:
        lines.append(f"Afgjort af: {', '.join(d.decisive_rules)}")
    where = [f"{k} {v}" for k, v in (("partnerskab", d.partnership_id), ("område", d.area_id),
                                      ("boligorganisation", d.housing_org_id)) if v]
    if where:
        lines.append("Bolig: " + ", ".join(where))
    if not d.termination_ground_rules:  # v1: one list of rules
        return [*lines, "", "Regler:", *_rule_lines(d.rules, d.decisive_rules)]

    basis = [r for r in d.rules if r.rule not in d.termination_ground_rules]
    ground = [r for r in d.rules if r.rule in d.termination_ground_rules]
    lines += [
        "",
        f"Hjemmel til videregivelse (almenboligloven § 63 d): {ANSWER_DA[_holds(basis)]}",
        *_rule_lines(basis, d.deciding_rules),
        "",
        f"Ophævelsesgrund (almenlejeloven § 90, stk. 1, nr. 10): {ANSWER_DA[_holds(ground)]}",
        *_rule_lines(ground, d.deciding_rules),
    ]
    if d.termination_ground:
        lines += ["", f"Udlejers vej: {d.termination_ground}"]
    if d.on_request is not None and d.on_request != d.outcome:
        lines += ["", f"På boligorganisationens anmodning: {d.on_request.value}: "
                      f"{OUTCOME_DA[d.on_request]} (politiets pligt fra 1. juli 2022, L 178)"]
    return lines
