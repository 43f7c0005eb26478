"""Kafka → Temporal: police verdict events start or signal cases; receipts signal them.

Delivery: offsets are committed only after Temporal accepted the start or signal, or the
message went to the dead-letter topic. If Temporal is unreachable the service retries
the same message (it is not the message's fault) and commits nothing meanwhile, so a
crash replays it; a replay is absorbed by the workflow id (starts) and by the event id
(signals). On rebalance, uncommitted messages are re-read by the new owner: the same.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import ConsumerRecord
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from services.ingest.routing import (
    Action,
    SignalReceipt,
    SignalVerdictChange,
    StartCase,
    route_police_event,
    route_receipt,
)
from verdictflow.deadletter import seal_dead_letter
from verdictflow.domain.contract import InvalidEvent, validate_event
from verdictflow.domain.sealing import SealError, verify_receipt
from verdictflow.domain.topics import (
    DISCLOSURE_RECEIVED,
    HOUSING_RECEIPTS,
    POLICE_TYPES,
    POLICE_VERDICTS,
    dlq,
)
from verdictflow.kafka import EventPublisher, consume, consumer, dead_letter_headers
from verdictflow.keys import KeyStore
from verdictflow.log import bind_case, get_logger, sensitive
from verdictflow.settings import Settings
from workflows.case.workflow import VerdictCaseWorkflow

log = get_logger("ingest")
GROUP_ID = "verdictflow-ingest"


class Rejected(Exception):
    """The message can never be applied: it goes to the dead-letter topic with this reason."""


class IngestService:
    def __init__(self, settings: Settings, client: Client, keys: KeyStore) -> None:
        self.settings = settings
        self.client = client
        self.keys = keys
        self.pseudonym_key = keys.pseudonym_key()
        self.consumer = consumer(settings, GROUP_ID, POLICE_VERDICTS, HOUSING_RECEIPTS)
        self.publisher = EventPublisher(settings)
        self.handled = 0
        self.dead_lettered = 0

    async def start(self) -> None:
        await self.publisher.start()
        await self.consumer.start()

    async def stop(self) -> None:
        await self.consumer.stop()
        await self.publisher.stop()

    async def run(self) -> None:
        await consume(self.consumer, self.handle, log, max_records=200)

    async def handle(self, record: ConsumerRecord) -> None:
        try:
            await self._apply(record)
            self.handled += 1
        except Rejected as rejected:
            await self._dead_letter(record, str(rejected))

    async def _apply(self, record: ConsumerRecord) -> None:
        if record.topic != POLICE_VERDICTS:
            receipt = route_receipt(self._validate(record, (DISCLOSURE_RECEIVED,)))
            self._verify_receipt(receipt)
            await self._until_accepted(receipt)
            return
        envelope = self._validate(record, POLICE_TYPES)
        action = route_police_event(envelope, self.pseudonym_key)
        person_ref = action.case.person_ref if isinstance(action, StartCase) else None
        # Should anything log this event by accident, its personal data is masked.
        with sensitive(*_personal_strings(envelope["data"])), bind_case(action.case_id, person_ref):
            await self._until_accepted(action)

    def _validate(self, record: ConsumerRecord, types: tuple[str, ...]) -> dict[str, Any]:
        try:
            return validate_event(record.value or b"", types)
        except InvalidEvent as exc:
            raise Rejected(f"invalid event: {exc.reason}") from exc

    def _verify_receipt(self, action: SignalReceipt) -> None:
        try:
            public = self.keys.org_verification_keys(action.org_id).get(
                action.signed_fields.get("key_id", ""))
            if public is None:
                raise SealError("receipt signed with a key the organisation does not hold")
            verify_receipt(action.signed_fields, action.signature, public)
        except SealError as exc:
            raise Rejected(str(exc)) from exc

    async def _until_accepted(self, action: Action) -> None:
        delay = 0.5
        while True:
            try:
                await self._send(action)
                return
            except RPCError as err:
                if err.status == RPCStatusCode.NOT_FOUND:
                    raise Rejected(f"no open case {action.case_id} for this event") from err
                if err.status == RPCStatusCode.INVALID_ARGUMENT:
                    raise Rejected(f"Temporal refused the event: {err.message}") from err
                log.warning("temporal_unavailable_retrying", case_id=action.case_id,
                            status=str(err.status), retry_in_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)

    async def _send(self, action: Action) -> None:
        if isinstance(action, StartCase):
            try:
                await self.client.start_workflow(
                    VerdictCaseWorkflow.run,
                    action.case,
                    id=action.case_id,
                    task_queue=self.settings.task_queue,
                    # A case that already ran for this verdict, open or closed, is the case.
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                )
                log.info("case_started", case_id=action.case_id)
            except WorkflowAlreadyStartedError:
                log.info("duplicate_registration_absorbed", case_id=action.case_id)
            return
        handle = self.client.get_workflow_handle(action.case_id)
        if isinstance(action, SignalVerdictChange):
            await handle.signal(VerdictCaseWorkflow.verdict_changed, action.signal)
            log.info("verdict_change_signalled", case_id=action.case_id,
                     event_type=action.signal.type)
        else:
            await handle.signal(VerdictCaseWorkflow.receipt_received, action.signal)
            log.info("receipt_signalled", case_id=action.case_id, org=action.org_id)

    async def _dead_letter(self, record: ConsumerRecord, reason: str) -> None:
        headers = list(record.headers or []) + dead_letter_headers(
            record.topic, record.partition, record.offset, reason
        )
        value = record.value or b""
        if record.topic == POLICE_VERDICTS:
            value, sealed_headers = seal_dead_letter(value, self.keys)
            headers += sealed_headers
        await self.publisher.publish_raw(dlq(record.topic), record.key, value, headers)
        self.dead_lettered += 1
        log.warning("dead_lettered", topic=record.topic, partition=record.partition,
                    offset=record.offset, reason=reason)


def _personal_strings(data: dict[str, Any]) -> list[str]:
    person = data.get("person") or {}
    name = str(person.get("name", ""))
    address = (person.get("registered_address") or {}).get("street", "")
    offences = [str(o.get("description", "")) for o in data.get("offences") or []]
    return [s for s in (name, *name.split(), address, *offences) if s]


async def run_ingest(settings: Settings, client: Client, keys: KeyStore) -> None:
    service = IngestService(settings, client, keys)
    await service.start()
    try:
        await service.run()
    finally:
        await service.stop()

