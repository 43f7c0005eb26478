"""Records the histories that ``test_replay.py`` replays.

Run it when a workflow change is *meant* to be compatible and a new version deserves a
fixture: ``python -m tests.workflows.record_histories v4`` writes ``*-v4.json`` beside the
older ones, which stay: every version that may still be running must keep replaying.
``--only SCENARIO`` (repeatable, the function's name) records just those, so a new
scenario is added without re-recording the others.
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
from verdictflow.domain.policy import Eligibility, RuleOutcome
from verdictflow.domain.requests import OpenRequest, request_workflow_id
from verdictflow.domain.topics import VERDICT_FINALIZED, VERDICT_OVERTURNED
from verdictflow.domain.verdict import Sentence
from verdictflow.platform.codec import EncryptionCodec
from verdictflow.platform.payloads import PayloadConverter
from workflows.case.messages import (
    CaseInput,
    CourtOutcomeRecord,
    DecisionRequest,
    DeletionSignal,
    ObjectionRecord,
    ReceiptSignal,
    SuitRecord,
    VerdictSignal,
)
from workflows.case.workflow import VerdictCaseWorkflow
from workflows.followup.workflow import MunicipalityFollowUpWorkflow
from workflows.request.messages import RequestInput
from workflows.request.workflow import DisclosureRequestWorkflow

HISTORIES = Path(__file__).parent / "histories"
# A fixture key, not a secret: the histories hold the fake test person only.
REPLAY_KEY_ID, REPLAY_KEY = "replay-fixture", b"verdictflow-replay-fixture-key-1"


def replay_converter() -> temporalio.converter.DataConverter:
    return dataclasses.replace(
        temporalio.converter.default(),
        payload_converter_class=PayloadConverter,  # as the worker reads them
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


async def reentry_tenant_63e(env: WorkflowEnvironment, handle: WorkflowHandle) -> dict[str, str]:
    """From v5: the termination hands the block the tenant's name and address (§ 63 e),
    sealed in the payloads (patch ``reentry-tenant-for-63e``)."""
    await wait_for_stage(handle, "disclosed")
    await handle.signal(VerdictCaseWorkflow.receipt_received, receipt(handle.id))
    await wait_for_stage(handle, "awaiting_decision")
    await handle.execute_update(VerdictCaseWorkflow.decide, terminate(handle.id))
    await handle.result()
    return {"case_reentry_tenant_63e": handle.id,
            "reentry_block_tenant_63e": f"reentry-{handle.id}"}


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


async def escalated_reminded_decided(env: WorkflowEnvironment,
                                     handle: WorkflowHandle) -> dict[str, str]:
    """From v5: nobody decides by the deadline; the task goes to the supervisors, is
    reminded on day 21, and is decided on day 22."""
    await wait_for_stage(handle, "disclosed")
    await handle.signal(VerdictCaseWorkflow.receipt_received, receipt(handle.id))
    await wait_for_stage(handle, "awaiting_decision")
    await env.sleep(timedelta(days=22))
    await handle.execute_update(VerdictCaseWorkflow.decide,
                                answer(handle.id, "decision", "warn", "bbs"))
    await handle.result()
    return {"case_escalated_reminded_decided": handle.id}


async def young_person_followup(env: WorkflowEnvironment,
                                handle: WorkflowHandle) -> dict[str, str]:
    """From v5: a 15-year-old's verdict; the municipality's follow-up runs beside the case
    and records a børne- og ungepålæg while the housing organisation's task is open; then
    the organisation decides. (The municipality answers first because Temporal's
    time-skipping test server stops skipping time once a parent closes before its
    abandoned child, which would stall the scenarios recorded after this one.)"""
    await wait_for_stage(handle, "disclosed")
    await handle.signal(VerdictCaseWorkflow.receipt_received, receipt(handle.id))
    await wait_for_stage(handle, "awaiting_decision")
    followup = env.client.get_workflow_handle(f"followup-{handle.id}")
    while await followup.query(MunicipalityFollowUpWorkflow.open_task) is None:
        await asyncio.sleep(0.05)
    await followup.execute_update(MunicipalityFollowUpWorkflow.decide, answer(
        handle.id, "municipality_followup", "boerne_og_ungepaalaeg", "broendby"))
    await followup.result()
    await handle.execute_update(VerdictCaseWorkflow.decide,
                                answer(handle.id, "decision", "no_action", "bbs"))
    await handle.result()
    return {"case_young_person_followup": handle.id,
            "municipality_followup_recorded": followup.id}


async def open_task_is(handle: WorkflowHandle, task_id: str) -> None:
    while True:
        task = (await handle.query(VerdictCaseWorkflow.status)).open_task
        if task is not None and task.task_id == task_id:
            return
        await asyncio.sleep(0.05)


async def appeal_confirmed_final(env: WorkflowEnvironment,
                                 handle: WorkflowHandle) -> dict[str, str]:
    """From v5: an appeal that never reports back; after 44 days the police district is
    asked (still pending), after 30 more again (final), and the case goes on."""
    await wait_for_stage(handle, "awaiting_finality")
    await env.sleep(timedelta(days=45))
    await open_task_is(handle, f"{handle.id}-confirm_finality-1")
    await handle.execute_update(VerdictCaseWorkflow.decide, answer(
        handle.id, "confirm_finality-1", "still_pending", "kbh-vestegn"))
    await env.sleep(timedelta(days=31))
    await open_task_is(handle, f"{handle.id}-confirm_finality-2")
    await handle.execute_update(VerdictCaseWorkflow.decide, answer(
        handle.id, "confirm_finality-2", "final", "kbh-vestegn"))
    await wait_for_stage(handle, "disclosed")
    await handle.signal(VerdictCaseWorkflow.receipt_received, receipt(handle.id))
    await wait_for_stage(handle, "awaiting_decision")
    await handle.execute_update(VerdictCaseWorkflow.decide,
                                answer(handle.id, "decision", "no_action", "bbs"))
    await handle.result()
    return {"case_appeal_confirmed_final": handle.id}


async def resident_in_the_area(env: WorkflowEnvironment, tq: str,
                               fake: FakeActivities) -> None:
    fake.eligibility = dataclasses.replace(
        fake.eligibility, municipality_id="broendby",
        rules=[*fake.eligibility.rules, RuleOutcome("residence", True, "Bor i området.")])


def young_person(case_id: str) -> CaseInput:
    """Born 10 May 2011 (7th digit 4, year 11: the 2000s): 15 on the verdict day."""
    c = case_input(case_id)
    person = dataclasses.replace(c.verdict.person, cpr="1005114123")
    return dataclasses.replace(c, verdict=dataclasses.replace(c.verdict, person=person))


# Scenarios whose case input is not case_input()'s
INPUTS: dict[str, Callable[[str], CaseInput]] = {"young-person-followup": young_person}

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
    (reentry_tenant_63e, "eligible", True, None, None),
    (escalated_reminded_decided, "eligible", True, None, None),
    (young_person_followup, "eligible", True, None, resident_in_the_area),
    (appeal_confirmed_final, "eligible", False, None, None),
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
            if only and scenario.__name__ not in only:
                continue
            name = scenario.__name__.replace("_", "-")
            fake = FakeActivities(eligibility=decision(eligibility))
            async with Worker(env.client, task_queue=name, workflows=WORKFLOWS,
                              activities=fake.all()):
                if before is not None:
                    await before(env, name, fake)
                case_id = f"case-replay-{name}"
                made = INPUTS.get(name)
                case = (made(case_id) if made else
                        case_input(case_id, final=final, sentence=sentence))
                handle = await env.client.start_workflow(
                    VerdictCaseWorkflow.run, case, id=case_id, task_queue=name)
                kept = await scenario(env, handle)
            for stem, workflow_id in kept.items():
                history = await env.client.get_workflow_handle(workflow_id).fetch_history()
                path = HISTORIES / f"{stem}-{version}.json"
                path.write_text(history.to_json())
                print(f"recorded {path.name} ({len(history.events)} events)")


def _main(argv: list[str]) -> None:
    known = {s.__name__ for s, *_ in SCENARIOS}
    args, only = list(argv), set()
    while "--only" in args:
        at = args.index("--only")
        if at + 1 >= len(args) or args[at + 1] not in known:
            sys.exit(f"--only takes one of: {', '.join(sorted(known))}")
        only.add(args[at + 1])
        del args[at:at + 2]
    if len(args) != 1:
        sys.exit("usage: python -m tests.workflows.record_histories VERSION [--only SCENARIO]...")
    asyncio.run(record(args[0], only or None))


if __name__ == "__main__":
    _main(sys.argv[1:])
