"""The housing gateway: the reference receiver of one housing organisation.

It reads ``housing.disclosures.v1`` (keyed by recipient, so it skips other
organisations' records), verifies the platform's signature, opens the disclosure with
its own key to prove it can, keeps the sealed copy, and publishes a signed receipt on
``housing.receipts.v1``. A retraction is an instruction the platform signed for this
organisation; only one that verifies deletes the copy, and the gateway confirms the
deletion with a receipt of its own, signed and bound to the retraction
(``dk.tryghed.disclosure.deleted.v1``). Whatever fails validation,
verification or opening is dead-lettered with the reason and never acted on
(``verdictflow.platform.delivery``). Offsets are committed after the receipt is published; a
replay finds the disclosure kept and sends the same receipt (same event id) again.

Several organisations in one process (``gateway --all``) share one consumer (group
``gateways``) that hands each record to the gateway of the organisation it is keyed to:
the topic is read once, not once per organisation. Each organisation keeps its own keys,
checks and receipts; a record keyed to an organisation not served here is skipped, as
before.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC
from typing import Any

from aiokafka import AIOKafkaConsumer

from services.gateway import inbox
from verdictflow.domain.cloudevents import cloud_event
from verdictflow.domain.contract import InvalidEvent, validate_event
from verdictflow.domain.lifetime import deletion_receipt_key
from verdictflow.domain.sealing import (
    SealedDisclosure,
    SealError,
    open_disclosure,
    sealed_digest,
    sign_receipt,
    verify_instruction,
)
from verdictflow.domain.topics import (
    DISCLOSURE_DELETED,
    DISCLOSURE_RECEIVED,
    DISCLOSURE_RETRACTED,
    DISCLOSURE_SEALED,
    HOUSING_DISCLOSURES,
    HOUSING_RECEIPTS,
)
from verdictflow.platform.database import Database
from verdictflow.platform.deadletter import DeadLetters
from verdictflow.platform.delivery import Poison, consume
from verdictflow.platform.kafka import (
    KAFKA_MAX_MESSAGE_BYTES,
    EventPublisher,
    Record,
    consumer,
    start_when_reachable,
)
from verdictflow.platform.keys import KeyStore
from verdictflow.platform.log import get_logger
from verdictflow.platform.settings import Settings

log = get_logger("gateway")


class HousingGateway:
    def __init__(self, settings: Settings, org_id: str, keys: KeyStore,
                 publisher: EventPublisher, store: Database) -> None:
        self.org_id = org_id
        self.settings = settings
        self.keys = keys
        self.publisher = publisher
        self.dead_letters = DeadLetters(publisher)
        self.db = store
        self._consumer: AIOKafkaConsumer | None = None
        self.received = 0
        self.refused = 0

    @property
    def consumer(self) -> AIOKafkaConsumer:
        """Its own consumer, made when it runs alone (``GatewayDispatcher`` has one for all)."""
        if self._consumer is None:
            self._consumer = consumer(self.settings, f"gateway-{self.org_id}",
                                      HOUSING_DISCLOSURES)
        return self._consumer

    async def start(self) -> None:
        await start_when_reachable(self.consumer)

    async def stop(self) -> None:
        await self.consumer.stop()

    async def run(self) -> None:
        await consume(self.consumer, self.handle, self.dead_letter, log, max_records=100)

    async def handle(self, record: Record) -> None:
        if record.key != self.org_id.encode():
            return  # another organisation's record
        try:
            event = validate_event(record.value or b"",
                                   (DISCLOSURE_SEALED, DISCLOSURE_RETRACTED),
                                   max_bytes=KAFKA_MAX_MESSAGE_BYTES)
        except InvalidEvent as exc:
            raise Poison(f"invalid event: {exc.reason}") from exc
        if event["data"]["recipient_org"] != self.org_id:
            raise Poison("keyed to this organisation but addressed to another")
        if event["type"] == DISCLOSURE_SEALED:
            await self._receive(event)
        else:
            await self._retract(event)

    async def dead_letter(self, record: Record, reason: str) -> None:
        await self.dead_letters(record, reason)
        self.refused += 1
        log.warning("disclosure_refused", org=self.org_id, offset=record.offset, reason=reason)

    async def _retract(self, event: dict[str, Any]) -> None:
        signer_kid, platform = self.keys.platform_signing()
        try:
            instruction = verify_instruction(event["data"], self.org_id, platform.public_key())
            if instruction["signer_key_id"] != signer_kid:
                raise SealError("signed with a key that is not the platform's")
        except SealError as exc:
            raise Poison(f"retraction refused: {exc}") from exc
        await asyncio.to_thread(inbox.delete, self.db, self.org_id, instruction["disclosure_id"])
        log.info("disclosure_deleted_on_retraction", org=self.org_id,
                 case_id=instruction["case_id"])
        await self._deletion_receipt(event, instruction)

    async def _deletion_receipt(self, event: dict[str, Any], instruction: dict[str, str]) -> None:
        """Confirms the deletion, signed by the organisation, bound to the retraction (its
        event id and the digest of what it said). A repeated retraction gets the same
        receipt (same event id, the first deletion's time): the case acts once."""
        disclosure_id = instruction["disclosure_id"]
        org = self.keys.org_keys(self.org_id)
        when = await asyncio.to_thread(inbox.deleted_at, self.db, self.org_id, disclosure_id)
        # A copy it never held is no copy it holds: the retraction is confirmed as issued.
        deleted_at = when.replace(tzinfo=when.tzinfo or UTC).isoformat() if when \
            else instruction["issued_at"]
        fields = {
            "disclosure_id": disclosure_id,
            "case_id": instruction["case_id"],
            "recipient_org": self.org_id,
            "key_id": org.signing_key_id,
            "retraction_id": event["id"],
            "retraction_digest": sealed_digest(event["data"]),
            "deleted_at": deleted_at,
        }
        receipt = cloud_event(
            type=DISCLOSURE_DELETED, subject=instruction["case_id"],
            data={**fields, "signature": sign_receipt(fields, org.signing)},
            time=deleted_at, idempotency_key=deletion_receipt_key(disclosure_id),
            source=f"urn:dk:bolig:{self.org_id}",
        )
        await self.publisher.publish(HOUSING_RECEIPTS, self.org_id, receipt)

    async def _receive(self, event: dict[str, Any]) -> None:
        try:
            sealed = SealedDisclosure.from_dict(event["data"])
            org = self.keys.org_keys(self.org_id)
            private = self.keys.org_decryption_keys(self.org_id).get(sealed.recipient_key_id)
            if private is None:
                raise SealError(f"sealed to key {sealed.recipient_key_id!r}, "
                                "which this organisation does not hold")
            _, platform = self.keys.platform_signing()
            # Opening the outer seal proves it is ours and intact; the personal part stays
            # under the case key until a caseworker reads it through the platform.
            open_disclosure(sealed, recipient_org=self.org_id,
                            recipient_key_id=sealed.recipient_key_id,
                            recipient_private=private, platform_public=platform.public_key())
        except SealError as exc:
            raise Poison(f"disclosure refused: {exc}") from exc
        kept = await asyncio.to_thread(inbox.keep, self.db, inbox.ReceivedDisclosure(
            disclosure_id=sealed.disclosure_id, org_id=self.org_id, case_id=sealed.case_id,
            sealed=json.dumps(sealed.to_dict()), digest=sealed.digest()))
        await self._receipt(kept, org.signing, org.signing_key_id)
        self.received += 1
        log.info("disclosure_received", org=self.org_id, case_id=sealed.case_id)

    async def _receipt(self, kept: inbox.ReceivedDisclosure, signer: Any, kid: str) -> None:
        received_at = kept.received_at.replace(tzinfo=kept.received_at.tzinfo or UTC)
        fields = {
            "disclosure_id": kept.disclosure_id,
            "case_id": kept.case_id,
            "recipient_org": self.org_id,
            "key_id": kid,
            "received_at": received_at.isoformat(),
            "digest": kept.digest,
        }
        event = cloud_event(
            type=DISCLOSURE_RECEIVED, subject=kept.case_id,
            data={**fields, "signature": sign_receipt(fields, signer)},
            time=received_at.isoformat(), idempotency_key=f"receipt:{kept.disclosure_id}",
            source=f"urn:dk:bolig:{self.org_id}",
        )
        await self.publisher.publish(HOUSING_RECEIPTS, self.org_id, event)


MULTI_GROUP_ID = "gateways"


class GatewayDispatcher:
    """One consumer for several organisations: each record goes to the gateway of the
    organisation it is keyed to (the recipient org id), which checks it as it always did."""

    def __init__(self, settings: Settings, gateways: list[HousingGateway]) -> None:
        self.by_org = {g.org_id: g for g in gateways}
        self.dead_letters = DeadLetters(gateways[0].publisher)
        self.consumer = consumer(settings, MULTI_GROUP_ID, HOUSING_DISCLOSURES)

    async def start(self) -> None:
        await start_when_reachable(self.consumer)

    async def stop(self) -> None:
        await self.consumer.stop()

    def _gateway(self, record: Record) -> HousingGateway | None:
        try:
            return self.by_org.get((record.key or b"").decode())
        except UnicodeDecodeError:
            return None

    async def handle(self, record: Record) -> None:
        gateway = self._gateway(record)
        if gateway is not None:  # else another organisation's record, as for one gateway
            await gateway.handle(record)

    async def dead_letter(self, record: Record, reason: str) -> None:
        gateway = self._gateway(record)
        if gateway is not None:
            await gateway.dead_letter(record, reason)
        else:  # unreachable (handle skips such records), yet never lost
            await self.dead_letters(record, reason)

    async def run(self) -> None:
        await consume(self.consumer, self.handle, self.dead_letter, log, max_records=100)


async def run_gateways(settings: Settings, org_ids: list[str], keys: KeyStore) -> None:
    """One organisation's gateway, or several in one process (the embedded default's
    convenience) behind one consumer."""
    store = inbox.gateway_store(settings)
    async with EventPublisher(settings) as publisher:
        gateways = [HousingGateway(settings, org, keys, publisher, store) for org in org_ids]
        runner: HousingGateway | GatewayDispatcher = (
            gateways[0] if len(gateways) == 1 else GatewayDispatcher(settings, gateways))
        await runner.start()
        try:
            await runner.run()
        finally:
            await runner.stop()
            store.dispose()


