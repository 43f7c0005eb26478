import copy
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

import verdictflow
from verdictflow.domain.eligibility_policy import load_policy
from verdictflow.domain.offences import SectionRef, parse_section
from verdictflow.domain.partnerships import load_partnerships
from verdictflow.domain.policy import EligibilityDecision, assess
from verdictflow.domain.samples import final_verdict, sample_verdicts
from verdictflow.domain.verdict import CrimeScene, Offence, Sentence, verdict_from_data

CONFIG = Path(verdictflow.__file__).parent / "config"
TODAY = date(2026, 11, 23)
POLICY_RAW = json.loads((CONFIG / "eligibility-policy-v1.json").read_text(encoding="utf-8"))
POLICY = load_policy(json.dumps(POLICY_RAW))
PS = load_partnerships((CONFIG / "partnerships.json").read_text(encoding="utf-8"))

CONTRACT_DATA = {
    "verdict_id": "KBV-2026-004711",
    "police_district": "kbh-vestegn",
    "case_reference": "0100-70111-00123-26",
    "court": "Retten i Glostrup",
    "decided_on": "2026-11-18",
    "final": True,
    "person": {
        "cpr": "0101901234",
        "name": "Test Testesen",
        "registered_address": {
            "street": "Strandesplanaden 12, 3. tv",
            "postcode": "2660",
            "city": "Brøndby Strand",
        },
    },
    "offences": [{"law": "straffeloven", "section": "244", "description": "vold"}],
    "sentence": {"kind": "unconditional_custody", "days": 60},
    "crime_scene": {
        "street": "Brøndby Strand Centret",
        "postcode": "2660",
        "city": "Brøndby Strand",
        "lat": 55.6197,
        "lon": 12.4186,
    },
}
BASE = verdict_from_data(CONTRACT_DATA)


def run(verdict=BASE, policy=POLICY, today=TODAY) -> EligibilityDecision:
    return assess(verdict, policy, PS, today)


def rule(decision: EligibilityDecision, name: str):
    return next(r for r in decision.rules if r.rule == name)


def with_offence(law: str, section: str):
    return replace(BASE, offences=[Offence(law, section, "x")])


def with_scene(**kw):
    return replace(BASE, crime_scene=replace(BASE.crime_scene, **kw))


# --- the policy file -------------------------------------------------------------------


def test_policy_v1_values():
    assert POLICY.version == "v1"
    assert POLICY.proximity_m == 1000
    assert POLICY.await_finality is True
    assert POLICY.appeal_window_days == 14
    assert POLICY.max_age_of_matter_years == 2
    assert POLICY.decision_deadline_days == 14
    assert POLICY.reminder_days == [7, 12]
    assert POLICY.reentry_block_years == 2
    assert POLICY.retention_after_close_years == 2
    assert POLICY.qualifying_sanctions == ["unconditional_custody", "youth_sanction"]
    assert set(POLICY.manual_review_sanctions) == {
        "conditional_custody",
        "fine",
        "community_service",
    }
    listed = {(o.law, o.section, o.stk) for o in POLICY.qualifying_offences}
    assert ("straffeloven", "134 a", None) in listed
    assert ("straffeloven", "252", 1) in listed
    assert ("straffeloven", "291", 2) in listed
    assert ("lov om euforiserende stoffer", "3", None) in listed
    assert len(listed) == 18
    assert all(o.label for o in POLICY.qualifying_offences)


def test_every_policy_value_has_a_source():
    for key in (
        "qualifying_offences",
        "qualifying_sanctions",
        "manual_review_sanctions",
        "proximity_m",
        "await_finality",
        "appeal_window_days",
        "max_age_of_matter_years",
        "decision_deadline_days",
        "reminder_days",
        "reentry_block_years",
        "retention_after_close_years",
        "termination_date_window_days",
    ):
        assert POLICY.sources.get(key), key


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r["qualifying_sanctions"].append("acquittal"),
        lambda r: r["qualifying_sanctions"].append("fine"),
        lambda r: r["manual_review_sanctions"].append("prison"),
        lambda r: r.__setitem__("reminder_days", [7, 20]),
    ],
)
def test_inconsistent_policy_is_refused(change):
    raw = copy.deepcopy(POLICY_RAW)
    change(raw)
    with pytest.raises(ValueError):
        load_policy(raw)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("244", SectionRef("244")),
        ("§ 244", SectionRef("244")),
        ("§244", SectionRef("244")),
        ("252, stk. 1", SectionRef("252", 1)),
        ("252 stk. 1", SectionRef("252", 1)),
        ("252 stk 1", SectionRef("252", 1)),
        ("134 a", SectionRef("134 a")),
        ("134a", SectionRef("134 a")),
        ("§ 134 A", SectionRef("134 a")),
        ("291, stk. 2, nr. 1", SectionRef("291", 2)),
        (244, SectionRef("244")),
        ("vold", None),
    ],
)
def test_parse_section(text, expected):
    assert parse_section(text) == expected


# --- the contract example and the outcome ----------------------------------------------


def test_contract_example_is_eligible_with_every_rule_recorded():
    d = run()
    assert d.outcome == "eligible" and d.eligible
    assert [r.rule for r in d.rules] == [
        "finality",
        "sanction",
        "offence",
        "residence",
        "crime_location",
        "recency",
        "police_district",
    ]
    assert all(r.passed is True for r in d.rules)
    assert (
        d.partnership_id,
        d.area_id,
        d.housing_org_id,
        d.department_id,
        d.municipality_id,
        d.police_district,
    ) == ("broendby-strand", "broendby-strand", "bbs", "bbs-605", "broendby", "kbh-vestegn")
    assert d.policy_version == "v1" and d.assessed_on == "2026-11-23"
    assert d.qualifying_offences == ["straffeloven § 244"]
    assert rule(d, "offence").explanation == (
        "Straffelovens § 244 (vold) er omfattet af almenlejelovens § 90, stk. 1, nr. 10."
    )


def test_false_beats_none():
    # a fine needs manual review, but an unlisted offence rules it out entirely
    v = replace(with_offence("straffeloven", "290"), sentence=Sentence("fine", amount_dkk=2000))
    d = run(v)
    assert rule(d, "sanction").passed is None and rule(d, "offence").passed is False
    assert d.outcome == "not_eligible"
    assert d.failed_rules == ["offence"] and d.undecided_rules == ["sanction"]


# --- sanction ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence,outcome,passed",
    [
        (Sentence("unconditional_custody", days=60), "eligible", True),
        (Sentence("youth_sanction"), "eligible", True),
        (Sentence("conditional_custody", days=30), "manual_review", None),
        (Sentence("fine", amount_dkk=5000), "manual_review", None),
        (Sentence("community_service"), "manual_review", None),
        (Sentence("acquittal"), "not_eligible", False),
    ],
)
def test_sanction(sentence, outcome, passed):
    d = run(replace(BASE, sentence=sentence))
    assert d.outcome == outcome and rule(d, "sanction").passed is passed


def test_manual_review_sanction_explains_the_house_rules_route():
    d = run(replace(BASE, sentence=Sentence("fine", amount_dkk=5000)))
    text = rule(d, "sanction").explanation
    assert "§ 90, stk. 1, nr. 10" in text and "§ 85, stk. 1, nr. 4" in text
    assert d.reasons == [text]


# --- offence ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "law,section",
    [
        ("straffeloven", "§ 244"),
        ("Straffeloven", "245"),
        ("strfl.", "246"),
        ("straffeloven", "252, stk. 1"),
        ("straffeloven", "252 stk. 1"),
        ("straffeloven", "134a"),
        ("straffeloven", "134 a"),
        ("straffeloven", "192 a"),
        ("straffeloven", "291 stk. 2"),
        ("straffeloven", "276 a"),
        ("straffeloven", "244, stk. 1"),
        ("lov om euforiserende stoffer", "3"),
        ("Euforiserende stoffer", "§ 3"),
    ],
)
def test_listed_offences_qualify(law, section):
    assert rule(run(with_offence(law, section)), "offence").passed is True


@pytest.mark.parametrize(
    "law,section",
    [
        ("straffeloven", "290"),  # hæleri
        ("straffeloven", "252"),  # listed only with stk. 1
        ("straffeloven", "252, stk. 2"),
        ("straffeloven", "291"),  # listed only with stk. 2
        ("straffeloven", "276"),  # 276 a is listed, plain theft is not
        ("straffeloven", "134"),
        ("færdselsloven", "244"),  # right number, wrong law
        ("straffeloven", "uleselig"),
    ],
)
def test_unlisted_offences_do_not_qualify(law, section):
    d = run(with_offence(law, section))
    assert rule(d, "offence").passed is False and d.outcome == "not_eligible"


def test_section_listed_with_stk_is_explained():
    text = rule(run(with_offence("straffeloven", "252")), "offence").explanation
    assert "§ 252 er kun omfattet i stk. 1" in text


def test_one_qualifying_offence_is_enough():
    v = replace(BASE, offences=[Offence("straffeloven", "290"), Offence("straffeloven", "266")])
    d = run(v)
    assert rule(d, "offence").passed is True
    assert d.qualifying_offences == ["straffeloven § 266"]


# --- residence, crime location ------------------------------------------------------------


def test_not_living_in_a_partnership_area():
    v = replace(
        BASE,
        person=replace(
            BASE.person,
            registered_address=replace(
                BASE.person.registered_address, street="Vesterbrogade 41", postcode="1620"
            ),
        ),
    )
    d = run(v)
    assert rule(d, "residence").passed is False and d.outcome == "not_eligible"
    assert d.partnership_id is None and d.housing_org_id is None


def test_crime_outside_the_area_but_within_1000_m_of_the_property():
    # BB 605's property is at 55.6185, 12.4150; 0.007 degrees south is ~780 m, past the area
    d = run(with_scene(lat=55.6115, lon=12.4150))
    r = rule(d, "crime_location")
    assert r.passed is True and "inden for 1000 m" in r.explanation
    assert d.outcome == "eligible"


def test_crime_far_from_the_area():
    d = run(with_scene(lat=55.6757, lon=12.5690))
    r = rule(d, "crime_location")
    assert r.passed is False and "km" in r.explanation and d.outcome == "not_eligible"


def test_proximity_is_policy_not_code():
    near = with_scene(lat=55.6115, lon=12.4150)
    strict = replace(POLICY, proximity_m=500)
    assert rule(run(near, strict), "crime_location").passed is False


def test_scene_without_coordinates_on_an_area_street_counts_as_inside():
    d = run(replace(BASE, crime_scene=CrimeScene("Kisumparken 40", "2660", "Brøndby Strand")))
    assert rule(d, "crime_location").passed is True and d.outcome == "eligible"


def test_scene_without_coordinates_that_cannot_be_placed_goes_to_manual_review():
    d = run(
        replace(BASE, crime_scene=CrimeScene("Brøndby Strand Centret", "2660", "Brøndby Strand"))
    )
    assert rule(d, "crime_location").passed is None and d.outcome == "manual_review"
    # same street name in another postcode is not the area's street
    d = run(replace(BASE, crime_scene=CrimeScene("Kisumparken 40", "2605", "Brøndby")))
    assert rule(d, "crime_location").passed is None


# --- recency, district, finality -----------------------------------------------------------


@pytest.mark.parametrize(
    "decided_on,passed",
    [
        ("2024-11-23", True),  # exactly two years: not older
        ("2024-11-22", False),
        ("2026-11-23", True),
        ("2026-11-24", True),  # a day of slack for time zones
        ("2026-12-24", None),  # in the future: a human looks
    ],
)
def test_recency(decided_on, passed):
    assert rule(run(replace(BASE, decided_on=decided_on)), "recency").passed is passed


def test_recency_on_29_february():
    d = run(replace(BASE, decided_on="2026-02-28"), today=date(2028, 2, 29))
    assert rule(d, "recency").passed is True


def test_other_police_district():
    d = run(replace(BASE, police_district="koebenhavn"))
    r = rule(d, "police_district")
    assert r.passed is False and "Københavns Politi" in r.explanation
    assert d.outcome == "not_eligible"


def test_not_final_waits_or_not_by_policy():
    v = replace(BASE, final=False)
    assert run(v).outcome == "manual_review"
    assert rule(run(v), "finality").passed is None
    assert run(v, replace(POLICY, await_finality=False)).outcome == "eligible"


# --- privacy and payloads -------------------------------------------------------------------


def _assert_private(d: EligibilityDecision, name: str, cpr: str, street: str, description: str):
    text = json.dumps([r.explanation for r in d.rules], ensure_ascii=False)
    street_and_number = street.split(",")[0]
    for secret in (
        cpr,
        cpr[:6] + "-" + cpr[6:],
        name,
        name.split()[-1],
        street,
        street_and_number,
        description,
    ):
        assert secret not in text, secret


def test_explanations_never_contain_person_data():
    v = replace(BASE, offences=[Offence("straffeloven", "244", "slog Testesen i hovedet")])
    _assert_private(
        run(v),
        "Test Testesen",
        "0101901234",
        "Strandesplanaden 12, 3. tv",
        "slog Testesen i hovedet",
    )
    for s in sample_verdicts(PS, TODAY):
        v = final_verdict(s)
        _assert_private(
            run(v), s.person_name, s.cpr, v.person.registered_address.street, s.offence_description
        )


def test_decision_survives_temporal_payload_conversion():
    from temporalio.converter import DataConverter

    conv = DataConverter.default.payload_converter
    for v in (BASE, replace(BASE, sentence=Sentence("fine", amount_dkk=1))):
        d = run(v)
        back = conv.from_payloads(
            conv.to_payloads([d, POLICY, PS]), [EligibilityDecision, type(POLICY), type(PS)]
        )
        assert back[0] == d and back[1] == POLICY and back[2] == PS
        assert back[2].area_of((55.6197, 12.4186)).id == "broendby-strand"
