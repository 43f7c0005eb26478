"""Records the histories that ``test_replay.py`` replays.

Run it when a workflow change is *meant* to be compatible and a new version deserves a
fixture: ``python -m tests.workflows.record_histories v4`` writes ``*-v4.json`` beside the
older ones, which stay: every version that may still be running must keep replaying.
``--only SCENARIO`` (repeatable, e.g. ``--only opsigelse-objection-not-sued``) records only
those scenarios, so a change can add its own without touching anybody else's files.
Never re-record to make a replay failure go away: that failure is the point (cases live
for years). Each scenario takes the case down one branch of the process.
"""

from __future__ import annotations

import argparse
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
from verdictflow.domain.policy import Eligibility
from verdictflow.domain.requests import OpenRequest, request_workflow_id
from verdictflow.domain.topics import VERDICT_FINALIZED, VERDICT_OVERTURNED
from verdictflow.domain.verdict import Sentence
from verdictflow.platform.codec import EncryptionCodec
from workflows.case.messages import (
    CourtOutcomeRecord,
    DecisionRequest,
    ObjectionRecord,
    ReceiptSignal,
    SuitRecord,
    VerdictSignal,
)
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


async def decided_to_terminate(env: WorkflowEnvironment, handle: WorkflowHandle,
                               **route: str) -> str:
    """Disclosed, receipted, and terminated today by the route given; today's date."""
    await wait_for_stage(handle, "disclosed")
    await handle.signal(VerdictCaseWorkflow.receipt_received, receipt(handle.id))
    await wait_for_stage(handle, "awaiting_decision")
    today = (await env.get_current_time()).date().isoformat()
    await handle.execute_update(VerdictCaseWorkflow.decide,
                                terminate(handle.id, termination_date=today, **route))
    return today


async def opsigelse_objection_not_sued(env: WorkflowEnvironment,
                                       handle: WorkflowHandle) -> dict[str, str]:
    """From v5: an opsigelse (§ 85), the tenant objects, the landlord does not sue within
    six weeks of the tenant's deadline: the block lifts (udlejningsbek. § 28)."""
    today = await decided_to_terminate(env, handle, route="opsigelse",
                                       ground="almenlejeloven § 85, stk. 1, nr. 4")
    await wait_for_stage(handle, "termination_noticed")
    await handle.execute_update(VerdictCaseWorkflow.record_objection,
                                ObjectionRecord("bbs", "replay-1", today))
    await handle.result()
    return {"case_opsigelse_objection_not_sued": handle.id,
            "reentry_block_lifted_not_sued": f"reentry-{handle.id}"}


async def ophaevelse_court_unjustified(env: WorkflowEnvironment,
                                       handle: WorkflowHandle) -> dict[str, str]:
    """From v5: an ophævelse (§ 90, stk. 1, nr. 10), the organisation goes to fogedretten,
    the court finds it unjustified: the block lifts."""
    today = await decided_to_terminate(env, handle, route="ophaevelse",
                                       ground="almenlejeloven § 90, stk. 1, nr. 10")
    await wait_for_stage(handle, "reentry_blocked")
    await handle.execute_update(VerdictCaseWorkflow.record_suit,
                                SuitRecord("bbs", "replay-1", today))
    await wait_for_stage(handle, "in_court")
    await handle.execute_update(VerdictCaseWorkflow.record_court_outcome,
                                CourtOutcomeRecord("bbs", "replay-1", "unjustified", today))
    await handle.result()
    return {"case_ophaevelse_court_unjustified": handle.id,
            "reentry_block_lifted_unjustified": f"reentry-{handle.id}"}


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
    (opsigelse_objection_not_sued, "eligible", True, None, None),
    (ophaevelse_court_unjustified, "eligible", True, None, None),
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
            if only is not None and name not in only:
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
    parser = argparse.ArgumentParser(prog="python -m tests.workflows.record_histories")
    parser.add_argument("version", help="the suffix of the files written, e.g. v5")
    parser.add_argument("--only", action="append", metavar="SCENARIO",
                        choices=[s[0].__name__.replace("_", "-") for s in SCENARIOS],
                        help="record only this scenario (repeatable)")
    args = parser.parse_args()
    asyncio.run(record(args.version, set(args.only) if args.only else None))
