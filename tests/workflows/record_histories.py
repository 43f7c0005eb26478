"""Records the histories that ``test_replay.py`` replays.

Run it when a workflow change is *meant* to be compatible and a new version deserves a
fixture: ``python -m tests.workflows.record_histories v4`` writes ``*-v4.json`` beside the
older ones, which stay: every version that may still be running must keep replaying.
``--only SCENARIO`` (repeatable, the scenario's name with hyphens) records just those: a
new path gets its history without re-recording the others.
Never re-record to make a replay failure go away: that failure is the point (cases live
for years). Each scenario takes the case down one branch of the process.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import temporalio.converter
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.worker import WORKFLOWS
from tests.workflows.fakes import FakeActivities, case_input, decision
from tests.workflows.test_case_workflow import receipt, terminate, wait_for_stage
from verdictflow.domain.lifetime import retraction_event_id
from verdictflow.domain.policy import Eligibility
from verdictflow.domain.requests import OpenRequest, request_workflow_id
from verdictflow.domain.topics import VERDICT_FINALIZED, VERDICT_OVERTURNED
from verdictflow.domain.verdict import Sentence
from verdictflow.platform.codec import EncryptionCodec
from workflows.case.messages import DecisionRequest, DeletionSignal, ReceiptSignal, VerdictSignal
from workflows.case.workflow import VerdictCaseWorkflow
from workflows.request.messages import RequestInput
from workflows.request.workflow import DisclosureRequestWorkflow

HISTORIES = Path(__file__).parent / "histories"
# A fixture key, not a secret: the histories hold the fake test person only.
REPLAY_KEY_ID, REPLAY_KEY = "replay-fixture", b"verdictflow-replay-fixture-key-1"


def replay_converter() -> temporalio.converter.DataConverter:
    return dataclasses.replace(
        temporalio.converter.default(),
        payload_codec=EncryptionCodec(REPLAY_KEY_ID, {REPLAY_KEY_ID: REPLAY_KEY}),
    )


def answer(case_id: str, kind: str, outcome: str, org_id: str) -> DecisionRequest:
    return DecisionRequest(task_id=f"{case_id}-{kind}", outcome=outcome,
                           justification="Begrundelse til optagelsen af historikken.",
                           decided_by="replay-1", org_id=org_id)


def overturn(event_id: str) -> VerdictSignal:
    return VerdictSignal(event_id=event_id, type=VERDICT_OVERTURNED, decided_on="2027-03-01")


# A scenario drives one case; it names the histories to keep: file stem -> workflow id.
Scenario = Callable[[WorkflowEnvironment, WorkflowHandle], Awaitable[dict[str, str]]]


async def appeal_terminate_block(env: WorkflowEnvironment,
                                 handle: WorkflowHandle) -> dict[str, str]:
    await wait_for_stage(handle, "awaiting_finality")
    await handle.signal(VerdictCaseWorkflow.verdict_changed, VerdictSignal(
        event_id="evt-final", type=VERDICT_FINALIZED, decided_on="2027-01-15"))
    await wait_for_stage(handle, "disclosed")
    await handle.signal(VerdictCaseWorkflow.receipt_received, receipt(handle.id))
    await wait_for_stage(handle, "awaiting_decision")
    await handle.execute_update(VerdictCaseWorkflow.decide, terminate(handle.id))
    await handle.result()
    return {"case_appeal_terminate_block": handle.id,
            "reentry_block_expired": f"reentry-{handle.id}"}


async def review_disclose_warn(env: WorkflowEnvironment,
                               handle: WorkflowHandle) -> dict[str, str]:
    await wait_for_stage(handle, "awaiting_review")
    await handle.execute_update(VerdictCaseWorkflow.decide,
                                answer(handle.id, "review", "disclose", "kbh-vestegn"))
    await wait_for_stage(handle, "disclosed")
    await handle.signal(VerdictCaseWorkflow.receipt_received, receipt(handle.id))
    await wait_for_stage(handle, "awaiting_decision")
    await handle.execute_update(VerdictCaseWorkflow.decide,
                                answer(handle.id, "decision", "warn", "bbs"))
    await handle.result()
    return {"case_review_disclose_warn": handle.id}


async def review_withheld(env: WorkflowEnvironment, handle: WorkflowHandle) -> dict[str, str]:
    await wait_for_stage(handle, "awaiting_review")
    await handle.execute_update(VerdictCaseWorkflow.decide,
                                answer(handle.id, "review", "no_disclosure", "kbh-vestegn"))
    await handle.result()
    return {"case_review_withheld": handle.id}


async def reminded_then_overturned(env: WorkflowEnvironment,
                                   handle: WorkflowHandle) -> dict[str, str]:
    await wait_for_stage(handle, "disclosed")
    # A receipt for other bytes first (refused), then the real one.
    await handle.signal(VerdictCaseWorkflow.receipt_received, ReceiptSignal(
        event_id="evt-receipt-0", disclosure_id=f"{handle.id}-d1", org_id="bbs",
        received_at="2026-11-23T10:00:00+00:00", digest="ab" * 32))
    await env.sleep(timedelta(hours=1, minutes=30))  # republished once
    await handle.signal(VerdictCaseWorkflow.receipt_received, receipt(handle.id))
    await wait_for_stage(handle, "awaiting_decision")
    await env.sleep(timedelta(days=15))  # two reminders, then the deadline missed
    await handle.signal(VerdictCaseWorkflow.verdict_changed, overturn("evt-o"))
    await handle.result()
    return {"case_reminded_overturned_retracted": handle.id}


async def block_lifted_on_overturn(env: WorkflowEnvironment,
                                   handle: WorkflowHandle) -> dict[str, str]:
    await wait_for_stage(handle, "disclosed")
    await handle.signal(VerdictCaseWorkflow.receipt_received, receipt(handle.id))
    await wait_for_stage(handle, "awaiting_decision")
    await handle.execute_update(VerdictCaseWorkflow.decide, terminate(handle.id))
    await wait_for_stage(handle, "reentry_blocked")
    await handle.signal(VerdictCaseWorkflow.verdict_changed, overturn("evt-o2"))
    await handle.result()
    return {"case_block_lifted_on_overturn": handle.id,
            "reentry_block_lifted": f"reentry-{handle.id}"}


async def not_eligible(env: WorkflowEnvironment, handle: WorkflowHandle) -> dict[str, str]:
    await handle.result()
    return {"case_not_eligible": handle.id}


async def warn_late_overturn_deleted(env: WorkflowEnvironment,
                                     handle: WorkflowHandle) -> dict[str, str]:
    """From v5: closed after a warning, overturned later: the retraction is chased once,
    then confirmed by the recipient's deletion receipt; retention purges the case."""
    await wait_for_stage(handle, "disclosed")
    await handle.signal(VerdictCaseWorkflow.receipt_received, receipt(handle.id))
    await wait_for_stage(handle, "awaiting_decision")
    await handle.execute_update(VerdictCaseWorkflow.decide,
                                answer(handle.id, "decision", "warn", "bbs"))
    await wait_for_stage(handle, "closed")
    await handle.signal(VerdictCaseWorkflow.verdict_changed, overturn("evt-late-o"))
    await wait_for_stage(handle, "retracted")
    await env.sleep(timedelta(hours=1, minutes=30))  # chased once
    d1 = f"{handle.id}-d1"
    await handle.signal(VerdictCaseWorkflow.deletion_confirmed, DeletionSignal(
        "evt-deleted", d1, "bbs", retraction_event_id(d1), "ab" * 32,
        "2027-05-01T10:00:00+00:00"))
    await handle.result()
    return {"case_warn_late_overturn_deleted": handle.id}


async def retention_purge(env: WorkflowEnvironment, handle: WorkflowHandle) -> dict[str, str]:
    """From v5: closed after no action; purged by itself when retention runs out."""
    await wait_for_stage(handle, "disclosed")
    await handle.signal(VerdictCaseWorkflow.receipt_received, receipt(handle.id))
    await wait_for_stage(handle, "awaiting_decision")
    await handle.execute_update(VerdictCaseWorkflow.decide,
                                answer(handle.id, "decision", "no_action", "bbs"))
    await handle.result()
    return {"case_retention_purge": handle.id}


REQUEST_ID = "req-replay"


async def answers_a_request(env: WorkflowEnvironment, handle: WorkflowHandle) -> dict[str, str]:
    """From v4: the landlord asked (the request is kept open by the police), and the case,
    for the police to review on its own, is disclosed under the 2022 duty."""
    request = env.client.get_workflow_handle(request_workflow_id(REQUEST_ID))
    await wait_for_stage(handle, "disclosed")
    await handle.signal(VerdictCaseWorkflow.receipt_received, receipt(handle.id))
    await wait_for_stage(handle, "awaiting_decision")
    await handle.execute_update(VerdictCaseWorkflow.decide,
                                answer(handle.id, "decision", "no_action", "bbs"))
    await handle.result()
    await request.result()
    return {"case_answers_a_request": handle.id, "request_answered": request.id}


async def request_kept_open(env: WorkflowEnvironment, tq: str, fake: FakeActivities) -> None:
    fake.open_requests = [OpenRequest(REQUEST_ID, "bbs", "broendby-strand")]
    fake.eligibility = dataclasses.replace(fake.eligibility, on_request=Eligibility.ELIGIBLE)
    request = await env.client.start_workflow(
        DisclosureRequestWorkflow.run, RequestInput(
            REQUEST_ID, "bbs", "broendby-strand", "kbh-vestegn", "p-0123456789abcdef",
            "Begrundelse til optagelsen af historikken.", "replay-1", "2026-11-25",
            "2027-02-23", 14), id=request_workflow_id(REQUEST_ID), task_queue=tq)
    while (await request.query(DisclosureRequestWorkflow.details)).open_task is None:
        await asyncio.sleep(0.05)
    await request.execute_update(DisclosureRequestWorkflow.decide,
                                 answer(REQUEST_ID, "review", "keep_open", "kbh-vestegn"))


Before = Callable[[WorkflowEnvironment, str, FakeActivities], Awaitable[None]]
FINE = Sentence(kind="fine", amount_dkk=4000)
# name, the eligibility the stand-in answers, whether the verdict is final, its sentence,
# and what happens before the case starts
SCENARIOS: list[tuple[Scenario, str, bool, Sentence | None, Before | None]] = [
    (appeal_terminate_block, "eligible", False, None, None),
    (review_disclose_warn, "manual_review", True, FINE, None),
    (review_withheld, "manual_review", True, FINE, None),
    (reminded_then_overturned, "eligible", True, None, None),
    (block_lifted_on_overturn, "eligible", True, None, None),
    (not_eligible, "not_eligible", True, None, None),
    (answers_a_request, "manual_review", True, None, request_kept_open),
    (warn_late_overturn_deleted, "eligible", True, None, None),
    (retention_purge, "eligible", True, None, None),
]


async def record(version: str, only: set[str] | None = None) -> None:
    server = Path(sys.executable).parent / "temporal-test-server"
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=replay_converter(),
        test_server_existing_path=str(server) if server.exists() else None)
    from infra.temporal import register_search_attributes

    await register_search_attributes(env.client, "default")
    async with env:
        for scenario, eligibility, final, sentence, before in SCENARIOS:
            name = scenario.__name__.replace("_", "-")
            if only and name not in only:
                continue
            fake = FakeActivities(eligibility=decision(eligibility))
            async with Worker(env.client, task_queue=name, workflows=WORKFLOWS,
                              activities=fake.all()):
                if before is not None:
                    await before(env, name, fake)
                case_id = f"case-replay-{name}"
                handle = await env.client.start_workflow(
                    VerdictCaseWorkflow.run, case_input(case_id, final=final, sentence=sentence),
                    id=case_id, task_queue=name)
                kept = await scenario(env, handle)
            for stem, workflow_id in kept.items():
                history = await env.client.get_workflow_handle(workflow_id).fetch_history()
                path = HISTORIES / f"{stem}-{version}.json"
                path.write_text(history.to_json())
                print(f"recorded {path.name} ({len(history.events)} events)")


if __name__ == "__main__":
    args = sys.argv[1:]
    only = {args[i + 1] for i, a in enumerate(args[:-1]) if a == "--only"}
    rest = [a for i, a in enumerate(args) if a != "--only" and (i == 0 or args[i - 1] != "--only")]
    known = {s.__name__.replace("_", "-") for s, *_ in SCENARIOS}
    if len(rest) != 1 or not only <= known:
        sys.exit("usage: python -m tests.workflows.record_histories VERSION (e.g. v3) "
                 f"[--only SCENARIO ...]; scenarios: {', '.join(sorted(known))}")
    asyncio.run(record(rest[0], only or None))
