"""Purging a case destroys its data key: every copy of its personal data stops opening,
in Temporal's history, on Kafka, in the gateway's store and in the read model, while
other cases still open."""

from __future__ import annotations

import json
import uuid

import pytest
from aiokafka import AIOKafkaProducer
from temporalio.api.common.v1 import Payload
from temporalio.service import RPCError

from services.api.disclosure_reading import read_disclosure
from services.gateway.inbox import gateway_store, kept
from tests.integration.events import CPR, registered
from tests.integration.platform import (
    eventually,
    read_topic,
    readable_events,
    running_platform,
)
from verdictflow.domain.identity import case_id_for
from verdictflow.domain.sealing import SealedDisclosure, SealError
from verdictflow.domain.topics import HOUSING_DISCLOSURES, POLICE_VERDICTS
from verdictflow.platform.casekeys import CaseKeyDestroyed
from verdictflow.platform.purge import CaseStillOpen, purge_case
from verdictflow.platform.readmodel import get_task
from verdictflow.platform.temporal import data_converter
from workflows.case.messages import DecisionRequest
from workflows.case.workflow import VerdictCaseWorkflow

pytestmark = pytest.mark.integration
ORG = "bbs"
OTHER_CPR = "0303033333"


def history_payloads(history) -> list[Payload]:  # noqa: ANN001
    found: list[Payload] = []
    for event in history.events:
        attrs = event.workflow_execution_started_event_attributes
        found.extend(attrs.input.payloads)
        found.extend(event.activity_task_scheduled_event_attributes.input.payloads)
    return [p for p in found if p.data]


async def decode_all(platform, payloads: list[Payload]) -> bytes:  # noqa: ANN001
    codec = data_converter(platform.keys).payload_codec
    return b"".join(p.data for p in await codec.decode(payloads))


async def test_purged_case_no_longer_opens_anywhere(stack) -> None:  # noqa: ANN001
    ids = [f"KBV-PURGE-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    async with running_platform(stack, orgs=[ORG]) as platform:
        producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
        await producer.start()
        for verdict_id, cpr in zip(ids, (CPR, OTHER_CPR), strict=True):
            event = registered(verdict_id, cpr=cpr)
            await producer.send_and_wait(POLICE_VERDICTS, json.dumps(event).encode(),
                                         key=verdict_id.encode())
        await producer.stop()
        purged, kept_case = (case_id_for(v, platform.keys.pseudonym_key()) for v in ids)

        async def both_awaiting_decision() -> bool:
            try:
                stages = [(await platform.client.get_workflow_handle(c).query(
                    VerdictCaseWorkflow.status)).stage for c in (purged, kept_case)]
            except RPCError:  # not started yet
                return False
            return stages == ["awaiting_decision"] * 2

        await eventually(both_awaiting_decision, what="both cases awaiting a decision")
        handle = platform.client.get_workflow_handle(purged)
        with pytest.raises(CaseStillOpen):
            await purge_case(platform.read_model, platform.keys, platform.client, purged,
                             actor="dpo")

        await handle.execute_update(VerdictCaseWorkflow.decide, DecisionRequest(
            task_id=f"{purged}-decision", outcome="no_action", decided_by="cw",
            org_id=ORG, justification="Ingen yderligere skridt i denne sag."))

        async def closed() -> bool:
            return (await handle.query(VerdictCaseWorkflow.status)).stage == "closed"

        await eventually(closed, what="the case to close")
        before = await decode_all(platform, history_payloads(await handle.fetch_history()))
        assert CPR.encode() in before  # the scan below would find it if it could still open

        # A closed case lives on until its retention purges it: only an erasure order
        # (force) purges it before, ending its workflow.
        with pytest.raises(CaseStillOpen):
            await purge_case(platform.read_model, platform.keys, platform.client, purged,
                             actor="dpo")
        result = await purge_case(platform.read_model, platform.keys, platform.client, purged,
                                  actor="dpo", force=True)
        assert result.key_destroyed and result.tasks_cleared == 1

        # Temporal history: the purged case's payloads no longer decode; the other's do.
        with pytest.raises(CaseKeyDestroyed):
            await decode_all(platform, history_payloads(await handle.fetch_history()))
        other = platform.client.get_workflow_handle(kept_case)
        assert OTHER_CPR.encode() in await decode_all(
            platform, history_payloads(await other.fetch_history()))

        # Kafka: the sealed disclosure on the topic still verifies, but its personal part is gone.
        sealed = {e["data"]["case_id"]: SealedDisclosure.from_dict(e["data"])
                  for e in readable_events(await read_topic(stack, HOUSING_DISCLOSURES))
                  if e.get("type", "").endswith("sealed.v1")}
        with pytest.raises(CaseKeyDestroyed):
            read_disclosure(sealed[purged], ORG, platform.keys)
        assert read_disclosure(sealed[kept_case], ORG, platform.keys)["person"]["cpr"] == OTHER_CPR

        # The gateway's kept copy: the same.
        copies = {c.case_id: c for c in kept(gateway_store(stack), ORG)}
        with pytest.raises((CaseKeyDestroyed, SealError)):
            read_disclosure(SealedDisclosure.from_dict(json.loads(copies[purged].sealed)),
                            ORG, platform.keys)

        # The read model: the sealed copy is gone from the purged case's task.
        assert get_task(platform.read_model, f"{purged}-decision").sealed_disclosure is None
        assert get_task(platform.read_model, f"{kept_case}-decision").sealed_disclosure
        await other.terminate("test over")
