"""``verdictflow ops`` on the real stack: an overdue task and a dead letter the test made
are listed; ``ops dlq replay`` re-drives the letter once, and a replay that fails again is
left for a person, not looped. No CPR number or name in anything printed."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import structlog
from temporalio.worker import Worker
from typer.testing import CliRunner

from tests.integration.events import CPR, NAME, registered
from tests.integration.platform import eventually, headers_of, produce, read_topic, running_platform
from tests.workflows.ops_probe import OpsFailing, ops_always_fails
from verdictflow.cli.main import app as cli
from verdictflow.domain.identity import case_id_for
from verdictflow.domain.topics import POLICE_VERDICTS, dlq
from verdictflow.platform.dlq import list_dead_letters
from verdictflow.platform.log import configure
from verdictflow.platform.ops import failing_activities
from verdictflow.platform.readmodel import Task

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def log_file(tmp_path: Path) -> Iterator[Path]:
    """The services' lines to a file, as in production: none among the command's output
    (structlog unconfigured prints to the stdout the CLI runner captures)."""
    path = tmp_path / "ops.json.log"
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure("ops-test", "INFO", path)
    yield path
    for handler in root.handlers[:]:
        root.removeHandler(handler)
        handler.close()
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])
    structlog.reset_defaults()


async def run(*args: str) -> str:
    # The command runs its own event loop: in a thread, beside the test's.
    result = await asyncio.to_thread(CliRunner().invoke, cli, list(args))
    assert result.exit_code == 0, result.output
    assert CPR not in result.output and NAME not in result.output
    return result.output


async def test_ops_lists_what_needs_a_person_and_replays_once(stack, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr("verdictflow.platform.settings.get_settings", lambda: stack)
    verdict_id = f"KBV-OPS-{uuid.uuid4().hex[:8]}"
    poison = registered(verdict_id)
    del poison["data"]["court"]  # invalid: never applicable, dead-lettered (sealed)
    task_id = f"task-ops-{uuid.uuid4().hex[:8]}"
    before = len(await list_dead_letters(stack, POLICE_VERDICTS))

    async with running_platform(stack, orgs=[]) as platform:
        with platform.read_model.session() as s:
            s.add(Task(task_id=task_id, case_id="case-" + "0" * 32, kind="decision",
                       org_id="bbs", due_on=date.today() - timedelta(days=3)))
            s.commit()
        await produce(stack, POLICE_VERDICTS, (verdict_id.encode(), json.dumps(poison).encode()))

        async def ours() -> list:
            letters = await list_dead_letters(stack, POLICE_VERDICTS)
            return letters[before:] if len(letters) > before else []

        [letter] = await eventually(ours, what="the poison event dead-lettered")
        position = f"{letter.partition}:{letter.offset}"

        overview = json.loads(await run("ops", "--json"))
        [task] = [t for t in overview["overdue_tasks"] if t["task_id"] == task_id]
        assert task["days_overdue"] == 3 and task["org_id"] == "bbs"
        [police] = [d for d in overview["dead_letters"] if d["topic"] == POLICE_VERDICTS]
        assert police["depth"] == before + 1
        if before == 0:
            assert police["oldest_position"] == position
            assert police["oldest_reason_code"] == "invalid_event"
        lags = {(g["topic"], g["partition"]): g for g in overview["ingest_lag"]}
        assert (POLICE_VERDICTS, 0) in lags
        assert "failing_activities" not in overview["unavailable"]
        text = await run("ops")
        assert task_id in text and f"{POLICE_VERDICTS}.dlq: {before + 1}" in text

        first = json.loads(await run("ops", "dlq", "replay", POLICE_VERDICTS, "--json"))
        assert position in first["replayed"]

        async def failed_again() -> list:
            letters = await list_dead_letters(stack, POLICE_VERDICTS)
            return [d for d in letters if d.replayed_from == position]

        # Still invalid: ingest dead-letters the replay again, marked as a replay.
        [again] = await eventually(failed_again, what="the replay dead-lettered again")

        second = json.loads(await run("ops", "dlq", "replay", POLICE_VERDICTS, "--json"))
        assert position in second["before"] and position not in second["replayed"]
        assert f"{again.partition}:{again.offset}" in second["failed_again"]

    replays = [r for r in await read_topic(stack, POLICE_VERDICTS)
               if headers_of(r).get("dlq-replayed-from") == position.encode()]
    assert len(replays) == 1  # replayed once, whatever the number of runs
    records = await read_topic(stack, dlq(POLICE_VERDICTS))
    assert all(CPR.encode() not in (r.value or b"") for r in records)  # sealed copies


async def test_failing_activities_show_type_and_attempt_never_the_message(stack) -> None:  # noqa: ANN001
    async with running_platform(stack, orgs=[]) as platform:
        queue = f"ops-{uuid.uuid4().hex[:8]}"
        async with Worker(platform.client, task_queue=queue, workflows=[OpsFailing],
                          activities=[ops_always_fails]):
            handle = await platform.client.start_workflow(
                OpsFailing.run, f"{NAME} {CPR}", id=f"ops-failing-{queue}", task_queue=queue)

            async def failing() -> list:
                return [a for a in await failing_activities(platform.client)
                        if a.workflow_id == handle.id and a.attempt >= 3]

            try:
                [activity] = await eventually(failing, what="the third attempt")
            finally:
                await handle.terminate()
    assert (activity.workflow_type, activity.activity_type) == ("OpsFailing",
                                                                "ops_always_fails")
    assert activity.failure_type == "RuntimeError"
    assert CPR not in str(activity) and NAME not in str(activity)


async def test_a_case_logs_its_stages_with_the_events_trace_id(stack, log_file) -> None:  # noqa: ANN001
    verdict_id = f"KBV-TRACE-{uuid.uuid4().hex[:8]}"
    event_id = f"evt-ops-{uuid.uuid4().hex[:8]}"  # no ten-digit run: kept as it is
    async with running_platform(stack, orgs=["bbs"]) as platform:
        case_id = case_id_for(verdict_id, platform.keys.pseudonym_key())
        event = registered(verdict_id, event_id=event_id)
        await produce(stack, POLICE_VERDICTS, (verdict_id.encode(), json.dumps(event).encode()))

        async def stage_lines() -> list:
            lines = [json.loads(line) for line in log_file.read_text().splitlines()]
            return [line for line in lines if line["event"] == "stage_changed"
                    and line.get("case_id") == case_id and line["seq"] >= 2] or []

        stages = await eventually(stage_lines, what="the case's stage lines")
    text = log_file.read_text()
    assert CPR not in text and NAME not in text
    for line in stages:
        assert (line["trace_id"], line["workflow_id"]) == (event_id, case_id)
        # Recorded by the activity that brought the stage about (locally, for a new case).
        assert line["activity"] in {"record_stage", "deliver_disclosure", "open_task"}
        assert line["service"] == "ops-test"
    started = [json.loads(line) for line in text.splitlines() if '"case_started"' in line]
    assert started and started[0]["trace_id"] == event_id
    assert started[0]["person_ref"].startswith("p-")  # the key name intact, searchable
