"""The Temporal worker: hosts the case and re-entry workflows and their activities, and
the relay that reports § 28 refusals to the municipalities (``services.refusal_reports``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import PollerBehaviorSimpleMaximum, Worker

from activities.casebook import CaseBookActivities
from activities.deps import Deps
from activities.disclosure import DisclosureActivities
from activities.eligibility import EligibilityActivities
from activities.municipality import MunicipalityActivities
from activities.reentry import ReentryActivities
from activities.requests import RequestActivities
from activities.retention import RetentionActivities
from services.refusal_reports import run_relay
from verdictflow.platform.settings import Settings
from workflows.case.workflow import VerdictCaseWorkflow
from workflows.followup.workflow import MunicipalityFollowUpWorkflow
from workflows.reentry.workflow import ReentryBlockWorkflow
from workflows.request.workflow import DisclosureRequestWorkflow

WORKFLOWS = [VerdictCaseWorkflow, ReentryBlockWorkflow, DisclosureRequestWorkflow,
             MunicipalityFollowUpWorkflow]


def activities_of(deps: Deps) -> list[Callable[..., Any]]:
    book = CaseBookActivities(deps)
    disclosure = DisclosureActivities(deps)
    reentry = ReentryActivities(deps)
    requests = RequestActivities(deps)
    eligibility = EligibilityActivities(deps)
    return [
        book.case_terms, book.record_stage, book.open_task, book.close_task,
        book.notify_deadline, book.escalate_task, book.record_deletion,
        eligibility.assess_eligibility, eligibility.case_partnership,
        MunicipalityActivities(deps).notify_municipality,
        disclosure.seal_disclosure, disclosure.publish_disclosure, disclosure.deliver_disclosure,
        disclosure.retract_disclosure,
        reentry.place_block, reentry.lift_block,
        requests.record_request, requests.matching_cases, requests.open_requests,
        RetentionActivities(deps).purge_case,
    ]


def worker_options(settings: Settings) -> dict[str, Any]:
    """The worker's cache, slots, pollers and sticky timeout, from settings (each default
    and its reason in ``Settings``)."""
    return {
        "max_cached_workflows": settings.worker_max_cached_workflows,
        "max_concurrent_workflow_tasks": settings.worker_max_concurrent_workflow_tasks,
        "max_concurrent_activities": settings.worker_max_concurrent_activities,
        "max_concurrent_local_activities": settings.worker_max_concurrent_local_activities,
        "sticky_queue_schedule_to_start_timeout": timedelta(
            seconds=settings.worker_sticky_schedule_to_start_seconds),
        "workflow_task_poller_behavior": PollerBehaviorSimpleMaximum(
            settings.worker_workflow_task_pollers),
        "activity_task_poller_behavior": PollerBehaviorSimpleMaximum(
            settings.worker_activity_task_pollers),
    }


def build_worker(client: Client, deps: Deps) -> Worker:
    return Worker(
        client,
        task_queue=deps.settings.task_queue,
        workflows=WORKFLOWS,
        activities=activities_of(deps),
        **worker_options(deps.settings),
    )


async def run_worker(client: Client, deps: Deps) -> None:
    await deps.publisher.start()
    relay = asyncio.create_task(run_relay(deps.read_model, deps.publisher))
    try:
        await build_worker(client, deps).run()
    finally:
        relay.cancel()
        await asyncio.gather(relay, return_exceptions=True)
        await deps.publisher.stop()
        deps.read_model.dispose()
