"""Policy v2 beside the scenario table: its file, the citation reader, the shape of an
assessment, and that explanations never carry the person."""

from __future__ import annotations

import dataclasses
import datetime
import json

import pytest

from tests.unit.policy_v2_fixture import ELSEWHERE, HOME, POLICY, POLICY_FILE, PS, TODAY, verdict
from tests.unit.test_policy_v2_scenarios import SCENARIOS
from verdictflow.domain.basis_rules import Lease, effort
from verdictflow.domain.eligibility_policy_v2 import load_policy_v2, missing_sources
from verdictflow.domain.offences import SectionRef, parse_sections, principal_section
from verdictflow.domain.policy_v2 import OutcomeV2, assess_v2

ACCESSORY = frozenset({"21", "23"})


def test_every_value_has_a_source_and_119_b_cites_the_bill() -> None:
    raw = json.loads(POLICY_FILE.read_text(encoding="utf-8"))
    assert missing_sources(raw) == []
    assert "l23" in raw["sources"]["qualifying_offences.119 b"].lower()
    [b] = [o for o in POLICY.qualifying_offences if o.section == "119 b"]
    assert not b.confirmed


def test_v2_refuses_a_v1_file() -> None:
    v1 = json.loads(POLICY_FILE.with_name("eligibility-policy-v1.json").read_text("utf-8"))
    with pytest.raises(ValueError):
        load_policy_v2(v1)


@pytest.mark.parametrize(("text", "refs", "principal"), [
    ("§ 21, jf. § 237", ["21", "237"], SectionRef("237")),
    ("§ 237, jf. § 21", ["237", "21"], SectionRef("237")),
    ("§ 23, jf. § 252, stk. 1", ["23", "252"], SectionRef("252", 1)),
    ("252 stk. 1, jf. 21", ["252", "21"], SectionRef("252", 1)),
    ("§ 291", ["291"], SectionRef("291")),
    ("134a", ["134 a"], SectionRef("134 a")),
    ("§ 21", ["21"], SectionRef("21")),
    ("§§ 244 og 266", ["244", "266"], None),  # two principal offences: not one citation
    ("ukendt", [], None),
])
def test_citations_in_either_order(text: str, refs: list[str],
                                   principal: SectionRef | None) -> None:
    assert [r.section for r in parse_sections(text)] == refs
    assert principal_section(text, ACCESSORY) == principal


def test_both_questions_are_answered_apart_with_every_rule() -> None:
    a = assess_v2(verdict(scene="in_area_1_4_km"), POLICY, PS, TODAY)
    assert a.outcome == OutcomeV2.DISCLOSE_OTHER_GROUND
    assert a.disclosure_basis.holds is True and a.termination_ground.holds is False
    assert [r.rule for r in a.disclosure_basis.rules] == [
        "decision", "residence", "connection", "effort", "matter_age", "finality",
        "police_district"]
    assert [r.rule for r in a.termination_ground.rules] == [
        "offence", "sanction", "proximity", "household", "in_force"]
    assert (a.partnership_id, a.housing_org_id, a.department_id) == (
        "test-partnership", "test-org", "test-dep")


def test_an_eligible_verdict_names_the_listed_offence() -> None:
    a = assess_v2(verdict(), POLICY, PS, TODAY)
    assert (a.outcome, a.qualifying_offences) == (OutcomeV2.ELIGIBLE, ["straffeloven § 244"])


def test_explanations_never_carry_the_person() -> None:
    secrets = ["0101901234", "Test Testesen", HOME.street, ELSEWHERE.street, "Fjernvej",
               "Testvænget 10", "Ukendt Allé"]
    for _, args, _, _ in SCENARIOS:
        text = " ".join(r.explanation for r in assess_v2(verdict(**args), POLICY, PS,
                                                         TODAY).rules)
        assert [s for s in secrets if s in text] == []


def test_a_partnership_past_its_end_leaves_the_existing_effort_to_the_police() -> None:
    lease = Lease.of(verdict(), PS)
    assert lease.place.partnership is not None
    ended = dataclasses.replace(lease.place.partnership, valid_to="2021-12-31")
    gone = Lease(dataclasses.replace(lease.place, partnership=ended), lease.from_household)
    assert effort(lease, TODAY).passed is True
    rule = effort(gone, TODAY)
    assert rule.passed is None and "2021-12-31" in rule.explanation
    assert effort(gone, datetime.date(2021, 6, 1)).passed is True
