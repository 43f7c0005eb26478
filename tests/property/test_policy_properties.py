"""Properties of the eligibility policy (``verdictflow.domain.policy.assess``) on generated
verdicts, with the policy and partnerships the services load.

Verdicts are aimed at the reference data (a department's street, a crime scene in, near or
far from its area, the partnership's police district or another, offences the policy lists
or not) so every outcome is reached; verdicts generated from the contract's schema add the
shapes nobody aimed at. For all of them: ``assess`` does not raise, gives a known outcome
that follows from its rules, gives it again for the same input, explains every failed rule,
and never says eligible without every rule passed and a housing organisation named. An
acquittal, and a crime scene more than 100 km from every area, are never eligible.
"""

from __future__ import annotations

import copy
import json
import math
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

import verdictflow
from tests.property.schemas import data_schema, from_contract
from verdictflow.domain.eligibility_policy import load_policy
from verdictflow.domain.geo import EARTH_RADIUS_M, haversine_m
from verdictflow.domain.partnerships import load_partnerships
from verdictflow.domain.policy import EligibilityDecision, assess
from verdictflow.domain.topics import VERDICT_REGISTERED
from verdictflow.domain.verdict import (
    SENTENCE_KINDS,
    Address,
    CrimeScene,
    Offence,
    Person,
    Sentence,
    Verdict,
    verdict_from_data,
)

CONFIG = Path(verdictflow.__file__).parent / "config"
POLICY = load_policy((CONFIG / "eligibility-policy-v1.json").read_text(encoding="utf-8"))
PS = load_partnerships((CONFIG / "partnerships.json").read_text(encoding="utf-8"))
OUTCOMES = {"eligible", "not_eligible", "manual_review"}
RULES = {"finality", "sanction", "offence", "residence", "crime_location", "recency",
         "police_district"}
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DOMAIN = Path(verdictflow.__file__).parent / "domain"
# What an explanation may say: a generated name that happens to occur here is no leak.
REFERENCE_TEXT = " ".join(
    path.read_text(encoding="utf-8")
    for path in (CONFIG / "partnerships.json", CONFIG / "eligibility-policy-v1.json",
                 DOMAIN / "rules.py", DOMAIN / "location_rules.py", DOMAIN / "offences.py"))

# Every point that bounds an area or marks a department's property: "far from every area".
LANDMARKS = [(float(p[0]), float(p[1])) for a in PS.areas() for p in a.polygon] + [
    d.property.as_tuple() for d in PS.departments()]


# -- verdicts aimed at the reference data -----------------------------------------------
def _moved(point: tuple[float, float], metres: float, bearing: float) -> tuple[float, float]:
    """The point ``metres`` away on a great circle in direction ``bearing`` (radians)."""
    lat, lon, d = math.radians(point[0]), math.radians(point[1]), metres / EARTH_RADIUS_M
    lat2 = math.asin(math.sin(lat) * math.cos(d) + math.cos(lat) * math.sin(d) * math.cos(bearing))
    lon2 = lon + math.atan2(math.sin(bearing) * math.sin(d) * math.cos(lat),
                            math.cos(d) - math.sin(lat) * math.sin(lat2))
    return math.degrees(lat2), (math.degrees(lon2) + 540) % 360 - 180


def _far_enough(point: tuple[float, float]) -> bool:
    return min(haversine_m(point, p) for p in LANDMARKS) > 100_000


BEARINGS = st.floats(0, 2 * math.pi)
WITHIN_900_M = st.floats(0, 900)
near_points = st.builds(_moved, st.sampled_from(LANDMARKS), st.floats(0, 3_000), BEARINGS)
far_points = st.one_of(
    st.builds(_moved, st.sampled_from(LANDMARKS), st.floats(100_500, 5_000_000), BEARINGS),
    st.tuples(st.floats(-90, 90), st.floats(-180, 180)),
).filter(_far_enough)

house_numbers = st.sampled_from(["", " 1", " 12, 3. tv", " 7B", " 104 st. th"])
cprs = st.from_regex(r"\A\d{6}-?\d{4}\Z")
names = st.text(st.characters(categories=["L", "Zs"]), min_size=4, max_size=30)
free_text = st.text(max_size=40)


@st.composite
def addresses(draw: st.DrawFn, good: bool) -> Address:
    """A department's street (so the residence rule passes), or sometimes anywhere."""
    if not good and draw(st.booleans()):
        return Address(draw(free_text), draw(st.from_regex(r"\A\d{4}\Z")), draw(free_text))
    dep = draw(st.sampled_from(PS.departments()))
    street = draw(st.sampled_from(dep.streets)) + draw(house_numbers)
    return Address(street, dep.postcode, dep.city)


@st.composite
def crime_scenes(draw: st.DrawFn, home: Address, good: bool) -> CrimeScene:
    dep = PS.find_department_by_address(home)
    if good and dep is not None:  # within the 1 km of the department's property
        lat, lon = _moved(dep.property.as_tuple(), draw(WITHIN_900_M), draw(BEARINGS))
        return CrimeScene(draw(free_text), home.postcode, home.city, lat, lon)
    where = draw(st.sampled_from(["near", "far", "no coordinates"]))
    if where == "no coordinates":
        street = draw(st.sampled_from([home.street, draw(free_text)]))
        return CrimeScene(street, home.postcode, home.city)
    lat, lon = draw(near_points if where == "near" else far_points)
    return CrimeScene(draw(free_text), draw(st.from_regex(r"\A\d{4}\Z")), draw(free_text),
                      lat, lon)


@st.composite
def listed_offences(draw: st.DrawFn, good: bool) -> Offence:
    """An offence the policy lists, written as police systems write it (with a subsection
    the policy excludes, unless ``good``)."""
    q = draw(st.sampled_from(POLICY.qualifying_offences))
    stk = f", stk. {q.stk}" if q.stk else ""
    forms = [q.section + stk, f"§ {q.section}{stk}", q.section.replace(" ", "") + stk]
    if not good:
        forms.append(f"{q.section} stk. {(q.stk or 1) + 1}")
    return Offence(law=draw(st.sampled_from(POLICY.law_aliases.get(q.law, [q.law]))),
                   section=draw(st.sampled_from(forms)), description=draw(free_text))


other_offences = st.builds(
    Offence, law=st.sampled_from(["straffeloven", "færdselsloven", "våbenloven"]) | free_text,
    section=st.integers(1, 400).map(str) | free_text, description=free_text)
districts = st.sampled_from([d.id for d in PS.police_districts]) | st.from_regex(
    r"\A[a-z0-9]{1,12}\Z")
todays = st.dates(date(2024, 1, 1), date(2032, 12, 31))




def _sentences(kinds: list[str] | tuple[str, ...]) -> st.SearchStrategy[Sentence]:
    return st.builds(Sentence, kind=st.sampled_from(kinds), days=st.none() | st.integers(0, 5000),
                     amount_dkk=st.none() | st.integers(0, 10**6))


# Built once: a strategy built inside a draw is validated again on every draw.
SENTENCES = {True: _sentences(POLICY.qualifying_sanctions), False: _sentences(SENTENCE_KINDS)}
OFFENCES = {True: st.lists(listed_offences(good=True), min_size=1, max_size=2),
            False: st.lists(listed_offences(good=False) | other_offences, min_size=1, max_size=3)}
DAYS_AGO = {True: st.integers(0, 365), False: st.integers(-30, 365 * 4)}


@st.composite
def aimed_verdicts(draw: st.DrawFn) -> tuple[Verdict, date]:
    """Each of the seven rules' inputs is aimed to pass six times in seven, so about a third
    of the verdicts are eligible and the rest fail or stall on one rule or a few."""
    def good() -> bool:
        return draw(st.integers(0, 6)) > 0

    today = draw(todays)
    home = draw(addresses(good()))
    dep = PS.find_department_by_address(home)
    own = PS.partnership_of_area(dep.area_id).police_district if dep else None
    district = own if own and good() else draw(districts)
    days_ago = draw(DAYS_AGO[good()])
    verdict = Verdict(
        verdict_id=draw(st.text(min_size=1, max_size=20)),
        police_district=district,
        case_reference=draw(free_text),
        court=draw(free_text),
        decided_on=(today - timedelta(days=days_ago)).isoformat(),
        final=True if good() else draw(st.booleans()),
        person=Person(draw(cprs), draw(names), home),
        offences=draw(OFFENCES[good()]),
        sentence=draw(SENTENCES[good()]),
        crime_scene=draw(crime_scenes(home, good())),
    )
    return verdict, today


@st.composite
def contract_verdicts(draw: st.DrawFn) -> tuple[Verdict, date]:
    """Any verdict the contract's schema admits, built as the ingest builds it."""
    return verdict_from_data(draw(from_contract(data_schema(VERDICT_REGISTERED)))), draw(todays)


verdicts = st.one_of(aimed_verdicts(), aimed_verdicts(), aimed_verdicts(), contract_verdicts())


# -- properties -------------------------------------------------------------------------
def _check_decision(decision: EligibilityDecision) -> None:
    assert decision.outcome in OUTCOMES
    assert {r.rule for r in decision.rules} == RULES
    passed = [r.passed for r in decision.rules]
    expected = ("not_eligible" if False in passed
                else "manual_review" if None in passed else "eligible")
    assert decision.outcome == expected
    assert decision.policy_version == POLICY.version
    for r in decision.rules:
        if r.passed is not True:
            assert r.explanation.strip(), r.rule
    assert all(reason.strip() for reason in decision.reasons)
    assert decision.reasons or decision.outcome == "eligible"


@FAST
@given(verdicts)
def test_assess_gives_a_known_outcome_that_follows_from_its_explained_rules(
    case: tuple[Verdict, date],
) -> None:
    verdict, today = case
    _check_decision(assess(verdict, POLICY, PS, today))


@FAST
@given(verdicts)
def test_assess_is_deterministic(case: tuple[Verdict, date]) -> None:
    verdict, today = case
    first = assess(verdict, POLICY, PS, today)
    again = assess(copy.deepcopy(verdict), POLICY, PS, today)
    assert again == first
    assert json.dumps([vars(r) for r in again.rules]) == json.dumps([vars(r) for r in first.rules])


@FAST
@given(verdicts)
def test_eligible_means_every_rule_passed_and_an_organisation_is_named(
    case: tuple[Verdict, date],
) -> None:
    verdict, today = case
    decision = assess(verdict, POLICY, PS, today)
    if decision.eligible:
        assert all(r.passed is True for r in decision.rules)
        assert decision.housing_org_id is not None and PS.org(decision.housing_org_id)
        assert decision.department_id and decision.area_id and decision.partnership_id
        assert decision.qualifying_offences
        dep = PS.department(decision.department_id)
        assert dep is not None and dep.housing_org_id == decision.housing_org_id


@FAST
@given(verdicts)
def test_an_acquittal_is_never_eligible(case: tuple[Verdict, date]) -> None:
    verdict, today = case
    acquitted = replace(verdict, sentence=Sentence("acquittal"))
    decision = assess(acquitted, POLICY, PS, today)
    assert decision.outcome == "not_eligible"
    assert "sanction" in decision.failed_rules


@FAST
@given(verdicts, far_points)
def test_a_crime_scene_far_from_every_area_is_never_eligible(
    case: tuple[Verdict, date], point: tuple[float, float],
) -> None:
    verdict, today = case
    moved = replace(verdict, crime_scene=replace(verdict.crime_scene, lat=point[0], lon=point[1]))
    decision = assess(moved, POLICY, PS, today)
    assert not decision.eligible
    assert decision.outcome == "not_eligible"
    assert "residence" in decision.failed_rules or "crime_location" in decision.failed_rules


@FAST
@given(aimed_verdicts())
def test_explanations_never_name_the_person(case: tuple[Verdict, date]) -> None:
    """Explanations travel to the read model and case pages: no CPR number, no name."""
    verdict, today = case
    decision = assess(verdict, POLICY, PS, today)
    text = " ".join(r.explanation for r in decision.rules)
    assert verdict.person.cpr not in text
    name = verdict.person.name
    assume(name not in REFERENCE_TEXT)
    assert name not in text



def test_the_generated_verdicts_reach_every_outcome() -> None:
    """Without this, the properties above could hold for want of an eligible verdict."""
    seen: Counter[str] = Counter()

    @settings(max_examples=150, deadline=None, database=None, phases=[Phase.generate])
    @given(aimed_verdicts())
    def collect(case: tuple[Verdict, date]) -> None:
        seen[assess(case[0], POLICY, PS, case[1]).outcome] += 1

    collect()
    assert set(seen) == OUTCOMES and min(seen.values()) >= 5, seen
