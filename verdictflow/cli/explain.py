"""``verdictflow policy explain CASE_ID``: the assessment recorded in the case's history.

The history is the record: the ``assess_eligibility`` result the case acted on, decrypted
with the platform's keys (a purged case no longer opens). Cases started before the
``lean-before-decision`` patch ran it as an activity (the result is in the completed
event); newer cases run it locally (the result is in a ``core_local_activity`` marker).
Each explanation is audited, as it shows what the verdict was.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from temporalio import activity
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.eligibility import EligibilityActivities
from verdictflow.domain.explain import explain
from verdictflow.domain.identity import is_case_id
from verdictflow.domain.policy import EligibilityDecision
from verdictflow.platform.audit import POLICY_EXPLAIN, record_audit
from verdictflow.platform.database import Database

# The name the activity is recorded under, taken from its definition (temporalio keeps it
# there and has no public getter), so a rename cannot leave this reading nothing.
ASSESS = activity._Definition.must_from_callable(EligibilityActivities.assess_eligibility).name


# How the SDK records a local activity: this marker, whose plain JSON "data" names the
# activity and whose "result" is the (encrypted) return value. A failed attempt that was
# retried is no marker; a marker without a result is a failure and holds no assessment.
LOCAL_ACTIVITY_MARKER = "core_local_activity"


def _local_activity_type(data: Sequence[Payload]) -> str | None:
    if not data or data[0].metadata.get("encoding") != b"json/plain":
        return None
    recorded = json.loads(data[0].data)
    return recorded.get("activity_type") if isinstance(recorded, dict) else None


class CannotExplain(Exception):
    """``str(self)`` says why, for the person at the terminal."""


def check_case_id(case_id: str) -> None:
    """Checked before anything reaches Temporal."""
    if not is_case_id(case_id):
        raise CannotExplain(f"{case_id!r} is not a case id (case-… as the Web UI shows it)")


async def recorded_assessment(client: Client, case_id: str) -> EligibilityDecision | None:
    """The case's last assessment, or None if it has not been assessed yet."""
    check_case_id(case_id)
    handle = client.get_workflow_handle(case_id)
    scheduled: set[int] = set()
    last: EligibilityDecision | None = None
    try:
        async for event in handle.fetch_history_events():
            if event.HasField("activity_task_scheduled_event_attributes"):
                attrs = event.activity_task_scheduled_event_attributes
                if attrs.activity_type.name == ASSESS:
                    scheduled.add(event.event_id)
            elif event.HasField("activity_task_completed_event_attributes"):
                done = event.activity_task_completed_event_attributes
                if done.scheduled_event_id in scheduled:
                    [last] = await client.data_converter.decode(done.result.payloads,
                                                                [EligibilityDecision])
            elif event.HasField("marker_recorded_event_attributes"):
                marker = event.marker_recorded_event_attributes
                if (marker.marker_name == LOCAL_ACTIVITY_MARKER and "result" in marker.details
                        and _local_activity_type(marker.details["data"].payloads) == ASSESS):
                    [last] = await client.data_converter.decode(
                        marker.details["result"].payloads, [EligibilityDecision])
    except RPCError as e:
        if e.status == RPCStatusCode.NOT_FOUND:
            raise CannotExplain(f"no case {case_id} (or its history is past retention)") from e
        raise
    return last


async def explain_case(client: Client, db: Database, case_id: str, actor: str) -> list[str]:
    decision = await recorded_assessment(client, case_id)
    if decision is None:
        raise CannotExplain(f"{case_id} has not been assessed yet (it may await finality)")
    record_audit(db, actor=actor, action=POLICY_EXPLAIN, case_id=case_id)
    return explain(case_id, decision)
