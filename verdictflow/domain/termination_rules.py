"""Policy v2, second question: does the verdict ground rescission under almenlejeloven
§ 90, stk. 1, nr. 10? Listed offence, custodial sanction, within 1 km of the property of
the lease of the tenant or a household member, judged after the rule came into force.

True, False or None (unknown: the police review); an unknown is never turned into yes or
no. Explanations follow the rules of ``basis_rules``: parsed values only.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from verdictflow.domain.basis_rules import Lease
from verdictflow.domain.geo import haversine_m
from verdictflow.domain.offences import describe, normalise_law, principal_section
from verdictflow.domain.partnerships import street_name
from verdictflow.domain.provenance import shown
from verdictflow.domain.rules import NR10, SANCTION_NAMES, RuleOutcome
from verdictflow.domain.verdict import Offence, Verdict

if TYPE_CHECKING:
    from verdictflow.domain.eligibility_policy_v2 import PolicyV2

SANCTION_NAMES_V2 = {
    **SANCTION_NAMES,
    "partly_conditional_custody": "Delvis betinget fængselsstraf",
    "committal_order": "Dom til anbringelse (straffelovens §§ 68-69)",
    "treatment_order": "Dom til behandling (straffelovens §§ 68-69)",
    "forvaring": "Forvaring (straffelovens § 70)",
}


def _one_offence(o: Offence, p: PolicyV2) -> tuple[bool | None, str, str | None]:
    """(listed?, Danish reason, the listed citation when it is)."""
    law = normalise_law(o.law, p.law_aliases)
    accessory = p.accessory_sections if law == "straffeloven" else frozenset[str]()
    ref = principal_section(o.section, accessory)
    cited = describe(law, ref)
    if law is None:
        return False, f"{cited} er ikke omfattet", None
    if ref is None:
        return None, f"henvisningen i {law} kan ikke entydigt læses", None
    same = [q for q in p.qualifying_offences if q.law == law and q.section == ref.section]
    if not same:
        return False, f"{cited} er ikke omfattet", None
    q = same[0]
    if q.stk is not None and ref.stk is None:
        return None, f"{cited} er angivet uden stykke; kun stk. {q.stk} er omfattet", None
    if q.stk is not None and ref.stk != q.stk:
        return False, f"{cited} er ikke omfattet (kun stk. {q.stk})", None
    if q.requires_intent_to_pass_on and o.intent_to_pass_on is not True:
        if o.intent_to_pass_on is False:
            return False, f"{cited} er dømt uden henblik på videreoverdragelse", None
        return (
            None,
            f"{cited}: det er ikke angivet, om det var med henblik på videreoverdragelse",
            None,
        )
    if not q.confirmed:
        return (
            None,
            f"{cited} ({q.label.lower()}) er optaget i listen ved et lovforslag, "
            f"hvis vedtagelse ikke er bekræftet",
            None,
        )
    return True, f"{cited} ({q.label.lower()}) er omfattet", q.citation()


def offence(v: Verdict, p: PolicyV2) -> tuple[RuleOutcome, list[str]]:
    results = [_one_offence(o, p) for o in v.offences]
    listed = [c for ok, _, c in results if ok and c]
    texts = "; ".join(text for _, text, _ in results) or "afgørelsen nævner ingen lovovertrædelse"
    if listed:
        return RuleOutcome("offence", True, f"{texts[0].upper()}{texts[1:]} ({NR10})."), listed
    if any(ok is None for ok, _, _ in results):
        return RuleOutcome("offence", None, f"Kan ikke afgøres: {texts} ({NR10})."), []
    return RuleOutcome("offence", False, f"Ingen omfattet lovovertrædelse: {texts} ({NR10})."), []


def sanction(v: Verdict, p: PolicyV2) -> RuleOutcome:
    kind = v.sentence.kind
    name = SANCTION_NAMES_V2.get(kind, "En ukendt sanktionstype")
    if kind == "partly_conditional_custody":
        part = v.sentence.unconditional_days
        if part is None:
            return RuleOutcome("sanction", None, f"{name} uden angivet ubetinget del.")
        if part <= 0:
            return RuleOutcome(
                "sanction", False, f"{name} uden ubetinget del opfylder ikke {NR10}."
            )
    if kind in p.custodial_sanctions:
        return RuleOutcome(
            "sanction",
            True,
            f"{name} er ubetinget fængsel eller anden frihedsberøvende retsfølge ({NR10}).",
        )
    if kind in p.non_custodial_sanctions or kind == "acquittal":
        return RuleOutcome(
            "sanction",
            False,
            f"{name} er ikke frihedsberøvende og opfylder ikke {NR10}; udlejers vej er "
            f"ordensreglerne (almenlejelovens § 85, stk. 1, nr. 4, og § 90, stk. 1, nr. 7 og "
            f"13) med proportionalitetsafvejning.",
        )
    return RuleOutcome("sanction", None, f"{name} er ikke beskrevet i politikken.")


def proximity(v: Verdict, p: PolicyV2, lease: Lease) -> RuleOutcome:
    dep = lease.place.department
    if dep is None:
        return RuleOutcome("proximity", None, "Lejemålets ejendom er ikke kendt.")
    scene = v.crime_scene
    if scene.lat is None or scene.lon is None:
        postcode, street = scene.postcode.replace(" ", ""), street_name(scene.street)
        if postcode == dep.postcode and street in {street_name(s) for s in dep.streets}:
            return RuleOutcome(
                "proximity", True, f"Gerningsstedet ligger på en gade i {shown(dep)} ({NR10})."
            )
        return RuleOutcome(
            "proximity",
            None,
            f"Gerningsstedet har ingen koordinater; afstanden til ejendommen ({shown(dep)}) må "
            f"måles manuelt (grænse {p.proximity_m} m).",
        )
    metres = haversine_m((scene.lat, scene.lon), dep.property.as_tuple())
    where = f"ca. {round(metres, -1):.0f} m fra ejendommen ({shown(dep)})"
    if metres <= p.proximity_m:
        return RuleOutcome("proximity", True, f"Gerningsstedet ligger {where} ({NR10}).")
    return RuleOutcome(
        "proximity",
        False,
        f"Gerningsstedet ligger {where}, over {p.proximity_m} m ({NR10}); det er uden "
        f"betydning, om det ligger i boligområdet.",
    )


def household(v: Verdict, lease: Lease) -> RuleOutcome:
    if lease.place.department is None:
        return RuleOutcome("household", False, "Personen har ikke et kendt lejemål i området.")
    hh = v.person.household
    if hh is None or hh.role == "tenant":
        who = "lejer" if hh else "registreret på lejemålets adresse (lejer eller husstand)"
        return RuleOutcome("household", True, f"Personen er {who} ({NR10}).")
    return RuleOutcome(
        "household", True, f"Personen er medlem af lejerens husstand ({NR10}; T:BB 2021.754 Ø)."
    )


def in_force(v: Verdict, p: PolicyV2) -> RuleOutcome:
    try:
        decided = date.fromisoformat(v.decided_on)
    except ValueError:
        return RuleOutcome("in_force", None, "Afgørelsesdatoen kan ikke læses.")
    start = date.fromisoformat(p.nr10_in_force_from)
    if decided < start:
        return RuleOutcome(
            "in_force",
            False,
            f"Dommen er afsagt før {start.isoformat()}, da {NR10} trådte i kraft.",
        )
    return RuleOutcome("in_force", True, f"Dommen er afsagt efter {NR10} trådte i kraft.")
