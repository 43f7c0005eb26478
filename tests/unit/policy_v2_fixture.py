"""A small partnership landscape for policy v2's tests, built here rather than read from
``config/partnerships.json`` (reference data that changes on its own schedule).

One area, a rectangle about 3.3 km north-south, with one department whose property lies
near its southern edge, so a point can be inside the area and still 1.4 km from the
property, or outside the area and within 1 km of it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import verdictflow
from verdictflow.domain.eligibility_policy_v2 import load_policy_v2
from verdictflow.domain.partnerships import load_partnerships
from verdictflow.domain.verdict import (
    Address,
    CrimeScene,
    Household,
    Offence,
    Person,
    Sentence,
    Verdict,
)

POLICY_FILE = Path(verdictflow.__file__).parent / "config" / "eligibility-policy-v2.json"
POLICY = load_policy_v2(POLICY_FILE.read_text(encoding="utf-8"))
TODAY = date(2026, 11, 25)

PROPERTY = (55.605, 12.405)
POINTS = {
    "in_area_near": (55.607, 12.407),  # inside the area, ~260 m from the property
    "in_area_1_4_km": (55.6176, 12.405),  # inside the area, ~1.4 km from the property
    "outside_near": (55.598, 12.405),  # outside the area, ~780 m from the property
    "beyond": (55.575, 12.405),  # outside the area, ~3.3 km from the property
}

LANDSCAPE: dict[str, Any] = {
    "version": "test",
    "police_districts": [
        {"id": "test-vest", "name": "Testvest Politi"},
        {"id": "test-nord", "name": "Testnord Politi"},
    ],
    "municipalities": [
        {"id": "testby", "name": "Testby Kommune", "code": "999", "police_district": "test-vest"}
    ],
    "partnerships": [
        {
            "id": "test-partnership",
            "name": "Testpartnerskabet",
            "police_district": "test-vest",
            "municipality_ids": ["testby"],
            "housing_org_ids": ["test-org"],
            "parties": [
                {"name": "Testpolitiet", "kind": "police", "ref": "test-vest"},
                {"name": "Testby Kommune", "kind": "municipality", "ref": "testby"},
                {"name": "Testboligselskabet", "kind": "housing_organisation", "ref": "test-org"},
            ],
            "sources": [{"document": "test fixture", "title": "Testpartnerskabet", "date": None}],
            "areas": [
                {
                    "id": "test-area",
                    "name": "Testparken",
                    "municipality_id": "testby",
                    "polygon": [[55.600, 12.400], [55.630, 12.400], [55.630, 12.440],
                                [55.600, 12.440]],
                }
            ],
        }
    ],
    "housing_organisations": [
        {
            "id": "test-org",
            "name": "Testboligselskabet",
            "departments": [
                {
                    "id": "test-dep",
                    "name": "Afdeling Testvænget",
                    "area_id": "test-area",
                    "streets": ["Testvænget"],
                    "postcode": "9990",
                    "city": "Testby",
                    "property": {"lat": PROPERTY[0], "lon": PROPERTY[1]},
                }
            ],
        }
    ],
}
PS = load_partnerships(LANDSCAPE)

HOME = Address("Testvænget 4, 2. th", "9990", "Testby")
ELSEWHERE = Address("Fjernvej 1", "8000", "Aarhus C")


def verdict(
    *,
    offences: list[Offence] | None = None,
    sentence: Sentence | None = None,
    scene: str = "in_area_near",
    residency: str = "tenant",
    decided_on: str = "2026-11-18",
    offence_date: str | None = None,
    final: bool = True,
    district: str = "test-vest",
) -> Verdict:
    """residency: tenant (registered at the lease), household (a member registered
    elsewhere, the lease named), elsewhere (no lease in any partnership area)."""
    registered, household = {
        "tenant": (HOME, Household("tenant")),
        "household": (ELSEWHERE, Household("household_member", lease_address=HOME)),
        "elsewhere": (ELSEWHERE, None),
        "unstated": (HOME, None),
    }[residency]
    if scene == "address_on_the_lease_street":
        crime_scene = CrimeScene("Testvænget 10", "9990", "Testby")
    elif scene == "address_unknown":
        crime_scene = CrimeScene("Ukendt Allé 3", "9990", "Testby")
    else:
        lat, lon = POINTS[scene]
        crime_scene = CrimeScene("Et sted", "9990", "Testby", lat, lon)
    return Verdict(
        verdict_id="TEST-1",
        police_district=district,
        case_reference="0100-1",
        court="Retten i Testby",
        decided_on=decided_on,
        final=final,
        person=Person("0101901234", "Test Testesen", registered, household),
        offences=offences or [Offence("straffeloven", "244")],
        sentence=sentence or Sentence("unconditional_custody", days=60),
        crime_scene=crime_scene,
        offence_date=offence_date,
    )
