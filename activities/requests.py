"""The read model's side of disclosure requests: the request's row, and who matches whom.

Idempotent: the row is an upsert on the request id that never goes back from an ended
state to ``open``; the lookups only read.
"""

from __future__ import annotations

import asyncio
from datetime import date

from sqlmodel import col, select
from temporalio import activity

from activities.deps import Deps
from verdictflow.domain.requests import OpenRequest, RequestState
from verdictflow.platform.readmodel import CaseRecord, DisclosureRequestRecord, utcnow
from workflows.request.messages import MatchedCase, RequestLookup, RequestRecord


class RequestActivities:
    """The activity names (``name=``) stand in recorded histories: they never change."""

    def __init__(self, deps: Deps) -> None:
        self.db = deps.read_model

    @activity.defn(name="record_request")
    async def record_request(self, r: RequestRecord) -> None:
        await asyncio.to_thread(self._upsert, r)

    def _upsert(self, r: RequestRecord) -> None:
        with self.db.session() as s:
            row = s.get(DisclosureRequestRecord, r.request_id)
            if row is not None and row.state != RequestState.OPEN:
                return  # ended: a retried "open" must not reopen it
            if row is None:
                row = DisclosureRequestRecord(
                    request_id=r.request_id, org_id=r.org_id, area_id=r.area_id,
                    police_district=r.police_district, person_ref=r.person_ref, state=r.state,
                    requested_on=date.fromisoformat(r.requested_on),
                    open_until=date.fromisoformat(r.open_until))
            row.state = r.state
            row.answered_by_case = r.answered_by_case
            row.updated_at = utcnow()
            s.add(row)
            s.commit()

    @activity.defn(name="matching_cases")
    async def matching_cases(self, lookup: RequestLookup) -> list[MatchedCase]:
        def read() -> list[MatchedCase]:
            with self.db.session() as s:
                q = select(CaseRecord).where(CaseRecord.person_ref == lookup.person_ref)
                return [MatchedCase(c.case_id, c.stage, c.housing_org_id, c.area_id)
                        for c in s.exec(q.order_by(col(CaseRecord.case_id)))]

        return await asyncio.to_thread(read)

    @activity.defn(name="open_requests")
    async def open_requests(self, lookup: RequestLookup) -> list[OpenRequest]:
        """The requests about the person still open today (for a case being assessed)."""
        def read() -> list[OpenRequest]:
            today = date.fromisoformat(lookup.today)
            with self.db.session() as s:
                q = select(DisclosureRequestRecord).where(
                    DisclosureRequestRecord.person_ref == lookup.person_ref,
                    DisclosureRequestRecord.state == RequestState.OPEN.value,
                    col(DisclosureRequestRecord.open_until) >= today)
                return [OpenRequest(r.request_id, r.org_id, r.area_id)
                        for r in s.exec(q.order_by(col(DisclosureRequestRecord.request_id)))]

        return await asyncio.to_thread(read)
