"""Activities that keep the read model and ``case.events.v1`` in step with the workflow.

Idempotent on ``(case_id, seq)``: a stage change retried after it was written is neither
written nor published twice with a different identity (the event id is derived from it).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from temporalio import activity

from activities.deps import Deps
from verdictflow.domain.cloudevents import cloud_event
from verdictflow.domain.reminders import Notice
from verdictflow.domain.topics import CASE_EVENTS, CASE_STAGE_CHANGED
from verdictflow.platform.audit import DISCLOSURE_DELETED, record_audit
from verdictflow.platform.readmodel import CaseRecord, Task, utcnow
from workflows.case.messages import (
    CaseTerms,
    DeadlineNotice,
    DeletionRecord,
    StageChange,
    TaskClosing,
    TaskOpening,
)

CASE_DEADLINE: dict[str, str] = {
    Notice.REMINDER: "dk.tryghed.case.decision-reminder.v1",
    Notice.DEADLINE_MISSED: "dk.tryghed.case.decision-overdue.v1",
}


class CaseBookActivities:
    """The case book: the read model and ``case.events.v1``.

    The activity names (``name=``) stand in recorded histories: they never change,
    whatever the methods are called.
    """

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.db = deps.read_model

    @activity.defn(name="case_terms")
    async def case_terms(self) -> CaseTerms:
        # The case is pinned here: the version in force on the day it is registered.
        policies = self.deps.policies
        p = policies.terms(policies.for_new_case(datetime.now(UTC).date()).version)
        return CaseTerms(
            policy_version=p.version,
            await_finality=p.await_finality,
            decision_deadline_days=p.decision_deadline_days,
            reminder_days=list(p.reminder_days),
            reentry_block_years=p.reentry_block_years,
            receipt_timeout_seconds=self.deps.settings.receipt_timeout_seconds,
            termination_days_before=p.termination_window.days_before,
            termination_days_after=p.termination_window.days_after,
            review_other_ground=p.review_other_ground,
            retention_after_close_years=p.retention_after_close_years,
        )

    @activity.defn(name="record_stage")
    async def record_stage(self, change: StageChange) -> None:
        await asyncio.to_thread(self._upsert_case, change)
        data = {
            "case_id": change.case_id,
            "seq": change.seq,
            "stage": change.stage,
            "police_district": change.police_district,
            "partnership_id": change.partnership_id,
            "area_id": change.area_id,
            "housing_org_id": change.housing_org_id,
            "eligibility": change.eligibility,
            "policy_version": change.policy_version,
            "outcome": change.outcome,
            "rules_failed": change.rules_failed,
        }
        event = cloud_event(
            type=CASE_STAGE_CHANGED,
            subject=change.case_id,
            data=data,
            time=change.at,
            idempotency_key=f"{change.case_id}:stage:{change.seq}",
        )
        await self.deps.publisher.publish(CASE_EVENTS, change.case_id, event)

    def _upsert_case(self, change: StageChange) -> None:
        with self.db.session() as s:
            row = s.get(CaseRecord, change.case_id)
            if row is None:
                row = CaseRecord(case_id=change.case_id, stage=change.stage)
            elif row.stage_seq >= change.seq:
                return  # an older or repeated change
            for name in ("stage", "police_district", "partnership_id", "area_id",
                         "housing_org_id", "person_ref", "eligibility", "policy_version",
                         "outcome"):
                value = getattr(change, name)
                if value is not None:
                    setattr(row, name, value)
            row.stage_seq = change.seq
            row.updated_at = utcnow()
            s.add(row)
            s.commit()

    @activity.defn(name="open_task")
    async def open_task(self, t: TaskOpening) -> None:
        def write() -> None:
            with self.db.session() as s:
                if s.get(Task, t.task_id) is not None:
                    return
                s.add(Task(task_id=t.task_id, case_id=t.case_id, kind=t.kind, org_id=t.org_id,
                           due_on=date.fromisoformat(t.due_on),
                           sealed_disclosure=t.sealed_disclosure))
                s.commit()

        await asyncio.to_thread(write)

    @activity.defn(name="close_task")
    async def close_task(self, c: TaskClosing) -> None:
        def write() -> None:
            with self.db.session() as s:
                task = s.get(Task, c.task_id)
                if task is None or task.status != "open":
                    return
                task.status = c.status
                task.outcome = c.outcome
                task.decided_by = c.decided_by
                task.decided_at = utcnow()
                s.add(task)
                s.commit()

        await asyncio.to_thread(write)

    @activity.defn(name="notify_deadline")
    async def notify_deadline(self, n: DeadlineNotice) -> None:
        event = cloud_event(
            type=CASE_DEADLINE[n.kind],
            subject=n.case_id,
            data={"case_id": n.case_id, "task_id": n.task_id, "org_id": n.org_id,
                  "due_on": n.due_on},
            time=n.at,
            idempotency_key=f"{n.task_id}:{n.kind}:{n.at[:10]}",
        )
        await self.deps.publisher.publish(CASE_EVENTS, n.case_id, event)

    @activity.defn(name="record_deletion")
    async def record_deletion(self, d: DeletionRecord) -> None:
        # Idempotent on the retraction: ``once`` matches the detail, which names it.
        await asyncio.to_thread(
            record_audit, self.db, actor=d.org_id, action=DISCLOSURE_DELETED,
            org_id=d.org_id, case_id=d.case_id,
            detail=f"{d.disclosure_id} deleted on retraction {d.retraction_id}", once=True)
