"""A case is assessed by the policy version it started on, whatever the worker has since."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

import verdictflow
from activities.casebook import CaseBookActivities
from activities.eligibility import EligibilityActivities
from verdictflow.domain.explain import explain
from verdictflow.domain.partnerships import load_partnerships
from verdictflow.domain.policies import (
    Policies,
    UnknownPolicyVersion,
    assess_pinned,
    load_any_policy,
)
from verdictflow.domain.policy import Eligibility, Route, route_after_assessment
from verdictflow.domain.samples import final_verdict, sample_verdicts
from verdictflow.platform.reference import load_policies
from verdictflow.platform.settings import Settings
from workflows.case.messages import EligibilityRequest

CONFIG = Path(verdictflow.__file__).parent / "config"
PS = load_partnerships((CONFIG / "partnerships.json").read_text(encoding="utf-8"))
V1 = load_any_policy((CONFIG / "eligibility-policy-v1.json").read_text(encoding="utf-8"))
V2 = load_any_policy((CONFIG / "eligibility-policy-v2.json").read_text(encoding="utf-8"))
TODAY = date(2026, 11, 25)
# Eligible under v1; under v2 § 63 d's connection is the police's to weigh (670 m away,
# outside the area), so the two versions tell this one apart.
KNALLERT = final_verdict(next(s for s in sample_verdicts(PS, TODAY) if s.key == "vp-knallert"))


def activities(policies: Policies) -> SimpleNamespace:
    return SimpleNamespace(policies=policies, partnerships=PS, read_model=None,
                           settings=SimpleNamespace(receipt_timeout_seconds=60))


def test_new_cases_start_on_the_newest_version_in_force() -> None:
    both = Policies({"v1": V1, "v2": V2})
    assert both.for_new_case(date.fromisoformat(V2.effective_from)).version == "v2"
    day_before = date.fromordinal(date.fromisoformat(V2.effective_from).toordinal() - 1)
    assert both.for_new_case(day_before).version == "v1"
    assert Policies({"v1": V1, "v2": V2}, pinned="v1").for_new_case(TODAY).version == "v1"
    with pytest.raises(ValueError, match="'v9' is not among"):
        Policies({"v1": V1}, pinned="v9")


def test_the_worker_loads_every_policy_file_and_refuses_a_broken_one(tmp_path: Path) -> None:
    settings = Settings(environment="test", state_dir=tmp_path)
    assert sorted(load_policies(settings).versions) == ["v1", "v2"]
    bad = tmp_path / "policies"
    bad.mkdir()
    (bad / "eligibility-policy-v2.json").write_text('{"version": "v2"}', encoding="utf-8")
    with pytest.raises(ValueError, match="eligibility-policy-v2.json"):
        load_policies(Settings(environment="test", state_dir=tmp_path, policy_dir=bad))


async def test_the_activity_assesses_by_the_version_the_request_names() -> None:
    act = EligibilityActivities(activities(Policies({"v1": V1, "v2": V2})))  # type: ignore[arg-type]

    def request(version: str | None) -> EligibilityRequest:
        return EligibilityRequest("case-x", KNALLERT, TODAY.isoformat(), version)

    on_v1 = await act.assess_eligibility(request("v1"))
    on_v2 = await act.assess_eligibility(request("v2"))
    unpinned = await act.assess_eligibility(request(None))  # a case from before pinning
    assert (on_v1.policy_version, on_v1.outcome) == ("v1", Eligibility.ELIGIBLE)
    assert (on_v2.policy_version, on_v2.outcome) == ("v2", Eligibility.MANUAL_REVIEW)
    assert on_v2.deciding_rules == ["connection"] and on_v2.on_request == Eligibility.ELIGIBLE
    assert unpinned == on_v1


async def test_a_version_the_worker_lacks_is_retried_not_failed() -> None:
    act = EligibilityActivities(activities(Policies({"v1": V1})))  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="'v2' is not loaded"):
        await act.assess_eligibility(EligibilityRequest("c", KNALLERT, TODAY.isoformat(), "v2"))


async def test_case_terms_pin_the_version_in_force_with_its_terms() -> None:
    pinned = CaseBookActivities(activities(Policies({"v1": V1, "v2": V2}, pinned="v2")))  # type: ignore[arg-type]
    terms = await pinned.case_terms()
    assert (terms.policy_version, terms.review_other_ground) == ("v2", True)
    assert terms.decision_deadline_days == V2.decision_deadline_days
    old = CaseBookActivities(activities(Policies({"v1": V1, "v2": V2}, pinned="v1")))  # type: ignore[arg-type]
    assert (await old.case_terms()).policy_version == "v1"


@pytest.mark.parametrize(("outcome", "review_other_ground", "route"), [
    (Eligibility.ELIGIBLE, True, Route.DISCLOSE),
    (Eligibility.DISCLOSE_OTHER_GROUND, True, Route.REVIEW),
    (Eligibility.DISCLOSE_OTHER_GROUND, False, Route.DISCLOSE),
    (Eligibility.MANUAL_REVIEW, False, Route.REVIEW),
    (Eligibility.NOT_ELIGIBLE, True, Route.END),
])
def test_where_an_assessed_verdict_goes(outcome: Eligibility, review_other_ground: bool,
                                        route: Route) -> None:
    assert route_after_assessment(outcome, review_other_ground) == route


def test_an_unknown_version_names_the_known_ones() -> None:
    with pytest.raises(UnknownPolicyVersion, match=r"known: \['v1'\]"):
        Policies({"v1": V1}).get("v3")


def test_explain_reads_a_v1_case_as_one_list_and_a_v2_case_question_by_question() -> None:
    on_v1 = assess_pinned(KNALLERT, Policies({"v1": V1, "v2": V2}), "v1", PS, TODAY)
    v1_text = "\n".join(explain("case-x", on_v1))
    assert "efter politik v1" in v1_text and "Regler:" in v1_text
    assert "§ 63 d)" not in v1_text
    on_v2 = assess_pinned(KNALLERT, Policies({"v1": V1, "v2": V2}), "v2", PS, TODAY)
    v2_text = "\n".join(explain("case-x", on_v2))
    assert "Hjemmel til videregivelse (almenboligloven § 63 d): uafklaret" in v2_text
    assert "Ophævelsesgrund (almenlejeloven § 90, stk. 1, nr. 10): ja" in v2_text
    assert "? uafklaret     connection ◀ afgørende" in v2_text
    assert "På boligorganisationens anmodning: eligible" in v2_text
    assert KNALLERT.person.cpr not in v1_text + v2_text
    assert KNALLERT.person.name not in v1_text + v2_text
