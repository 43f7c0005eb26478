"""Placing and lifting re-entry blocks: the read model and ``housing.reentry-blocks.v1``.

Idempotent on the block id: the row is an upsert and the event id derives from
``block_id`` + placed/lifted. The tenant's name and address (almenboligloven § 63 e) go
into the row sealed under the case's own data key and nowhere else: not into the event.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date

from temporalio import activity

from activities.deps import Deps
from verdictflow.domain.cloudevents import cloud_event
from verdictflow.domain.reentry import DEFAULT_GROUND
from verdictflow.domain.sealing import seal_case_layer
from verdictflow.domain.topics import BLOCK_LIFTED, BLOCK_PLACED, REENTRY_BLOCKS
from verdictflow.platform.keys import KeyStore
from verdictflow.platform.readmodel import ReentryBlockRecord
from workflows.reentry.messages import BlockInput, BlockLifting


def _block_data(b: BlockInput) -> dict[str, str | None]:
    return {
        "block_id": b.block_id,
        "case_id": b.case_id,
        "area_id": b.area_id,
        "partnership_id": b.partnership_id,
        "housing_org_id": b.housing_org_id,
        "person_ref": b.person_ref,
        "placed_on": b.placed_on,
        "expires_on": b.expires_on,
    }


def seal_tenant(keys: KeyStore, case_id: str, name: str | None,
                address: str | None) -> str | None:
    """JSON of the tenant's name and address sealed under the case key, or None without a
    name (a block placed before the case carried one)."""
    if not name:
        return None
    layer = seal_case_layer({"name": name, "address": address or ""}, case_id,
                            keys.case_keys().key(case_id, create=True))
    return json.dumps(layer, separators=(",", ":"))


class ReentryActivities:
    """Places and lifts blocks. The activity names (``name=``) stand in recorded histories."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.db = deps.read_model

    @activity.defn(name="place_block")
    async def place_block(self, b: BlockInput) -> None:
        def write() -> None:
            with self.db.session() as s:
                if s.get(ReentryBlockRecord, b.block_id) is None:
                    s.add(ReentryBlockRecord(
                        block_id=b.block_id, case_id=b.case_id, area_id=b.area_id,
                        person_ref=b.person_ref, placed_on=date.fromisoformat(b.placed_on),
                        expires_on=date.fromisoformat(b.expires_on),
                        ground=b.ground or DEFAULT_GROUND,
                        sealed_tenant=seal_tenant(self.deps.keys, b.case_id, b.tenant_name,
                                                  b.tenant_address)))
                    s.commit()

        await asyncio.to_thread(write)
        event = cloud_event(type=BLOCK_PLACED, subject=b.case_id, data=_block_data(b),
                            time=activity.info().started_time.isoformat(),
                            idempotency_key=f"{b.block_id}:placed")
        await self.deps.publisher.publish(REENTRY_BLOCKS, b.area_id, event)

    @activity.defn(name="lift_block")
    async def lift_block(self, lift: BlockLifting) -> None:
        b = lift.block

        def write() -> None:
            with self.db.session() as s:
                row = s.get(ReentryBlockRecord, b.block_id)
                if row is not None and row.status == "active":
                    row.status = "lifted"
                    row.lifted_on = date.fromisoformat(lift.lifted_on)
                    row.lift_reason = lift.reason
                    s.add(row)
                    s.commit()

        await asyncio.to_thread(write)
        data = {**_block_data(b), "lifted_on": lift.lifted_on, "reason": lift.reason}
        event = cloud_event(type=BLOCK_LIFTED, subject=b.case_id, data=data, time=lift.at,
                            idempotency_key=f"{b.block_id}:lifted")
        await self.deps.publisher.publish(REENTRY_BLOCKS, b.area_id, event)
