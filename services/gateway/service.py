"""The housing gateway: the reference receiver of one housing organisation.

It reads ``housing.disclosures.v1`` (keyed by recipient, so it skips other
organisations' records), verifies the platform's signature, opens the disclosure with
its own key to prove it can, keeps the sealed copy, and publishes a signed receipt on
``housing.receipts.v1``. A disclosure that fails verification or opening is
dead-lettered with the reason and never receipted. Offsets are committed after the
receipt is published; a replay finds the disclosure kept and sends the same receipt
(same event id) again.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC
from typing import Any

from aiokafka import ConsumerRecord

from services.gateway import inbox
from verdictflow.domain.cloudevents import cloud_event
from verdictflow.domain.sealing import SealedDisclosure, SealError, open_disclosure, sign_receipt
from verdictflow.domain.topics import (
    DISCLOSURE_RECEIVED,
    DISCLOSURE_RETRACTED,
    DISCLOSURE_SEALED,
    HOUSING_DISCLOSURES,
    HOUSING_RECEIPTS,
    dlq,
)
from verdictflow.kafka import EventPublisher, consume, consumer, dead_letter_headers
from verdictflow.keys import KeyStore
from verdictflow.log import get_logger
from verdictflow.settings import Settings

log = get_logger("gateway")


class Refused(Exception):
    pass


def gateway_db_url(settings: Settings) -> str:
    return f"sqlite:///{settings.state_dir / 'gateway.db'}"


class HousingGateway:
    def __init__(self, settings: Settings, org_id: str, keys: KeyStore,
                 publisher: EventPublisher) -> None:
        self.org_id = org_id
        self.keys = keys
        self.publisher = publisher
        self.db = gateway_db_url(settings)
        self.consumer = consumer(settings, f"gateway-{org_id}", HOUSING_DISCLOSURES)
        self.received = 0
        self.refused = 0

    async def start(self) -> None:
        await self.consumer.start()

    async def stop(self) -> None:
        await self.consumer.stop()

    async def run(self) -> None:
        await consume(self.consumer, self.handle, log, max_records=100)

    async def handle(self, record: ConsumerRecord) -> None:
        if record.key != self.org_id.encode():
            return  # another organisation's record
        try:
            event = self._parse(record.value)
            if event["type"] == DISCLOSURE_SEALED:
                await self._receive(event)
            elif event["type"] == DISCLOSURE_RETRACTED:
                await asyncio.to_thread(inbox.delete, self.db, event["data"]["disclosure_id"])
                log.info("disclosure_deleted_on_retraction", org=self.org_id,
                         case_id=event["data"].get("case_id"))
        except Refused as refused:
            self.refused += 1
            headers = dead_letter_headers(record.topic, record.partition, record.offset,
                                          str(refused))
            await self.publisher.publish_raw(dlq(record.topic), record.key, record.value,
                                             list(record.headers or []) + headers)
            log.warning("disclosure_refused", org=self.org_id, offset=record.offset,
                        reason=str(refused))

    @staticmethod
    def _parse(value: bytes | None) -> dict[str, Any]:
        try:
            event = json.loads(value or b"")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise Refused("not a JSON CloudEvent") from exc
        if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
            raise Refused("not a CloudEvent with a data object")
        if event.get("type") not in (DISCLOSURE_SEALED, DISCLOSURE_RETRACTED):
            raise Refused("unknown event type on the disclosures topic")
        return event

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
            raise Refused(f"disclosure refused: {exc}") from exc
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


async def run_gateways(settings: Settings, org_ids: list[str], keys: KeyStore) -> None:
    """Several organisations' gateways in one process: the embedded default's convenience."""
    async with EventPublisher(settings) as publisher:
        gateways = [HousingGateway(settings, org, keys, publisher) for org in org_ids]
        for g in gateways:
            await g.start()
        try:
            await asyncio.gather(*(g.run() for g in gateways))
        finally:
            for g in gateways:
                await g.stop()


