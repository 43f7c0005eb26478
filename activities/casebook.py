"""Activities that keep the read model and ``case.events.v1`` in step with the workflow.

Idempotent on ``(case_id, seq)``: a stage change retried after it was written is neither
written nor published twice with a different identity (the event id is derived from it).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import col, select
from temporalio import activity

from activities.deps import Deps
from verdictflow.domain.cloudevents import cloud_event
from verdictflow.domain.reminders import Notice
from verdictflow.domain.topics import CASE_EVENTS, CASE_STAGE_CHANGED, TASK_ESCALATED
from verdictflow.platform import metrics
from verdictflow.platform.audit import DISCLOSURE_DELETED, record_audit
from verdictflow.platform.database import Database
from verdictflow.platform.log import get_logger
from verdictflow.platform.readmodel import (
    CaseRecord,
    CaseStageRecord,
    SentDisclosure,
    Task,
    utcnow,
)
from workflows.case.messages import (
    CaseTerms,
    DeadlineNotice,
    DeletionRecord,
    StageChange,
    TaskClosing,
    TaskEscalation,
    TaskOpening,
)

log = get_logger("casebook")

CASE_DEADLINE: dict[str, str] = {
    Notice.REMINDER: "dk.tryghed.case.decision-reminder.v1",
    Notice.DEADLINE_MISSED: "dk.tryghed.case.decision-overdue.v1",
}


def stage_record(change: StageChange) -> CaseStageRecord:
    """The history row of a stage change: ids and the stage, never the person reference."""
    at = datetime.fromisoformat(change.at)
    return CaseStageRecord(
        case_id=change.case_id, seq=change.seq, stage=change.stage,
        at=at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC),
        partnership_id=change.partnership_id, area_id=change.area_id,
        housing_org_id=change.housing_org_id, police_district=change.police_district,
        eligibility=change.eligibility, outcome=change.outcome)


async def record_stages(deps: Deps, changes: list[StageChange]) -> None:
    """Writes each stage change to the read model and ``case.events.v1``, in order.

    Idempotent on ``(case_id, seq)``: a change written before finds its history row, and
    its event id is derived from the same key. Shared by every activity that records the
    stage it brings about (``record_stage``, ``open_task``, ``deliver_disclosure``).
    """
    if not changes:
        return
    # One transaction for the changes and one acknowledgement for their events: a step
    # records up to three stages (the delivery: registered, assessed, disclosed).
    new = await asyncio.to_thread(_upsert_cases, deps.read_model, changes)
    for change, is_new in zip(changes, new, strict=True):
        if is_new:  # once per stage change (a retry finds its history row): the operator's line
            log.info("stage_changed", case_id=change.case_id, stage=change.stage,
                     seq=change.seq)
            metrics.stage_entered(change.stage)
    await deps.publisher.publish_in_order(
        CASE_EVENTS, [(change.case_id, stage_event(change)) for change in changes])


def stage_event(change: StageChange) -> dict[str, Any]:
    """``case.events.v1``'s record of a stage change; its id derived from (case_id, seq)."""
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
    return cloud_event(
        type=CASE_STAGE_CHANGED,
        subject=change.case_id,
        data=data,
        time=change.at,
        idempotency_key=f"{change.case_id}:stage:{change.seq}",
    )


def _upsert_cases(db: Database, changes: list[StageChange]) -> list[bool]:
    """Writes the changes in order; for each, True if its history row is new (not a retry)."""
    with db.session() as s:
        # The history first, in the same transaction: a repeated change finds its row
        # (the key is (case_id, seq)) and a change older than the case row still lands.
        known = set(s.exec(select(CaseStageRecord.case_id, CaseStageRecord.seq).where(
            col(CaseStageRecord.case_id).in_({c.case_id for c in changes}),
            col(CaseStageRecord.seq).in_({c.seq for c in changes}))).all())
        rows: dict[str, CaseRecord] = {}
        new: list[bool] = []
        for change in changes:
            key = (change.case_id, change.seq)
            new.append(key not in known)
            if key not in known:
                known.add(key)
                s.add(stage_record(change))
            row = rows.get(change.case_id) or s.get(CaseRecord, change.case_id)
            if row is None:
                row = CaseRecord(case_id=change.case_id, stage=change.stage)
            elif row.stage_seq >= change.seq:
                continue  # an older or repeated change
            rows[change.case_id] = row
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
        return new


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
            appeal_window_days=p.appeal_window_days,
            finality_confirmation_margin_days=p.finality_confirmation_margin_days,
            escalation_reminder_days=p.escalation_reminder_days,
            opsigelse_notice_months=p.termination_periods.notice_months,
            objection_window_weeks=p.termination_periods.objection_weeks,
            landlord_sue_weeks=p.termination_periods.sue_weeks,
        )

    @activity.defn(name="record_stage")
    async def record_stage(self, change: StageChange) -> None:
        # The earlier stages first, so the read model and case.events.v1 see every stage in
        # seq order; each is idempotent on its own (case_id, seq), so a retry repeats none.
        await record_stages(self.deps, [*change.earlier, change])

    @activity.defn(name="open_task")
    async def open_task(self, t: TaskOpening) -> None:
        # Idempotent on the task id; the stage it opens (``t.stage``), on its (case, seq).
        def write() -> None:
            with self.db.session() as s:
                if s.get(Task, t.task_id) is not None:
                    return
                sealed = t.sealed_disclosure
                if sealed is None and t.disclosure_id is not None:
                    # Delivered in one step: the copy kept when it was sealed and published.
                    sent = s.get(SentDisclosure, t.disclosure_id)
                    sealed = sent.sealed if sent else None
                s.add(Task(task_id=t.task_id, case_id=t.case_id, kind=t.kind, org_id=t.org_id,
                           due_on=date.fromisoformat(t.due_on),
                           sealed_disclosure=sealed, legal_basis=t.legal_basis))
                s.commit()

        await asyncio.to_thread(write)
        if t.stage is not None:
            await record_stages(self.deps, [*t.stage.earlier, t.stage])

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
                metrics.task_closed(task.kind, task.status, task.created_at, task.decided_at)

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

    @activity.defn(name="escalate_task")
    async def escalate_task(self, e: TaskEscalation) -> None:
        """The task goes to the organisation's supervisors: marked in the read model (once;
        the supervisors' inbox lists it first) and told on ``case.events.v1``, ids only.
        Idempotent on the task id: a retry finds it marked and publishes the same event."""
        def write() -> None:
            with self.db.session() as s:
                task = s.get(Task, e.task_id)
                if task is None or task.status != "open" or task.escalated_at is not None:
                    return
                task.escalated_at = datetime.fromisoformat(e.at)
                task.escalated_to = e.to_role
                s.add(task)
                s.commit()

        await asyncio.to_thread(write)
        event = cloud_event(
            type=TASK_ESCALATED,
            subject=e.case_id,
            data={"case_id": e.case_id, "task_id": e.task_id, "org_id": e.org_id,
                  "escalated_to": e.to_role, "due_on": e.due_on},
            time=e.at,
            idempotency_key=f"{e.task_id}:escalated",
        )
        await self.deps.publisher.publish(CASE_EVENTS, e.case_id, event)
