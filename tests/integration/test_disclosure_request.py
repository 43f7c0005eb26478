"""Disclosure on request on the real stack: a housing organisation asks through the API,
the police district gets the request in its inbox, and a verdict covered by § 90, stk. 1,
nr. 10 that arrives later is disclosed to that organisation without a review (the 2022
duty), though on its own it would have gone to the police (policy v2, § 63 d's connection).
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from services.api.app import create_app
from services.api.auth import issue_dev_token
from tests.integration.platform import eventually, read_topic, running_platform
from tests.integration.test_end_to_end import assert_absent
from verdictflow.cli.explain import explain_case
from verdictflow.domain.identity import case_id_for
from verdictflow.domain.samples import sample_verdicts
from verdictflow.domain.topics import ALL_TOPICS, POLICE_VERDICTS
from verdictflow.platform.reference import load_reference

pytestmark = pytest.mark.integration
ORG, AREA, DISTRICT = "gab", "vaerebro-park", "kbh-vestegn"


def knallert(stack) -> tuple[dict[str, Any], str, str]:  # noqa: ANN001
    """The moped verdict 670 m from the property, outside the area, as a new verdict of a
    new person: (event, CPR number, name)."""
    [sample] = [s for s in sample_verdicts(load_reference(stack).partnerships, date.today())
                if s.key == "vp-knallert"]
    event = copy.deepcopy(sample.events[0])
    verdict_id = f"KBV-REQ-{uuid.uuid4().hex[:8]}"
    cpr = sample.cpr[:6] + "9877"
    data = event["data"]
    event.update(id=str(uuid.uuid4()), subject=verdict_id)
    data["verdict_id"] = verdict_id
    data["person"]["cpr"] = cpr
    return event, cpr, data["person"]["name"]


async def test_a_request_reaches_the_police_and_a_later_nr10_verdict_answers_it(stack) -> None:  # noqa: ANN001, E501
    event, cpr, name = knallert(stack)
    async with running_platform(stack, orgs=[ORG]) as platform:
        app = create_app(stack, temporal_client=platform.client)
        housing = {"Authorization": "Bearer " + issue_dev_token(
            stack, platform.keys, ORG, subject="sagsbehandler-gab")}
        police = {"Authorization": "Bearer " + issue_dev_token(
            stack, platform.keys, DISTRICT, role="police_reviewer", subject="politi-1")}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://api") as api:
            made = await api.post("/disclosure-requests", headers=housing, json={
                "cpr": cpr, "area_id": AREA,
                "reason": "Beboere melder om farlig kørsel på stierne; vi spørger om dom."})
            assert made.status_code == 201, made.text
            request_id = made.json()["request_id"]

            async def police_task() -> dict | None:
                tasks = (await api.get("/tasks", headers=police)).json()
                return next((t for t in tasks if t["kind"] == "request"
                             and t["case_id"] == f"request-{request_id}"), None)

            task = await eventually(police_task, what="the request in the police's inbox")
            kept = await api.post(f"/tasks/{task['task_id']}/decision", headers=police, json={
                "outcome": "keep_open",
                "justification": "Værebro Park har en tryghedsindsats; anmodningen følges."})
            assert kept.status_code == 200, kept.text

            # The verdict arrives while the request is open.
            producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
            await producer.start()
            await producer.send_and_wait(POLICE_VERDICTS, json.dumps(event).encode(),
                                         key=event["subject"].encode())
            await producer.stop()
            case_id = case_id_for(event["subject"], platform.keys.pseudonym_key())

            async def decision_task() -> dict | None:
                tasks = (await api.get("/tasks", headers=housing)).json()
                return next((t for t in tasks if t["case_id"] == case_id), None)

            mine = await eventually(decision_task, what="the disclosure to the requester")
            detail = (await api.get(f"/tasks/{mine['task_id']}", headers=housing)).json()
            assert detail["disclosure"]["request_id"] == request_id
            assert detail["disclosure"]["assessment"]["termination_ground"].startswith(
                "almenlejeloven § 90, stk. 1, nr. 10")

            async def answered() -> dict | None:
                r = (await api.get(f"/disclosure-requests/{request_id}",
                                   headers=housing)).json()
                return r if r["state"] == "answered" else None

            request = await eventually(answered, what="the request answered")
            assert request["answered_by_case"] == case_id
            assert request["matched_cases"] is None  # the requester is shown no other case
            # No discretionary review of the case: only the request reached the police.
            police_tasks = (await api.get("/tasks", headers=police)).json()
            assert not [t for t in police_tasks if t["case_id"] == case_id]

        explained = "\n".join(await explain_case(platform.client, platform.read_model, case_id,
                                                 actor="operator-1"))
        assert "På boligorganisationens anmodning: eligible" in explained
        assert "? uafklaret     connection ◀ afgørende" in explained
        await platform.client.get_workflow_handle(case_id).terminate("test over")

    secrets = [cpr.encode(), name.encode(), event["data"]["offences"][0]["description"].encode()]
    outgoing = [t for t in ALL_TOPICS if t != POLICE_VERDICTS]
    for topic in outgoing:
        for r in await read_topic(stack, topic):
            blob = (r.key or b"") + (r.value or b"") + b"".join(v for _, v in r.headers or [])
            assert not any(s in blob for s in secrets), f"personal data on {topic}"
    assert_absent(secrets, list(Path(stack.state_dir, "temporal").glob("temporal.db*")))
    assert_absent(secrets, [f for f in Path(stack.state_dir, "logs").rglob("*") if f.is_file()])
