"""What a new case costs Temporal before its decision task (issue 11): counted in its history.

A new case carries one patch marker (``lean-disclosure``, standing for every change before
it), schedules two activities (the delivery and the task), carries the sealed disclosure
nowhere in its history (the delivery returns only its digest) and still records every
stage, each once, in order.
"""

from __future__ import annotations

from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from tests.workflows.fakes import FakeActivities
from tests.workflows.test_case_workflow import awaiting_decision, case_worker


async def test_a_new_case_reaches_its_decision_task_in_two_activities(
        time_env: WorkflowEnvironment, task_queue: str) -> None:
    fake = FakeActivities()
    async with case_worker(time_env, task_queue, fake):
        handle = await awaiting_decision(time_env, task_queue, "case-shape")
        history = await handle.fetch_history()
        await handle.terminate("test over")

    scheduled = [e.activity_task_scheduled_event_attributes.activity_type.name
                 for e in history.events
                 if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]
    assert scheduled == ["deliver_disclosure", "open_task"]
    markers = [e.marker_recorded_event_attributes for e in history.events
               if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED]
    patches = [m.details["patch-data"].payloads[0].data for m in markers
               if m.marker_name == "core_patch"]
    assert len(patches) == 1 and b"lean-disclosure" in patches[0]
    # The reads and the assessment ran locally: their results are markers, not activities.
    assert sum(m.marker_name == "core_local_activity" for m in markers) == 4

    # Every stage recorded once, in order, with its own seq.
    assert fake.stages == ["registered", "eligibility", "disclosed", "awaiting_decision"]
    assert [c.seq for c in fake.stage_changes] == [1, 2, 3, 4]
    # The task takes the sealed copy from the read model: not carried through the history.
    [task] = fake.tasks
    assert task.sealed_disclosure is None and task.disclosure_id == "case-shape-d1"
