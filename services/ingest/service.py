"""Kafka → Temporal: police verdict events start or signal cases; receipts signal them.

Delivery (``verdictflow.platform.delivery``): offsets are committed only after Temporal accepted
the start or signal, or the message went to the dead-letter topic. Temporal or Kafka away
is waited for, never skipped; a message that can never be applied is dead-lettered with
its reason and the messages behind it go on. A replay is absorbed by the workflow id
(starts) and by the event id (signals).

A receipt moves a case only if it is the receipt of what the case sent, by the
organisation it was sealed to, signed with one of that organisation's keys: its
organisation is checked against the reference data before its id touches the key store,
and it is checked against what the case sent (``receipt_problem``): the copy
``deliver_disclosure`` kept in the read model before publishing, or, for cases that
sealed before it, the case's own answer to a query. A deletion receipt (the
organisation deleted a retracted disclosure) is checked the same way against what the
case retracted (``deletion_problem``).

Verdicts and receipts are read by two consumers of the one group, each in its own task,
so a receipt never queues behind a burst of new verdicts; the verdicts keep their
partitions' order. Receipts of different cases are checked and signalled up to
``VF_INGEST_RECEIPT_LANES`` at once, each case's in its order (``receipt_lane``); the batch
is committed once all of it was applied or dead-lettered. New cases are started only
while fewer than ``VF_INGEST_MAX_IN_FLIGHT`` of those this process started are still busy
(``services.ingest.inflight``): the verdict consumer waits, the receipt consumer goes on.

Cases live on after their last stage until retention purges them, so a late event finds
its case running; only a purged case (or one that completed before cases lived on) is
gone, and the event is dead-lettered with that reason.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Collection
from typing import Any

from sqlmodel import col, select
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowQueryFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.converter import PayloadConverter
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from services.ingest.inflight import InFlight
from services.ingest.routing import (
    Action,
    SignalDeletion,
    SignalReceipt,
    SignalVerdictChange,
    StartCase,
    Unroutable,
    deletion_problem,
    receipt_problem,
    route_deletion,
    route_police_event,
    route_receipt,
)
from verdictflow.domain.case import Stage
from verdictflow.domain.contract import MAX_EVENT_BYTES, InvalidEvent, validate_event
from verdictflow.domain.sealing import SealError, verify_receipt
from verdictflow.domain.topics import (
    DISCLOSURE_DELETED,
    DISCLOSURE_RECEIVED,
    HOUSING_RECEIPTS,
    POLICE_TYPES,
    POLICE_VERDICTS,
)
from verdictflow.domain.tracing import trace_id_for
from verdictflow.platform.codec import CasePurged
from verdictflow.platform.deadletter import DeadLetters, seal_dead_letter
from verdictflow.platform.delivery import Poison, consume
from verdictflow.platform.kafka import EventPublisher, Record, consumer, start_when_reachable
from verdictflow.platform.keys import InvalidKeyId, KeyStore, MissingKey
from verdictflow.platform.log import bind_case, get_logger, sensitive
from verdictflow.platform.readmodel import CaseRecord, SentDisclosure, read_model_database
from verdictflow.platform.reference import load_reference
from verdictflow.platform.settings import Settings
from verdictflow.platform.tracing import bind_trace
from workflows.case.details import static_details, static_summary
from workflows.case.messages import CaseStatus
from workflows.case.workflow import VerdictCaseWorkflow

log = get_logger("ingest")
GROUP_ID = "verdictflow-ingest"


class IngestService:
    def __init__(self, settings: Settings, client: Client, keys: KeyStore) -> None:
        self.settings = settings
        self.client = client
        self.keys = keys
        self.pseudonym_key = keys.pseudonym_key()
        self.organisations = frozenset(
            o.id for o in load_reference(settings).partnerships.housing_organisations)
        # One group for both, as before the split: the committed offsets stay valid.
        # The verdict consumer may wait for room (in_flight) up to a case's maximum age per
        # new case: it gets longer than the default before the group counts it gone.
        self.consumer = consumer(settings, GROUP_ID, POLICE_VERDICTS,
                                 max_poll_interval_ms=900_000)
        self.receipts_consumer = consumer(settings, GROUP_ID, HOUSING_RECEIPTS)
        self.read_model = read_model_database(settings)
        self.in_flight = InFlight(settings.ingest_max_in_flight,
                                  settings.ingest_in_flight_seconds, self._stages)
        self.publisher = EventPublisher(settings)
        self.dead_letters = DeadLetters(self.publisher)
        # The police topic may carry a CPR number in plaintext: its dead letters are sealed.
        self.police_dead_letters = DeadLetters(
            self.publisher, seal=lambda value: seal_dead_letter(value, keys))
        self.handled = 0
        self.dead_lettered = 0

    async def start(self) -> None:
        await self.publisher.start()
        await start_when_reachable(self.consumer)
        await start_when_reachable(self.receipts_consumer)

    async def stop(self) -> None:
        await self.consumer.stop()
        await self.receipts_consumer.stop()
        await self.publisher.stop()
        self.read_model.dispose()

    async def run(self) -> None:
        await asyncio.gather(
            consume(self.consumer, self.handle, self.dead_letter, log, max_records=50),
            consume(self.receipts_consumer, self.handle, self.dead_letter, log,
                    max_records=200, lane=receipt_lane,
                    lanes=self.settings.ingest_receipt_lanes))

    def _stages(self, case_ids: Collection[str]) -> dict[str, str]:
        with self.read_model.session() as s:
            rows = s.exec(select(CaseRecord.case_id, CaseRecord.stage)
                          .where(col(CaseRecord.case_id).in_(list(case_ids))))
            return {case_id: stage for case_id, stage in rows}

    async def handle(self, record: Record) -> None:
        if record.topic == POLICE_VERDICTS:
            await self._police_event(record)
        else:
            await self._receipt(record)
        self.handled += 1

    async def dead_letter(self, record: Record, reason: str) -> None:
        writer = self.police_dead_letters if record.topic == POLICE_VERDICTS \
            else self.dead_letters
        await writer(record, reason)
        self.dead_lettered += 1
        log.warning("dead_lettered", topic=record.topic, partition=record.partition,
                    offset=record.offset, reason=reason)

    async def _police_event(self, record: Record) -> None:
        envelope = _validate(record, POLICE_TYPES)
        action = route_police_event(envelope, self.pseudonym_key)
        person_ref = action.case.person_ref if isinstance(action, StartCase) else None
        # Should anything log this event by accident, its personal data is masked.
        with sensitive(*_personal_strings(envelope["data"])), \
                bind_case(action.case_id, person_ref), bind_trace(trace_id_for(envelope["id"])):
            await self._send(action)

    async def _receipt(self, record: Record) -> None:
        envelope = _validate(record, (DISCLOSURE_RECEIVED, DISCLOSURE_DELETED))
        with bind_trace(trace_id_for(envelope["id"])):
            await self._checked_receipt(envelope, record)

    async def _checked_receipt(self, envelope: dict[str, Any], record: Record) -> None:
        what = "deletion receipt" if envelope["type"] == DISCLOSURE_DELETED else "receipt"
        try:
            receipt: SignalReceipt | SignalDeletion = (
                route_deletion(envelope, record.key) if envelope["type"] == DISCLOSURE_DELETED
                else route_receipt(envelope, record.key))
        except Unroutable as exc:
            raise Poison(f"{what} refused: {exc}") from exc
        if receipt.org_id not in self.organisations:
            raise Poison(f"{what} from an unknown organisation ({receipt.org_id})")
        self._verify_signature(receipt, what)
        status = None
        if isinstance(receipt, SignalReceipt):
            status = await asyncio.to_thread(self._sent_disclosure, receipt.case_id)
        if status is None:
            status = await self._case_status(receipt.case_id)
        problem = deletion_problem(receipt, status) if isinstance(receipt, SignalDeletion) \
            else receipt_problem(receipt, status)
        if problem:
            raise Poison(f"{what} refused: {problem}")
        with bind_case(receipt.case_id):
            await self._send(receipt)

    def _verify_signature(self, receipt: SignalReceipt | SignalDeletion,
                          what: str = "receipt") -> None:
        try:
            public = self.keys.org_verification_key(
                receipt.org_id, receipt.signed_fields.get("key_id", ""))
            verify_receipt(receipt.signed_fields, receipt.signature, public)
        except SealError as exc:
            raise Poison(f"{what} refused: {exc}") from exc
        except (InvalidKeyId, MissingKey) as exc:
            # Nothing is created for an id read from a message; a tampered key store
            # (UnsafeKeyPath) is not the message's fault and is left to delivery's retries.
            raise Poison(f"{what} refused: {receipt.org_id} holds no such signing key "
                         f"({type(exc).__name__})") from exc

    def _sent_disclosure(self, case_id: str) -> CaseStatus | None:
        """What the case sent, as ``deliver_disclosure`` kept it before publishing (cases
        from ``lean-disclosure`` on): no query to the workflow, which checks again anyway.
        None for a case that sent nothing that way: the case is asked."""
        with self.read_model.session() as s:
            sent = s.exec(select(SentDisclosure)
                          .where(SentDisclosure.case_id == case_id)).first()
        if sent is None:
            return None
        return CaseStatus(case_id, Stage.DISCLOSED.value, housing_org_id=sent.org_id,
                          disclosure_id=sent.disclosure_id, disclosure_digest=sent.digest)

    async def _case_status(self, case_id: str) -> CaseStatus:
        try:
            status: CaseStatus = await self.client.get_workflow_handle(case_id).query(
                VerdictCaseWorkflow.status)
        except RPCError as err:
            _raise_if_refused(err, case_id)
            raise
        except WorkflowQueryFailedError as err:
            raise Poison(f"case {case_id} could not say what it sent") from err
        return status

    async def _send(self, action: Action) -> None:
        try:
            await self._signal_or_start(action)
        except CasePurged as exc:
            # Its key is gone: nothing can be sealed for it, nor should be.
            raise Poison(f"case {action.case_id} was purged") from exc
        except RPCError as err:
            _raise_if_refused(err, action.case_id)
            raise  # anything else is Temporal away or busy: delivery waits for it

    async def _signal_or_start(self, action: Action) -> None:
        if isinstance(action, StartCase):
            await self.in_flight.room()
            try:
                await self.client.start_workflow(
                    VerdictCaseWorkflow.run,
                    action.case,
                    id=action.case_id,
                    task_queue=self.settings.task_queue,
                    # A case that already ran for this verdict, open or closed, is the case.
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                    **_operator_summary(action),
                )
                self.in_flight.started(action.case_id)
                log.info("case_started", case_id=action.case_id)
            except WorkflowAlreadyStartedError:
                log.info("duplicate_registration_absorbed", case_id=action.case_id)
            return
        handle = self.client.get_workflow_handle(action.case_id)
        if isinstance(action, SignalVerdictChange):
            await handle.signal(VerdictCaseWorkflow.verdict_changed, action.signal)
            log.info("verdict_change_signalled", case_id=action.case_id,
                     event_type=action.signal.type)
        elif isinstance(action, SignalDeletion):
            await handle.signal(VerdictCaseWorkflow.deletion_confirmed, action.signal)
            log.info("deletion_signalled", case_id=action.case_id, org=action.org_id)
        else:
            await handle.signal(VerdictCaseWorkflow.receipt_received, action.signal)
            log.info("receipt_signalled", case_id=action.case_id, org=action.org_id)


def _plain(text: str) -> Payload:
    # Given as a payload, the summary skips the encrypting codec: the Web UI's list shows it
    # without the codec server. It holds ids only (workflows/case/details.py).
    payload = PayloadConverter.default.to_payload(text)
    assert payload is not None  # a str always converts
    return payload


def _operator_summary(action: StartCase) -> dict[str, Any]:
    # Typed as str in the SDK's signature, but a Payload is passed through as it is
    # (temporalio.client._helpers._encode_user_metadata); tests/integration/test_operator_view
    # reads it back in plain text, so a change there shows.
    case, district = action.case, action.case.verdict.police_district
    return {"static_summary": _plain(static_summary(action.case_id, district)),
            "static_details": _plain(static_details(action.case_id, district,
                                                    case.registered_event_id))}


def _json_field(record: Record, name: str) -> Any:
    value = record.value or b""
    if len(value) > MAX_EVENT_BYTES:
        return None
    try:
        return json.loads(value).get(name)
    except (ValueError, AttributeError, RecursionError):
        return None


def receipt_lane(record: Record) -> str:
    """The case a receipt names (its subject), so that one case's receipts keep their order.
    Only a grouping: the record is validated by its handler as ever, and whatever cannot be
    read here shares the one lane ``""``."""
    subject = _json_field(record, "subject")
    return subject if isinstance(subject, str) else ""


def _validate(record: Record, types: tuple[str, ...]) -> dict[str, Any]:
    try:
        return validate_event(record.value or b"", types)
    except InvalidEvent as exc:
        raise Poison(f"invalid event: {exc.reason}") from exc


def _raise_if_refused(err: RPCError, case_id: str) -> None:
    if err.status == RPCStatusCode.NOT_FOUND:
        # Cases run until retention purges them: what is gone was purged (or completed
        # before cases lived on), and nothing can be applied to it.
        raise Poison(f"no open case {case_id} for this event (purged, or ended before "
                     "cases lived on)") from err
    if err.status == RPCStatusCode.INVALID_ARGUMENT:
        raise Poison(f"Temporal refused the event: {err.message}") from err


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

