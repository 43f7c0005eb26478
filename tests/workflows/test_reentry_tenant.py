"""A terminated case hands the block almenboligloven § 63 e's name and address, inside
encrypted payloads only: never in search attributes, never readable in history."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment

from tests.workflows.fakes import CPR, NAME, FakeActivities
from tests.workflows.test_case_workflow import awaiting_decision, case_worker, terminate
from verdictflow.domain.identity import block_workflow_id
from workflows.case.workflow import VerdictCaseWorkflow


async def test_the_block_carries_the_tenant_only_inside_encrypted_payloads(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle = await awaiting_decision(time_env, task_queue, "case-tenant63e")
        await handle.execute_update(VerdictCaseWorkflow.decide, terminate("case-tenant63e"))
        await handle.result()  # the test server skips the block's two years
        block = time_env.client.get_workflow_handle(block_workflow_id("case-tenant63e"))
        histories = [await handle.fetch_history(), await block.fetch_history()]
        described = [await handle.describe(), await block.describe()]

    [placed] = fake.blocks
    assert placed.tenant_name == NAME
    assert placed.tenant_address == "Strandesplanaden 12, 3. tv, 2660 Brøndby Strand"
    assert placed.ground == "almenlejeloven § 90, stk. 1, nr. 10"  # the decision's ground

    raw = b"".join(e.SerializeToString() for h in histories for e in h.events)
    assert b"p-0123456789abcdef" in raw  # the scan sees what stands in plaintext
    # The case's one patch marker, standing for every change before it (the new path ran).
    assert b"lean-disclosure" in raw and b"reentry-tenant-for-63e" not in raw
    for secret in (NAME, "Strandesplanaden", CPR, "Brøndby Strand"):
        assert secret.encode() not in raw
    for d in described:
        attributes = repr(d.typed_search_attributes) + repr(
            d.raw_description.workflow_execution_info.memo)
        assert NAME not in attributes and "Strandesplanaden" not in attributes
