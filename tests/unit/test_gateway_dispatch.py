"""`gateway --all`: one consumer hands each disclosure to its recipient's gateway."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiokafka import ConsumerRecord

from services.gateway.service import MULTI_GROUP_ID, GatewayDispatcher, HousingGateway
from verdictflow.platform.kafka import Record
from verdictflow.platform.settings import Settings


class Recorded(HousingGateway):
    def __init__(self, org_id: str) -> None:  # noqa: D107 - no keys, store or Kafka needed
        self.org_id = org_id
        self.publisher: Any = None
        self.seen: list[bytes] = []
        self.refusals: list[str] = []

    async def handle(self, record: Record) -> None:
        self.seen.append(record.value or b"")

    async def dead_letter(self, record: Record, reason: str) -> None:
        self.refusals.append(reason)


def record(key: bytes | None, value: bytes) -> Record:
    return ConsumerRecord(topic="housing.disclosures.v1", partition=0, offset=0, timestamp=0,
                          timestamp_type=0, key=key, value=value, checksum=None,
                          serialized_key_size=0, serialized_value_size=0, headers=[])


async def test_each_record_goes_to_its_recipients_gateway_only(tmp_path: Path) -> None:
    bbs, other = Recorded("bbs"), Recorded("hs-slagelse")
    dispatcher = GatewayDispatcher(Settings(environment="test", state_dir=tmp_path),
                                   [bbs, other])
    assert dispatcher.consumer._group_id == MULTI_GROUP_ID  # one group, not one per org
    for key, value in [(b"bbs", b"1"), (b"hs-slagelse", b"2"), (b"unknown-org", b"3"),
                       (None, b"4"), (b"\xff", b"5"), (b"bbs", b"6")]:
        await dispatcher.handle(record(key, value))
    assert bbs.seen == [b"1", b"6"] and other.seen == [b"2"]
    await dispatcher.dead_letter(record(b"hs-slagelse", b"7"), "disclosure refused: x")
    assert other.refusals == ["disclosure refused: x"] and not bbs.refusals
