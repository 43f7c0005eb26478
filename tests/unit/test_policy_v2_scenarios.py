"""Policy v2 on concrete verdicts, as a partnership's lawyer would try it: each row is one
legal scenario with its expected outcome and the rule that decides it. Pure, no servers.

Dimensions: offence × subsection × sanction × place (in the area / within 1 km of the
property / beyond) × residency (tenant, household member, elsewhere) × employee victim ×
age × finality × police district.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.policy_v2_fixture import POLICY as P2
from tests.unit.policy_v2_fixture import PS, TODAY, verdict
from verdictflow.domain.policy_v2 import OutcomeV2, assess_v2
from verdictflow.domain.verdict import Offence, Sentence

E, OTHER, REVIEW, NO = (OutcomeV2.ELIGIBLE, OutcomeV2.DISCLOSE_OTHER_GROUND,
                        OutcomeV2.REVIEW, OutcomeV2.NOT_ELIGIBLE)
EMPLOYEE = "housing_org_employee"


def o(section: str, law: str = "straffeloven", **kw: Any) -> list[Offence]:
    return [Offence(law, section, **kw)]


def s(kind: str, **kw: Any) -> Sentence:
    return Sentence(kind, **kw)


# (id, verdict arguments, expected outcome, the rule that decides it)
SCENARIOS: list[tuple[str, dict[str, Any], OutcomeV2, str]] = [
    # --- offences and subsections (custodial, in the area near the property, tenant) ---
    ("violence-244", {}, E, "offence"),
    ("aggravated-violence-245", {"offences": o("§ 245")}, E, "offence"),
    ("threats-266", {"offences": o("266")}, E, "offence"),
    ("burglary-276a-written-276a", {"offences": o("276a")}, E, "offence"),
    ("firearm-192-a", {"offences": o("§ 192 a")}, E, "offence"),
    ("252-stk-1", {"offences": o("§ 252, stk. 1")}, E, "offence"),
    ("252-without-subsection", {"offences": o("§ 252")}, REVIEW, "offence"),
    ("252-stk-2", {"offences": o("§ 252, stk. 2")}, OTHER, "offence"),
    ("291-without-subsection", {"offences": o("§ 291")}, REVIEW, "offence"),
    ("291-stk-2", {"offences": o("291, stk. 2")}, E, "offence"),
    ("291-stk-1", {"offences": o("291, stk. 1")}, OTHER, "offence"),
    ("attempt-written-first", {"offences": o("§ 21, jf. § 237")}, E, "offence"),
    ("attempt-written-last", {"offences": o("§ 237, jf. § 21")}, E, "offence"),
    ("complicity-with-subsection", {"offences": o("§ 23, jf. § 252, stk. 1")}, E, "offence"),
    ("theft-276-not-listed", {"offences": o("276")}, OTHER, "offence"),
    ("traffic-law-not-listed", {"offences": o("§ 117", law="færdselsloven")}, OTHER, "offence"),
    ("eul-3-with-intent", {"offences": o("§ 3", law="EUL", intent_to_pass_on=True)},
     E, "offence"),
    ("eul-3-without-intent", {"offences": o("§ 3", law="EUL", intent_to_pass_on=False)},
     OTHER, "offence"),
    ("eul-3-intent-not-stated", {"offences": o("§ 3", law="lov om euforiserende stoffer")},
     REVIEW, "offence"),
    ("119-b-enactment-unconfirmed", {"offences": o("§ 119 b")}, REVIEW, "offence"),
    ("one-listed-among-others", {"offences": [Offence("straffeloven", "276"),
                                              Offence("straffeloven", "244")]}, E, "offence"),
    # --- sanctions ---
    ("conditional-custody", {"sentence": s("conditional_custody", days=30)}, OTHER, "sanction"),
    ("fine", {"sentence": s("fine", amount_dkk=5000)}, OTHER, "sanction"),
    ("community-service", {"sentence": s("community_service", days=40)}, OTHER, "sanction"),
    ("partly-conditional-with-unconditional-part",
     {"sentence": s("partly_conditional_custody", days=180, unconditional_days=30)},
     E, "sanction"),
    ("partly-conditional-without-unconditional-part",
     {"sentence": s("partly_conditional_custody", days=180, unconditional_days=0)},
     OTHER, "sanction"),
    ("committal-68", {"sentence": s("committal_order")}, E, "sanction"),
    ("treatment-69", {"sentence": s("treatment_order")}, E, "sanction"),
    ("forvaring-70", {"sentence": s("forvaring")}, E, "sanction"),
    ("youth-sanction", {"sentence": s("youth_sanction", days=730)}, E, "sanction"),
    ("acquittal", {"sentence": s("acquittal")}, NO, "decision"),
    ("unknown-kind", {"sentence": s("something_new")}, REVIEW, "sanction"),
    # --- place ---
    ("in-area-1-4-km-from-property", {"scene": "in_area_1_4_km"}, OTHER, "proximity"),
    ("outside-area-within-1-km", {"scene": "outside_near"}, REVIEW, "connection"),
    ("beyond-not-against-employee", {"scene": "beyond"}, REVIEW, "connection"),
    ("no-coordinates-on-the-lease-street", {"scene": "address_on_the_lease_street"},
     E, "offence"),
    ("no-coordinates-unknown-street", {"scene": "address_unknown"}, REVIEW, "connection"),
    # --- employee victim ---
    ("threat-against-employee-3-km-away",
     {"offences": o("266", victim_role=EMPLOYEE), "scene": "beyond"}, OTHER, "proximity"),
    ("violence-against-employee-near-property",
     {"offences": o("244", victim_role=EMPLOYEE), "scene": "outside_near"}, E, "offence"),
    ("employee-victim-fine-elsewhere",
     {"offences": o("266", victim_role=EMPLOYEE), "scene": "beyond",
      "sentence": s("fine", amount_dkk=3000)}, OTHER, "sanction"),
    ("employee-victim-but-not-a-resident",
     {"offences": o("244", victim_role=EMPLOYEE), "residency": "elsewhere"}, NO, "residence"),
    # --- residency ---
    ("household-member-registered-elsewhere", {"residency": "household"}, E, "offence"),
    ("household-member-near-the-lease", {"residency": "household", "scene": "outside_near",
                                         "offences": o("244", victim_role=EMPLOYEE)},
     E, "offence"),
    ("resident-of-no-partnership-area", {"residency": "elsewhere"}, NO, "residence"),
    ("role-not-stated-registered-at-lease", {"residency": "unstated"}, E, "offence"),
    # --- age of the matter ---
    ("judged-last-week", {"decided_on": "2026-11-18"}, E, "offence"),
    ("offence-3-years-ago-judged-now", {"offence_date": "2023-10-01"}, REVIEW, "matter_age"),
    ("judged-3-years-ago-no-offence-date", {"decided_on": "2023-10-01"}, REVIEW, "matter_age"),
    ("judged-long-ago-offence-recent", {"decided_on": "2025-01-10",
                                        "offence_date": "2024-12-01"}, E, "offence"),
    ("judged-before-nr-10", {"decided_on": "2018-06-01", "offence_date": "2025-01-01"},
     OTHER, "in_force"),
    ("offence-date-in-the-future", {"offence_date": "2027-06-01"}, REVIEW, "matter_age"),
    # --- finality ---
    ("not-final-awaits", {"final": False}, REVIEW, "finality"),
    ("not-final-fine", {"final": False, "sentence": s("fine", amount_dkk=1)}, REVIEW, "finality"),
    # --- police district ---
    ("other-police-district", {"district": "test-nord"}, REVIEW, "police_district"),
    ("other-district-and-not-resident", {"district": "test-nord", "residency": "elsewhere"},
     NO, "residence"),
]


def test_there_are_at_least_forty_scenarios() -> None:
    assert len(SCENARIOS) >= 40
    assert len({sid for sid, *_ in SCENARIOS}) == len(SCENARIOS)


@pytest.mark.parametrize(("args", "expected", "deciding"),
                         [row[1:] for row in SCENARIOS], ids=[row[0] for row in SCENARIOS])
def test_scenario(args: dict[str, Any], expected: OutcomeV2, deciding: str) -> None:
    a = assess_v2(verdict(**args), P2, PS, TODAY)
    assert (a.outcome, deciding in a.deciding_rules) == (expected, True), [
        (r.rule, r.passed, r.explanation) for r in a.rules]
