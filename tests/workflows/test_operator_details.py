"""The case's current details for operators: where it stands, what it waits for and until
when, in ids and stages only."""

from __future__ import annotations

from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.testing import WorkflowEnvironment

from tests.workflows.fakes import FakeActivities, case_input
from tests.workflows.test_case_workflow import awaiting_decision, case_worker
from workflows.case.details import current_details, static_summary
from workflows.case.state import CaseState


async def test_the_case_says_what_it_waits_for(time_env: WorkflowEnvironment,
                                               task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle = await awaiting_decision(time_env, task_queue, "case-details")
        meta = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
        await handle.terminate("test over")
    details = meta.current_details
    assert "**Stage** awaiting_decision" in details
    assert "the decision task of bbs, due " in details
    assert "**Case** case-details" in details


def test_details_hold_ids_and_stages_only() -> None:
    case = case_input("case-x")
    person = case.verdict.person
    text = current_details("case-x", case.verdict.police_district, CaseState()) + \
        static_summary("case-x", case.verdict.police_district)
    assert "**Waits for** its policy terms" in text
    for secret in (person.cpr, person.name, case.person_ref):
        assert secret not in text
