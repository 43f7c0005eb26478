"""The whole path on the real stack: Kafka in, case, sealed disclosure, receipt, decision
through the API, re-entry block out; then a byte scan for personal data everywhere."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from services.api.app import create_app
from services.api.auth import issue_dev_token
from tests.integration.events import CPR, NAME, OFFENCE, ophaevelse, registered
from tests.integration.platform import as_json, eventually, read_topic, running_platform
from verdictflow.domain.case import add_years
from verdictflow.domain.identity import case_id_for, person_ref
from verdictflow.domain.topics import (
    ALL_TOPICS,
    CASE_EVENTS,
    HOUSING_RECEIPTS,
    POLICE_VERDICTS,
    REENTRY_BLOCKS,
)
from verdictflow.platform.log import configure

pytestmark = pytest.mark.integration
ORG = "bbs"  # owns the department at Strandesplanaden in the reference data


async def test_verdict_to_reentry_block(stack) -> None:  # noqa: ANN001
    verdict_id = f"KBV-E2E-{uuid.uuid4().hex[:8]}"
    event = registered(verdict_id)
    terminated = date.today() + timedelta(days=60)  # inside the policy's window
    # Every line the in-process services write, at the most talkative level, is scanned.
    configure("e2e", "DEBUG", Path(stack.state_dir, "logs", "e2e-services.log"))
    async with running_platform(stack, orgs=[ORG, "pab"]) as platform:
        producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
        await producer.start()
        for _ in range(2):  # sent twice: still one case
            await producer.send_and_wait(POLICE_VERDICTS, json.dumps(event).encode(),
                                         key=verdict_id.encode())
        await producer.stop()
        case_id = case_id_for(verdict_id, platform.keys.pseudonym_key())

        app = create_app(stack, temporal_client=platform.client)
        token = issue_dev_token(stack, platform.keys, ORG, subject="sagsbehandler-1")
        auth = {"Authorization": f"Bearer {token}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as api:
            async def my_task() -> dict | None:
                tasks = (await api.get("/tasks", headers=auth)).json()
                return next((t for t in tasks if t["case_id"] == case_id), None)

            task = await eventually(my_task, what="the decision task to open")
            detail = (await api.get(f"/tasks/{task['task_id']}", headers=auth)).json()
            assert detail["disclosure"]["person"]["name"] == NAME
            assert CPR not in json.dumps(detail)

            other = issue_dev_token(stack, platform.keys, "pab")
            assert (await api.get(f"/tasks/{task['task_id']}",
                                  headers={"Authorization": f"Bearer {other}"})).status_code == 404

            decision = await api.post(f"/tasks/{task['task_id']}/decision", headers=auth,
                                      json=ophaevelse(terminated))
            assert decision.status_code == 200, decision.text

        async def block_placed() -> dict | None:
            for r in await read_topic(stack, REENTRY_BLOCKS):
                e = as_json(r)
                if e["subject"] == case_id and e["type"].endswith("placed.v1"):
                    return {"key": r.key, **e}
            return None

        block = await eventually(block_placed, what="dk.tryghed.reentry-block.placed.v1")
        receipts = [as_json(r) for r in await read_topic(stack, HOUSING_RECEIPTS)]
        await platform.client.get_workflow_handle(case_id).terminate("test over")
        await platform.client.get_workflow_handle(f"reentry-{case_id}").terminate("test over")

    assert block["key"] == b"broendby-strand"
    assert block["data"]["person_ref"] == person_ref(CPR, platform.keys.pseudonym_key())
    assert (block["data"]["placed_on"], block["data"]["expires_on"]) == (
        terminated.isoformat(), add_years(terminated, 2).isoformat())
    assert any(r["data"]["case_id"] == case_id for r in receipts)
    stages = [as_json(r)["data"]["stage"] for r in await read_topic(stack, CASE_EVENTS)
              if as_json(r)["subject"] == case_id]
    assert stages[:4] == ["registered", "eligibility", "disclosed", "awaiting_decision"]
    assert "reentry_blocked" in stages

    await assert_no_personal_data_anywhere(stack, case_id)


async def assert_no_personal_data_anywhere(stack, case_id: str) -> None:  # noqa: ANN001
    secrets = [CPR.encode(), NAME.encode(), OFFENCE.encode(), b"Strandesplanaden"]
    outgoing = [t for t in ALL_TOPICS if t != POLICE_VERDICTS]  # the ingress topic may hold it
    seen_case = False
    for topic in outgoing:
        for r in await read_topic(stack, topic):
            blob = (r.key or b"") + (r.value or b"") + b"".join(v for _, v in r.headers or [])
            seen_case |= case_id.encode() in blob
            for s in secrets:
                assert s not in blob, f"personal data on {topic}"
    assert seen_case  # the scan did read this case's records

    temporal_files = list(Path(stack.state_dir, "temporal").glob("temporal.db*"))
    assert temporal_files
    assert_absent(secrets, temporal_files)

    # Kafka's own files: every partition's segments except the ingress topic, where the
    # police's producers put the person in plaintext (the contract allows it there only).
    segments = [f for f in Path(stack.state_dir, "kafka", "data").rglob("*") if f.is_file()
                and not f.parent.name.startswith(f"{POLICE_VERDICTS}-")]
    assert any(f.suffix == ".log" and f.stat().st_size for f in segments)
    assert_absent(secrets, segments)

    logs = [f for f in Path(stack.state_dir, "logs").rglob("*") if f.is_file()]
    service_log = Path(stack.state_dir, "logs", "e2e-services.log").read_text()
    assert case_id in service_log and '"level": "debug"' in service_log  # it did log
    assert_absent(secrets, logs)


def assert_absent(secrets: list[bytes], files: list[Path]) -> None:
    for f in files:
        data = f.read_bytes()
        for s in secrets:
            assert s not in data, f"personal data in {f}"
