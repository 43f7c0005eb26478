"""Records the histories that ``test_replay.py`` replays.

Run it when a workflow change is *meant* to be compatible and a new version deserves a
fixture: ``python -m tests.workflows.record_histories v3`` writes ``*-v3.json`` beside the
older ones, which stay: every version that may still be running must keep replaying.
Never re-record to make a replay failure go away: that failure is the point (cases live
for years).
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from pathlib import Path

import temporalio.converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.worker import WORKFLOWS
from tests.workflows.fakes import FakeActivities
from tests.workflows.test_case_workflow import receipt, start, terminate, wait_for_stage
from verdictflow.domain.topics import VERDICT_FINALIZED
from verdictflow.platform.codec import EncryptionCodec
from workflows.case.messages import VerdictSignal
from workflows.case.workflow import VerdictCaseWorkflow

HISTORIES = Path(__file__).parent / "histories"
# A fixture key, not a secret: the histories hold the fake test person only.
REPLAY_KEY_ID, REPLAY_KEY = "replay-fixture", b"verdictflow-replay-fixture-key-1"


def replay_converter() -> temporalio.converter.DataConverter:
    return dataclasses.replace(
        temporalio.converter.default(),
        payload_codec=EncryptionCodec(REPLAY_KEY_ID, {REPLAY_KEY_ID: REPLAY_KEY}),
    )


async def record(version: str) -> None:
    server = Path(sys.executable).parent / "temporal-test-server"
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=replay_converter(),
        test_server_existing_path=str(server) if server.exists() else None)
    from infra.temporal import register_search_attributes

    await register_search_attributes(env.client, "default")
    fake = FakeActivities()
    async with env, Worker(env.client, task_queue="replay", workflows=WORKFLOWS,
                           activities=fake.all()):
        handle = await start(env, "replay", "case-replay-appeal", final=False)
        await wait_for_stage(handle, "awaiting_finality")
        await handle.signal(VerdictCaseWorkflow.verdict_changed, VerdictSignal(
            event_id="evt-final", type=VERDICT_FINALIZED, decided_on="2027-01-15"))
        await wait_for_stage(handle, "disclosed")
        await handle.signal(VerdictCaseWorkflow.receipt_received, receipt("case-replay-appeal"))
        await wait_for_stage(handle, "awaiting_decision")
        await handle.execute_update(VerdictCaseWorkflow.decide, terminate("case-replay-appeal"))
        await handle.result()
        for workflow_id, name in ((handle.id, "case_appeal_terminate_block"),
                                  ("reentry-case-replay-appeal", "reentry_block_expired")):
            history = await env.client.get_workflow_handle(workflow_id).fetch_history()
            path = HISTORIES / f"{name}-{version}.json"
            path.write_text(history.to_json())
            print(f"recorded {path.name} ({len(history.events)} events)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.workflows.record_histories VERSION (e.g. v3)")
    asyncio.run(record(sys.argv[1]))
