"""The rules of the eligibility policy about place: where the person lives, where the
crime happened, and which police district owns the case.

Explanations may name the area, the department and distances, never the person's
address nor the crime scene's address (it may be the person's home).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from verdictflow.domain.geo import distance_to_edge_m, haversine_m, point_in_polygon
from verdictflow.domain.partnerships import (
    Area,
    Department,
    Partnership,
    Partnerships,
    street_name,
)
from verdictflow.domain.provenance import shown
from verdictflow.domain.rules import NR10, RuleOutcome
from verdictflow.domain.verdict import Verdict

if TYPE_CHECKING:
    from verdictflow.domain.eligibility_policy import EligibilityPolicy


@dataclass(frozen=True)
class Place:
    """Where the person lives, in partnership terms."""

    department: Department | None
    area: Area | None
    partnership: Partnership | None

    @classmethod
    def of(cls, verdict: Verdict, ps: Partnerships) -> Place:
        dep = ps.find_department_by_address(verdict.person.registered_address)
        area = ps.area(dep.area_id) if dep else None
        return cls(dep, area, ps.partnership(area.partnership_id) if area else None)


def _km(metres: float) -> str:
    if metres < 1000:
        return f"ca. {round(metres, -1):.0f} m"
    return "ca. " + f"{metres / 1000:.1f}".replace(".", ",") + " km"


def residence(place: Place, ps: Partnerships) -> RuleOutcome:
    if place.department is None or place.area is None or place.partnership is None:
        return RuleOutcome(
            "residence",
            False,
            "Den registrerede bopæl ligger ikke i et boligområde, der er omfattet "
            "af et partnerskab; almenboligloven § 63 d gælder beboere i området.",
        )
    org = ps.org(place.department.housing_org_id)
    return RuleOutcome(
        "residence",
        True,
        f"Bopælen ligger i {shown(place.department)} ({shown(org) if org else '?'}) "
        f"i boligområdet {shown(place.area)}, som er omfattet af "
        f"{shown(place.partnership)}.",
    )


def crime_location(v: Verdict, p: EligibilityPolicy, place: Place, ps: Partnerships) -> RuleOutcome:
    """§ 63 d: "inden for eller med virkning i" the area; § 90, stk. 1, nr. 10: within 1 km."""
    if place.area is None or place.department is None:
        return RuleOutcome(
            "crime_location",
            None,
            "Gerningsstedet kan ikke vurderes, fordi bopælen ikke ligger i et partnerskabsområde.",
        )
    area, dep, scene = place.area, place.department, v.crime_scene
    if scene.lat is not None and scene.lon is not None:
        point = (scene.lat, scene.lon)
        if point_in_polygon(point, area.polygon):
            return RuleOutcome(
                "crime_location", True,
                f"Gerningsstedet ligger inden for boligområdet {shown(area)}."
            )
        to_property = haversine_m(point, dep.property.as_tuple())
        if to_property <= p.proximity_m:
            return RuleOutcome(
                "crime_location",
                True,
                f"Gerningsstedet ligger uden for boligområdet {shown(area)}, men "
                f"{_km(to_property)} fra afdelingens ejendom, dvs. inden for "
                f"{p.proximity_m} m ({NR10}).",
            )
        return RuleOutcome(
            "crime_location",
            False,
            f"Gerningsstedet ligger uden for boligområdet {shown(area)} "
            f"({_km(distance_to_edge_m(point, area.polygon))} fra områdets "
            f"afgrænsning) og {_km(to_property)} fra afdelingens ejendom; "
            f"grænsen er {p.proximity_m} m ({NR10}).",
        )
    scene_street = street_name(scene.street)
    postcode = scene.postcode.replace(" ", "")
    for d in ps.departments_in_area(area.id):
        if postcode == d.postcode and scene_street in {street_name(s) for s in d.streets}:
            return RuleOutcome(
                "crime_location",
                True,
                f"Gerningsstedet har ingen koordinater, men adressen ligger på en "
                f"gade i boligområdet {shown(area)} og regnes som inden for området.",
            )
    return RuleOutcome(
        "crime_location",
        None,
        f"Gerningsstedet har ingen koordinater, og adressen kan ikke placeres i "
        f"boligområdet {shown(area)}; afstanden til ejendommen må vurderes manuelt.",
    )


def police_district(v: Verdict, place: Place, ps: Partnerships) -> RuleOutcome:
    if place.partnership is None:
        return RuleOutcome(
            "police_district",
            None,
            "Politikredsen kan ikke holdes op mod et partnerskab, fordi bopælen "
            "ikke ligger i et partnerskabsområde.",
        )
    own = ps.police_district(place.partnership.police_district)
    own_name = own.name if own else place.partnership.police_district
    if v.police_district == place.partnership.police_district:
        return RuleOutcome(
            "police_district",
            True,
            f"Sagen er fra {own_name}, som deltager i {shown(place.partnership)}.",
        )
    other = ps.police_district(v.police_district)
    return RuleOutcome(
        "police_district",
        False,
        f"Sagen er fra {other.name if other else 'en anden politikreds'}, men "
        f"{shown(place.partnership)} hører under {own_name}; videregivelse sker "
        f"fra den kreds, der deltager i partnerskabet.",
    )
