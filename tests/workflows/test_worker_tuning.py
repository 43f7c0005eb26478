"""The worker's tuning comes from settings, and its sandboxed cases share compiled code
without sharing state (verdictflow.platform.bytecode)."""

from __future__ import annotations

import importlib
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import PollerBehaviorSimpleMaximum, Worker

import workflows.case.workflow as case_workflow_module
from activities.deps import Deps
from services.worker import WORKFLOWS, build_worker, worker_options
from tests.workflows.fakes import FakeActivities
from tests.workflows.test_case_workflow import awaiting_decision
from verdictflow.platform import bytecode
from verdictflow.platform.keys import FileKeyStore, provision
from verdictflow.platform.settings import Settings


async def test_a_worker_built_from_settings_has_their_values(
        time_env: WorkflowEnvironment, task_queue: str, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    for name, value in {"MAX_CACHED_WORKFLOWS": "123", "MAX_CONCURRENT_WORKFLOW_TASKS": "7",
                        "MAX_CONCURRENT_ACTIVITIES": "11",
                        "MAX_CONCURRENT_LOCAL_ACTIVITIES": "13",
                        "STICKY_SCHEDULE_TO_START_SECONDS": "45",
                        "WORKFLOW_TASK_POLLERS": "3", "ACTIVITY_TASK_POLLERS": "2"}.items():
        monkeypatch.setenv(f"VF_WORKER_{name}", value)
    settings = Settings(environment="test", state_dir=tmp_path, task_queue=task_queue)
    keys = FileKeyStore(settings.keys_dir)
    provision(keys, [])
    deps = Deps.build(settings)  # nothing started: the publisher is never used here
    try:
        config = build_worker(time_env.client, deps).config()
    finally:
        deps.read_model.dispose()
    assert config.get("task_queue") == task_queue
    assert config.get("max_cached_workflows") == 123
    assert config.get("max_concurrent_workflow_tasks") == 7
    assert config.get("max_concurrent_activities") == 11
    assert config.get("max_concurrent_local_activities") == 13
    assert config.get("sticky_queue_schedule_to_start_timeout") == timedelta(seconds=45)
    assert config.get("workflow_task_poller_behavior") == PollerBehaviorSimpleMaximum(3)
    assert config.get("activity_task_poller_behavior") == PollerBehaviorSimpleMaximum(2)


def test_the_defaults_bound_the_cache_below_the_sdks() -> None:
    """10,000 open cases at the SDK's 1,000 cached took the worker past 400 MB."""
    options = worker_options(Settings(environment="test"))
    assert options["max_cached_workflows"] == 500
    assert options["sticky_queue_schedule_to_start_timeout"] == timedelta(seconds=30)


@pytest.fixture
def shared_code() -> object:
    finder = bytecode.share_code(("workflows", "sharedcode_probe"))
    yield finder
    bytecode.unshare_code(finder)


def test_imports_share_code_but_not_globals(shared_code: object, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "sharedcode_probe.py"
    source.write_text("seen = []\n\ndef note(x):\n    seen.append(x)\n    return len(seen)\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    def fresh() -> object:  # as the sandbox does: the module imported anew
        sys.modules.pop("sharedcode_probe", None)
        return importlib.import_module("sharedcode_probe")

    first, second = fresh(), fresh()
    assert first is not second
    assert first.note.__code__ is second.note.__code__  # type: ignore[attr-defined]
    assert first.note("a") == 1  # type: ignore[attr-defined]
    assert second.seen == []  # type: ignore[attr-defined]
    # an edited module (another size) is compiled again, never run stale
    source.write_text("seen = []\n\ndef note(x):\n    seen.append(x)\n    return -len(seen)\n")
    assert fresh().note("b") == -1  # type: ignore[attr-defined]
    sys.modules.pop("sharedcode_probe", None)


async def test_sandboxed_cases_run_on_shared_code(shared_code: object,
                                                  time_env: WorkflowEnvironment,
                                                  task_queue: str) -> None:
    """The sandbox's per-case imports of the workflow module go through the shared loader,
    and the cases run as before (each in a namespace of its own)."""
    path = case_workflow_module.__file__
    fake = FakeActivities()
    async with Worker(time_env.client, task_queue=task_queue, workflows=WORKFLOWS,
                      activities=fake.all()):
        await awaiting_decision(time_env, task_queue, "case-shared-1")
        await awaiting_decision(time_env, task_queue, "case-shared-2")
    assert any(key[0] == path for key in bytecode._CODE)
    assert len(fake.tasks) == 2
