"""Policy v2, first question: may the police disclose? (almenboligloven § 63 d)

Each rule is True, False or None (cannot be decided from the data: the police review).
Explanations are Danish and built only from the policy, the reference data and parsed
values: never from the person's CPR number, name or address, nor from free text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from verdictflow.domain.case import add_years
from verdictflow.domain.geo import point_in_polygon
from verdictflow.domain.location_rules import Place
from verdictflow.domain.partnerships import Partnerships, street_name
from verdictflow.domain.provenance import shown
from verdictflow.domain.rules import RuleOutcome
from verdictflow.domain.verdict import Verdict

if TYPE_CHECKING:
    from verdictflow.domain.eligibility_policy_v2 import PolicyV2

S63D = "almenboligloven § 63 d"
EMPLOYEE = "housing_org_employee"


@dataclass(frozen=True)
class Lease:
    """The lease the verdict concerns: the household's lease address, else the registered one."""

    place: Place
    from_household: bool  # the event named the lease (person.household.lease_address)

    @classmethod
    def of(cls, v: Verdict, ps: Partnerships) -> Lease:
        hh = v.person.household
        address = hh.lease_address if hh and hh.lease_address else v.person.registered_address
        dep = ps.find_department_by_address(address)
        area = ps.area(dep.area_id) if dep else None
        partnership = ps.partnership(area.partnership_id) if area else None
        return cls(Place(dep, area, partnership), bool(hh and hh.lease_address))


def against_employee(v: Verdict) -> bool:
    return any(o.victim_role == EMPLOYEE for o in v.offences)


def decision(v: Verdict) -> RuleOutcome:
    if v.sentence.kind == "acquittal":
        return RuleOutcome(
            "decision", False, "Frifindelse: der er ingen strafferetlig afgørelse at videregive."
        )
    return RuleOutcome("decision", True, "Der foreligger en strafferetlig afgørelse.")


def residence(lease: Lease, ps: Partnerships) -> RuleOutcome:
    place = lease.place
    if place.department is None or place.area is None or place.partnership is None:
        return RuleOutcome(
            "residence",
            False,
            f"Lejemålet ligger ikke i et boligområde, der er omfattet af et partnerskab; "
            f"{S63D} gælder beboere i området.",
        )
    org = ps.org(place.department.housing_org_id)
    how = "som husstandsmedlem i lejemålet" if lease.from_household else "på bopælen"
    return RuleOutcome(
        "residence",
        True,
        f"Personen bor {how} i {shown(place.department)} ({shown(org) if org else '?'}) i "
        f"boligområdet {shown(place.area)} ({shown(place.partnership)}); beboer efter {S63D}.",
    )


def connection(v: Verdict, lease: Lease, ps: Partnerships) -> RuleOutcome:
    """Committed in the area or with effect in it, or against the housing org's employee."""
    if against_employee(v):
        return RuleOutcome(
            "connection",
            True,
            f"Forholdet er begået mod en ansat i boligorganisationen; {S63D} gælder uanset "
            f"gerningsstedet.",
        )
    area = lease.place.area
    if area is None:
        return RuleOutcome(
            "connection", None, "Gerningsstedet kan ikke holdes op mod et partnerskabsområde."
        )
    scene = v.crime_scene
    if scene.lat is not None and scene.lon is not None:
        if point_in_polygon((scene.lat, scene.lon), area.polygon):
            return RuleOutcome(
                "connection", True, f"Gerningsstedet ligger inden for boligområdet {shown(area)}."
            )
    else:
        postcode, street = scene.postcode.replace(" ", ""), street_name(scene.street)
        for d in ps.departments_in_area(area.id):
            if postcode == d.postcode and street in {street_name(s) for s in d.streets}:
                return RuleOutcome(
                    "connection",
                    True,
                    f"Gerningsstedet har ingen koordinater, men ligger på en gade i "
                    f"boligområdet {shown(area)}.",
                )
    return RuleOutcome(
        "connection",
        None,
        f"Gerningsstedet ligger ikke (påviseligt) i boligområdet {shown(area)}, og forholdet "
        f"er ikke angivet som begået mod en ansat; om det har virkning i området, må "
        f"politiet vurdere ({S63D}: 'inden for eller med virkning i').",
    )


def matter_age(v: Verdict, p: PolicyV2, today: date) -> RuleOutcome:
    """A presumption, not a bar: past the window the police review."""
    which, text = (
        ("gerningsdagen", v.offence_date) if v.offence_date else ("afgørelsesdagen", v.decided_on)
    )
    try:
        start = date.fromisoformat(text)
    except ValueError:
        return RuleOutcome("matter_age", None, f"{which.capitalize()} kan ikke læses.")
    years = p.matter_age_presumption_years
    if start > today + timedelta(days=1):  # a day's slack for time zones
        return RuleOutcome(
            "matter_age", None, f"{which.capitalize()} {start.isoformat()} ligger efter dags dato."
        )
    cutoff = add_years(today, -years)
    if start < cutoff:
        return RuleOutcome(
            "matter_age",
            None,
            f"Sagen regnet fra {which} {start.isoformat()} er mere end {years} år gammel; "
            f"sådanne oplysninger formodes ikke at have den fornødne aktualitet ({S63D}), "
            f"men det er en formodning: politiet vurderer.",
        )
    return RuleOutcome(
        "matter_age",
        True,
        f"Sagen er regnet fra {which} {start.isoformat()} under {years} år gammel.",
    )


def police_district(v: Verdict, lease: Lease, ps: Partnerships) -> RuleOutcome:
    partnership = lease.place.partnership
    if partnership is None:
        return RuleOutcome(
            "police_district", None, "Politikredsen kan ikke holdes op mod et partnerskab."
        )
    own = ps.police_district(partnership.police_district)
    own_name = own.name if own else partnership.police_district
    if v.police_district == partnership.police_district:
        return RuleOutcome(
            "police_district", True,
            f"Sagen er fra {own_name}, som deltager i {shown(partnership)}."
        )
    return RuleOutcome(
        "police_district",
        None,
        f"Sagen er fra en anden politikreds end {own_name}, som deltager i "
        f"{shown(partnership)}; kredsene afklarer, hvem der videregiver.",
    )


def effort(lease: Lease, today: date) -> RuleOutcome:
    """§ 63 d asks for an *existing* safety effort in the area; the partnership is taken as
    that effort, so while it is not in force (before its start, after its end as the seed
    gives them) the police decide whether one exists."""
    partnership = lease.place.partnership
    if partnership is None:
        return RuleOutcome("effort", None, f"Intet partnerskab: den eksisterende "
                           f"tryghedsskabende indsats efter {S63D} kan ikke fastslås.")
    day = today.isoformat()
    if partnership.valid_from and day < partnership.valid_from:
        return RuleOutcome("effort", None, f"{shown(partnership)} gælder først fra "
                           f"{partnership.valid_from}; politiet vurderer, om der er en "
                           f"eksisterende tryghedsskabende indsats ({S63D}).")
    if partnership.valid_to and day > partnership.valid_to:
        return RuleOutcome("effort", None, f"{shown(partnership)} løb efter kildedokumentet "
                           f"til {partnership.valid_to}; politiet vurderer, om indsatsen "
                           f"fortsat eksisterer ({S63D}).")
    until = f" (til {partnership.valid_to})" if partnership.valid_to else ""
    return RuleOutcome("effort", True, f"{shown(partnership)} er en eksisterende "
                       f"tryghedsskabende indsats i området{until} ({S63D}).")
