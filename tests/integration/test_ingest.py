"""Ingest against the real broker and server: dead letters, duplicates, ordering."""

from __future__ import annotations

import json
import uuid

import pytest
from temporalio.client import WorkflowExecutionStatus

from tests.integration.events import CPR, registered
from tests.integration.platform import (
    eventually,
    headers_of,
    produce,
    read_topic,
    running_platform,
)
from verdictflow.domain.identity import case_id_for
from verdictflow.domain.topics import POLICE_VERDICTS, dlq
from verdictflow.platform.deadletter import open_dead_letter
from workflows.case.workflow import VerdictCaseWorkflow

pytestmark = pytest.mark.integration


def encoded(event: dict) -> tuple[bytes, bytes]:
    return event["subject"].encode(), json.dumps(event).encode()


async def test_poison_messages_are_dead_lettered_and_ingest_goes_on(stack) -> None:  # noqa: ANN001
    verdict_id = f"KBV-IT-{uuid.uuid4().hex[:8]}"
    missing_court = registered(f"{verdict_id}-x")
    del missing_court["data"]["court"]
    poison = [
        (b"garbage", b"{not json"),
        (b"garbage", b"\xff\xfe binary"),
        encoded(missing_court),
        encoded({**registered(verdict_id), "type": "dk.politi.verdict.exploded.v1"}),
    ]
    async with running_platform(stack, orgs=["bbs"]) as platform:
        await produce(stack, POLICE_VERDICTS, *poison, encoded(registered(verdict_id)))
        case_id = case_id_for(verdict_id, platform.keys.pseudonym_key())
        handle = platform.client.get_workflow_handle(case_id)

        async def started() -> bool:
            try:
                return (await handle.describe()).status is not None
            except Exception:  # noqa: BLE001 - not there yet
                return False

        await eventually(started, what="the valid event after the poison to start its case")

        async def dead_letters() -> list:
            records = await read_topic(stack, dlq(POLICE_VERDICTS))
            mine = [r for r in records if r.key in (b"garbage", verdict_id.encode(),
                                                    f"{verdict_id}-x".encode())]
            return mine if len(mine) >= 4 else []

        letters = await eventually(dead_letters, what="four dead letters")
        await handle.terminate("test over")

    reasons = [headers_of(r)["dlq-reason"].decode() for r in letters]
    assert any("JSON" in r for r in reasons)
    assert any("court" in r for r in reasons)
    assert any("exploded" in r or "type" in r for r in reasons)
    for r in letters:
        h = headers_of(r)
        assert h["dlq-original-topic"] == POLICE_VERDICTS.encode()
        assert int(h["dlq-original-offset"]) >= 0
        assert CPR.encode() not in r.value  # sealed at rest on the DLQ ...
    # ... yet nothing is lost: an operator opens the original bytes again.
    originals = [open_dead_letter(r.value, headers_of(r), platform.keys) for r in letters]
    assert b"{not json" in originals
    assert any(CPR.encode() in o for o in originals)


async def test_one_case_however_often_a_verdict_is_sent(stack) -> None:  # noqa: ANN001
    verdict_id = f"KBV-IT-{uuid.uuid4().hex[:8]}"
    first = registered(verdict_id, final=False)
    resent_by_another_producer = registered(verdict_id, final=False)  # new event id
    async with running_platform(stack, orgs=["bbs"]) as platform:
        await produce(stack, POLICE_VERDICTS, encoded(first), encoded(first),
                      encoded(resent_by_another_producer))
        case_id = case_id_for(verdict_id, platform.keys.pseudonym_key())

        async def handled() -> bool:
            return platform.ingest.handled >= 3

        await eventually(handled, what="the three copies to be handled")
        handle = platform.client.get_workflow_handle(case_id)

        async def waiting() -> bool:
            return (await handle.query(VerdictCaseWorkflow.status)).stage == "awaiting_finality"

        await eventually(waiting, what="the case to wait for finality")

        async def listed() -> list:  # visibility is eventually consistent
            return [w async for w in platform.client.list_workflows(f'WorkflowId = "{case_id}"')]

        runs = await eventually(listed, what="the case in the visibility store")
        await handle.terminate("test over")

    assert len(runs) == 1
    assert runs[0].status == WorkflowExecutionStatus.RUNNING
    assert verdict_id not in case_id and CPR not in case_id
