"""The case after its process: late overturns retract and are confirmed, a silent gateway
is chased, damages are owed after a termination took effect, and retention purges the
case by itself, after which its history no longer opens."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.retention import RetentionActivities
from services.worker import WORKFLOWS
from tests.workflows.fakes import CPR, NAME, FakeActivities, stand_in
from tests.workflows.test_case_workflow import awaiting_decision, terminate, wait_for_stage
from verdictflow.domain.lifetime import retraction_event_id
from verdictflow.domain.topics import VERDICT_FINALIZED, VERDICT_OVERTURNED
from verdictflow.domain.verdict import Sentence, VerdictChange
from verdictflow.platform.codec import CasePurged
from verdictflow.platform.keys import FileKeyStore
from verdictflow.platform.purge import shred_case
from verdictflow.platform.readmodel import read_model_database
from verdictflow.platform.settings import Settings
from verdictflow.platform.temporal import data_converter
from workflows.case.messages import (
    DecisionRequest,
    DeletionSignal,
    PurgeDone,
    PurgeRequest,
    TaskClosing,
    VerdictSignal,
)
from workflows.case.workflow import VerdictCaseWorkflow


def worker(env: WorkflowEnvironment, tq: str, fake: FakeActivities,
           purge: object | None = None) -> Worker:
    activities = fake.all(but=[RetentionActivities.purge_case]) + [purge] if purge \
        else fake.all()
    return Worker(env.client, task_queue=tq, workflows=WORKFLOWS, activities=activities)


def decided(case_id: str, outcome: str, **kw: str) -> DecisionRequest:
    if outcome == "terminate":
        return terminate(case_id, **kw)
    # Route and ground belong to a termination only (the decision's validator).
    return dataclasses.replace(terminate(case_id, **kw), outcome=outcome,
                               termination_date=None, route=None, ground=None)


def overturn(event_id: str = "evt-late-o") -> VerdictSignal:
    return VerdictSignal(event_id=event_id, type=VERDICT_OVERTURNED, decided_on="2027-05-01")


def deleted(case_id: str, org: str = "bbs") -> DeletionSignal:
    d1 = f"{case_id}-d1"
    return DeletionSignal(event_id=f"evt-deleted-{org}", disclosure_id=d1, org_id=org,
                          retraction_id=retraction_event_id(d1), retraction_digest="ab" * 32,
                          deleted_at="2027-05-01T10:00:00+00:00")


async def until(predicate: object, timeout: float = 60) -> None:
    async def poll() -> None:
        while not predicate():  # type: ignore[operator]
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), timeout)


async def closed_after_warn(env: WorkflowEnvironment, tq: str, case_id: str) -> WorkflowHandle:
    handle = await awaiting_decision(env, tq, case_id)
    await handle.execute_update(VerdictCaseWorkflow.decide, decided(case_id, "warn"))
    await wait_for_stage(handle, "closed")
    return handle


async def test_an_overturn_after_a_warning_retracts_and_the_deletion_is_recorded(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    case_id = "case-late-overturn"
    async with worker(time_env, task_queue, fake):
        handle = await closed_after_warn(time_env, task_queue, case_id)
        assert fake.retracted == []  # a warning stands while the verdict does
        await handle.signal(VerdictCaseWorkflow.verdict_changed, overturn())
        await wait_for_stage(handle, "retracted")
        assert fake.retracted == [f"{case_id}-d1"]
        status = await handle.query(VerdictCaseWorkflow.status)
        assert status.retraction_id == retraction_event_id(f"{case_id}-d1")

        # Only the recipient's confirmation of this retraction counts.
        await handle.signal(VerdictCaseWorkflow.deletion_confirmed, deleted(case_id, "fsb"))
        await handle.signal(VerdictCaseWorkflow.deletion_confirmed, dataclasses.replace(
            deleted(case_id), event_id="evt-other", retraction_id="another-retraction"))
        await handle.signal(VerdictCaseWorkflow.deletion_confirmed, deleted(case_id))
        await until(lambda: fake.deletions)
        result = await handle.result()  # two years on: purged

    [record] = fake.deletions
    assert (record.org_id, record.retraction_id) == ("bbs", status.retraction_id)
    assert len(fake.retractions) == 1  # confirmed at once: never chased
    assert (result.final_stage, result.ended_as, result.outcome) == ("purged", "retracted",
                                                                     "warn")
    assert fake.stages[-3:] == ["closed", "retracted", "purged"]


async def test_a_missing_deletion_receipt_is_chased_with_the_same_retraction(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    case_id = "case-silent-gateway"
    async with worker(time_env, task_queue, fake):
        handle = await closed_after_warn(time_env, task_queue, case_id)
        await handle.signal(VerdictCaseWorkflow.verdict_changed, overturn())
        await wait_for_stage(handle, "retracted")
        await time_env.sleep(timedelta(hours=1, minutes=30))  # chased once after an hour
        assert len(fake.retractions) == 2
        await time_env.sleep(timedelta(hours=2))  # then after two more
        assert len(fake.retractions) == 3
        assert len({(r.disclosure_id, r.at, r.org_id) for r in fake.retractions}) == 1
        await handle.signal(VerdictCaseWorkflow.deletion_confirmed, deleted(case_id))
        await until(lambda: fake.deletions)
        await time_env.sleep(timedelta(days=30))
        assert len(fake.retractions) == 3  # confirmed: the chase is over
        await handle.terminate("test over")


def shredding(keys: FileKeyStore, tmp_path: Path, purged: list[PurgeRequest]) -> object:
    """The purge activity as the worker runs it, on the session's key store: the same
    ``shred_case`` as ``verdictflow case purge``."""
    db = read_model_database(Settings(environment="test", state_dir=tmp_path))

    @stand_in(RetentionActivities.purge_case)
    async def purge_case(req: PurgeRequest) -> PurgeDone:
        purged.append(req)
        done = await shred_case(db, keys, req.case_id, actor=req.actor, once=True)
        return PurgeDone(req.case_id, done.key_destroyed, done.tasks_cleared)

    return purge_case


async def payloads_of(handle: WorkflowHandle) -> list[Payload]:
    history = await handle.fetch_history()
    found: list[Payload] = []
    for e in history.events:
        for attrs in (e.workflow_execution_started_event_attributes.input,
                      e.activity_task_scheduled_event_attributes.input,
                      e.activity_task_completed_event_attributes.result,
                      e.workflow_execution_completed_event_attributes.result):
            found.extend(attrs.payloads)
        # Local activities' results (the terms, the partnership, the assessment) are markers.
        if e.marker_recorded_event_attributes.marker_name == "core_local_activity":
            found.extend(e.marker_recorded_event_attributes.details["result"].payloads)
    return found


async def assert_shredded(handle: WorkflowHandle, keys: FileKeyStore) -> None:
    """Every payload sealed under the case key no longer opens; what the worker wrote
    after the purge opens with the platform key and holds ids and counts only."""
    codec = data_converter(keys).payload_codec
    assert codec is not None
    payloads = await payloads_of(handle)
    under_case = [p for p in payloads
                  if p.metadata["encryption-key-id"] == f"case:{handle.id}".encode()]
    after = [p for p in payloads if p not in under_case]
    assert len(under_case) > 10
    for p in under_case:
        with pytest.raises(CasePurged):
            await codec.decode([p])
    assert len(after) == 2  # the purge activity's result and the workflow's result
    for p in after:
        [plain] = await codec.decode([p])
        assert CPR.encode() not in plain.data and NAME.split()[0].encode() not in plain.data
    assert keys.case_keys().status(handle.id) == "destroyed"


async def test_a_terminated_tenants_case_purges_itself_when_the_block_expires(
        time_env: WorkflowEnvironment, task_queue: str, session_keys: FileKeyStore,
        tmp_path: Path) -> None:
    fake, purged = FakeActivities(), []
    case_id = "case-retention-block"
    async with worker(time_env, task_queue, fake, shredding(session_keys, tmp_path, purged)):
        handle = await awaiting_decision(time_env, task_queue, case_id)
        today = (await time_env.get_current_time()).date()
        await handle.execute_update(VerdictCaseWorkflow.decide, terminate(
            case_id, termination_date=today.isoformat()))
        result = await handle.result()

    [lift] = fake.lifts
    [purge] = purged
    assert lift.reason == "expired"
    assert purge.last_stage.at[:10] == lift.lifted_on  # the day the block ran out
    assert (purge.actor, purge.last_stage.stage, purge.last_stage.person_ref) == (
        "retention", "purged", None)
    assert (result.final_stage, result.ended_as) == ("purged", "closed")
    await assert_shredded(handle, session_keys)


async def test_a_closed_case_purges_itself_the_policys_years_after_closing(
        time_env: WorkflowEnvironment, task_queue: str, session_keys: FileKeyStore,
        tmp_path: Path) -> None:
    fake, purged = FakeActivities(), []
    fake.terms = dataclasses.replace(fake.terms, retention_after_close_years=3)
    case_id = "case-retention-closed"
    async with worker(time_env, task_queue, fake, shredding(session_keys, tmp_path, purged)):
        handle = await closed_after_warn(time_env, task_queue, case_id)
        closed = datetime.fromisoformat(fake.stage_changes[-1].at)
        await time_env.sleep(timedelta(days=365 * 3 - 2))
        assert purged == []  # not a day early
        result = await handle.result()

    [purge] = purged
    at = datetime.fromisoformat(purge.last_stage.at)
    assert at.date() == date(closed.year + 3, closed.month, closed.day)
    assert at - closed < timedelta(days=365 * 3 + 2)
    assert (result.final_stage, result.ended_as, result.outcome) == ("purged", "closed", "warn")
    await assert_shredded(handle, session_keys)


async def tenant_moved_out(env: WorkflowEnvironment, tq: str, case_id: str) -> WorkflowHandle:
    handle = await awaiting_decision(env, tq, case_id)
    moved_out = (await env.get_current_time()).date() - timedelta(days=10)
    await handle.execute_update(VerdictCaseWorkflow.decide, terminate(
        case_id, termination_date=moved_out.isoformat()))
    await wait_for_stage(handle, "reentry_blocked")
    return handle


def damages(case_id: str, outcome: str = "settled") -> DecisionRequest:
    return DecisionRequest(task_id=f"{case_id}-damages", outcome=outcome,
                           justification="Tabet er betalt og genhusning er tilbudt.",
                           decided_by="cw-2", org_id="bbs")


async def test_an_overturn_after_the_tenant_moved_out_opens_a_damages_task(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    case_id = "case-damages"
    async with worker(time_env, task_queue, fake):
        handle = await tenant_moved_out(time_env, task_queue, case_id)
        await handle.signal(VerdictCaseWorkflow.verdict_changed, overturn())
        await wait_for_stage(handle, "retracted")
        await until(lambda: len(fake.tasks) == 2)
        task = fake.tasks[-1]
        assert (task.task_id, task.kind, task.org_id) == (f"{case_id}-damages", "damages",
                                                          "bbs")
        assert task.sealed_disclosure is None
        status = await handle.query(VerdictCaseWorkflow.status)
        assert status.open_task is not None and status.open_task.kind == "damages"
        assert [lift.reason for lift in fake.lifts] == ["overturned"]

        accepted = await handle.execute_update(VerdictCaseWorkflow.decide, damages(case_id))
        assert accepted.outcome == "settled"
        await until(lambda: len(fake.closed_tasks) == 2)
        assert fake.closed_tasks[-1] == TaskClosing(f"{case_id}-damages", "done", "settled",
                                                    "cw-2")
        await handle.terminate("test over")


async def test_a_changed_sanction_after_the_tenant_moved_out_opens_a_damages_task(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    case_id = "case-damages-sanction"
    async with worker(time_env, task_queue, fake):
        handle = await tenant_moved_out(time_env, task_queue, case_id)
        same = VerdictChange("evt-f1", VERDICT_FINALIZED, "KBV-2026-000001", "2027-05-01",
                             sentence=Sentence(kind="unconditional_custody", days=60))
        await handle.signal(VerdictCaseWorkflow.verdict_changed, VerdictSignal(
            "evt-f1", VERDICT_FINALIZED, "2027-05-01", same))
        await time_env.sleep(timedelta(hours=1))
        assert len(fake.tasks) == 1  # the same sanction: the basis stands
        lighter = dataclasses.replace(same, event_id="evt-f2",
                                      sentence=Sentence(kind="conditional_custody", days=60))
        await handle.signal(VerdictCaseWorkflow.verdict_changed, VerdictSignal(
            "evt-f2", VERDICT_FINALIZED, "2027-06-01", lighter))
        await until(lambda: len(fake.tasks) == 2)
        assert fake.tasks[-1].kind == "damages"
        assert (await handle.query(VerdictCaseWorkflow.status)).stage == "reentry_blocked"
        await handle.terminate("test over")
        await time_env.client.get_workflow_handle(f"reentry-{case_id}").terminate("test over")


async def test_no_damages_when_the_verdict_fell_before_the_tenant_moved_out(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    case_id = "case-no-damages"
    async with worker(time_env, task_queue, fake):
        handle = await awaiting_decision(time_env, task_queue, case_id)
        later = (await time_env.get_current_time()).date() + timedelta(days=60)
        await handle.execute_update(VerdictCaseWorkflow.decide, terminate(
            case_id, termination_date=later.isoformat()))
        await wait_for_stage(handle, "reentry_blocked")
        await handle.signal(VerdictCaseWorkflow.verdict_changed, overturn())
        await wait_for_stage(handle, "retracted")
        await time_env.sleep(timedelta(hours=1))
        assert [t.kind for t in fake.tasks] == ["decision"]
        await handle.terminate("test over")
