"""Policy v2 in the case: the version is pinned by the case's terms, and a verdict that may
be disclosed but does not ground rescission under nr. 10 goes where the policy says."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date
from pathlib import Path

from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

import verdictflow
from tests.workflows.fakes import FakeActivities, verdict
from tests.workflows.test_case_workflow import case_worker, receipt, start, wait_for_stage
from verdictflow.cli.explain import CannotExplain, explain_case, recorded_assessment
from verdictflow.domain.eligibility_policy_v2 import load_policy_v2
from verdictflow.domain.partnerships import load_partnerships
from verdictflow.domain.policies import decision_of
from verdictflow.domain.policy import HOUSE_RULES_ROUTE, Eligibility, EligibilityDecision
from verdictflow.domain.policy_v2 import assess_v2
from verdictflow.domain.verdict import Sentence
from verdictflow.platform.audit import POLICY_EXPLAIN
from verdictflow.platform.database import Database
from verdictflow.platform.readmodel import READ_MODEL, AuditEntry
from workflows.case.workflow import VerdictCaseWorkflow

CONFIG = Path(verdictflow.__file__).parent / "config"
FINE = Sentence(kind="fine", amount_dkk=4000)


def other_ground() -> EligibilityDecision:
    """The real v2 policy on the test verdict with a fine: § 63 d holds, nr. 10 does not."""
    policy = load_policy_v2((CONFIG / "eligibility-policy-v2.json").read_text(encoding="utf-8"))
    partnerships = load_partnerships((CONFIG / "partnerships.json").read_text(encoding="utf-8"))
    assessed = decision_of(assess_v2(verdict(sentence=FINE), policy, partnerships,
                                     date(2026, 11, 23)))
    assert assessed.outcome == Eligibility.DISCLOSE_OTHER_GROUND
    assert assessed.deciding_rules == ["sanction"]
    assert assessed.termination_ground == HOUSE_RULES_ROUTE
    return assessed


def on_v2(fake: FakeActivities, review_other_ground: bool) -> FakeActivities:
    fake.terms = dataclasses.replace(fake.terms, policy_version="v2",
                                     review_other_ground=review_other_ground)
    return fake


async def test_the_case_asks_for_the_version_it_started_on(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    for version in ("v1", "v2"):
        fake = FakeActivities()
        fake.terms = dataclasses.replace(fake.terms, policy_version=version)
        case_id = f"case-pinned-{version}"
        async with case_worker(time_env, task_queue, fake):
            handle = await start(time_env, task_queue, case_id)
            await wait_for_stage(handle, "disclosed")
            await handle.terminate("test over")
        assert [r.policy_version for r in fake.assessed] == [version]


async def test_other_ground_goes_to_the_police_while_the_policy_keeps_the_discretion(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = on_v2(FakeActivities(eligibility=other_ground()), review_other_ground=True)
    case_id = "case-other-ground-review"
    async with case_worker(time_env, task_queue, fake):
        handle = await start(time_env, task_queue, case_id, sentence=FINE)
        await wait_for_stage(handle, "awaiting_review")
        await handle.terminate("test over")
    assert [(t.kind, t.org_id) for t in fake.tasks] == [("review", "kbh-vestegn")]
    assert fake.published == []


async def test_other_ground_is_disclosed_when_the_policy_lets_it(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = on_v2(FakeActivities(eligibility=other_ground()), review_other_ground=False)
    case_id = "case-other-ground-disclosed"
    async with case_worker(time_env, task_queue, fake):
        handle = await start(time_env, task_queue, case_id, sentence=FINE)
        await wait_for_stage(handle, "disclosed")
        await handle.signal(VerdictCaseWorkflow.receipt_received, receipt(case_id))
        await wait_for_stage(handle, "awaiting_decision")
        await handle.terminate("test over")
    assert fake.published == [f"{case_id}-d1"]
    assert [t.kind for t in fake.tasks] == ["decision"]


async def test_not_eligible_under_v2_names_the_rules_that_decided(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    refused = dataclasses.replace(other_ground(), outcome=Eligibility.NOT_ELIGIBLE,
                                  deciding_rules=["residence"])
    fake = on_v2(FakeActivities(eligibility=refused), review_other_ground=True)
    async with case_worker(time_env, task_queue, fake):
        handle = await start(time_env, task_queue, "case-v2-refused", sentence=FINE)
        result = await asyncio.wait_for(handle.result(), 20)
    assert (result.ended_as, result.reasons) == ("not_eligible", ["residence"])


async def test_policy_explain_reads_the_assessment_the_case_acted_on(
        time_env: WorkflowEnvironment, task_queue: str, tmp_path: Path) -> None:
    assessed = other_ground()
    fake = on_v2(FakeActivities(eligibility=assessed), review_other_ground=True)
    case_id = "case-" + "e" * 24  # explain takes real case ids only
    async with case_worker(time_env, task_queue, fake):
        handle = await start(time_env, task_queue, case_id, sentence=FINE)
        await wait_for_stage(handle, "awaiting_review")
        # Read back through the codec from the (encrypted) history: the very decision.
        assert await recorded_assessment(time_env.client, case_id) == assessed
        db = Database(f"sqlite:///{tmp_path / 'rm.db'}", READ_MODEL)
        lines = await explain_case(time_env.client, db, case_id, actor="op-1")
        await handle.terminate("test over")

    text = "\n".join(lines)
    assert "politik v2" in text and "disclose_other_ground" in text
    assert "Hjemmel til videregivelse (almenboligloven § 63 d): ja" in text
    assert "Ophævelsesgrund (almenlejeloven § 90, stk. 1, nr. 10): nej" in text
    assert "✗ ikke opfyldt  sanction ◀ afgørende" in text
    assert "2903871234" not in text and "Ingolf" not in text
    with db.session() as s:
        [entry] = s.exec(select(AuditEntry)).all()
    assert (entry.action, entry.case_id, entry.actor) == (POLICY_EXPLAIN, case_id, "op-1")

    for wrong, why in (("not-a-case", "is not a case id"),
                       ("case-" + "f" * 24, "no case")):
        try:
            await recorded_assessment(time_env.client, wrong)
        except CannotExplain as e:
            assert why in str(e)
        else:
            raise AssertionError(f"{wrong} explained")
