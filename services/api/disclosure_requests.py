"""What the request endpoints do: a housing organisation asks about a resident, the
requester and the reviewing police district follow the request.

The CPR number is turned into the pseudonym before anything else happens to it; the area
is checked against the reference data (an organisation asks only about its own areas)
before a workflow is named after it. The requester sees the request's state and the case
that answered it, never which other cases the person has: only the police district sees
those.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlmodel import col, select
from temporalio.client import WorkflowHandle, WorkflowQueryFailedError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from services.api.auth import Principal
from services.api.schemas import DisclosureRequestDetail, DisclosureRequestView, MatchedCaseView
from services.api.tasks import ApiContext, CaseServiceUnavailable, TaskError
from verdictflow.domain.identity import InvalidCpr, person_ref
from verdictflow.domain.partnerships import Partnerships, load_partnerships
from verdictflow.domain.requests import (
    RequestState,
    request_id_for,
    request_problem,
    request_workflow_id,
)
from verdictflow.platform.audit import REQUEST_MADE, REQUEST_READ, record_audit
from verdictflow.platform.database import Database
from verdictflow.platform.log import get_logger
from verdictflow.platform.readmodel import DisclosureRequestRecord
from workflows.request.messages import RequestDetails, RequestInput
from workflows.request.workflow import DisclosureRequestWorkflow

log = get_logger(__name__)


class RequestInvalid(TaskError):
    """The request breaks a rule; ``str(self)`` says which (never quoting the CPR number)."""


class RequestNotFound(TaskError):
    """Unknown, or another organisation's: one answer, so existence does not leak."""

    def __init__(self) -> None:
        super().__init__("request not found")


@lru_cache
def _partnerships(path: str) -> Partnerships:
    return load_partnerships(Path(path).read_text(encoding="utf-8"))


def _view(row: DisclosureRequestRecord) -> DisclosureRequestView:
    return DisclosureRequestView.model_validate(row)


def _readable_by(row: DisclosureRequestRecord | None, principal: Principal) -> bool:
    if row is None:
        return False
    if principal.role == "police_reviewer":
        return row.police_district == principal.org_id
    return row.org_id == principal.org_id


async def make_request(ctx: ApiContext, db: Database, principal: Principal, cpr: str,
                       area_id: str, reason: str) -> tuple[DisclosureRequestView, bool]:
    """Starts the request (or finds today's same request); True when it is new."""
    try:
        ref = person_ref(cpr, ctx.keys.pseudonym_key())
    except InvalidCpr as exc:
        raise RequestInvalid(f"cpr: {exc}") from None
    ps = _partnerships(str(ctx.settings.partnerships_file))
    today = datetime.now(UTC).date()
    problem = request_problem(ps, principal.org_id, area_id, reason, today)
    if problem:
        raise RequestInvalid(problem)
    partnership = ps.partnership_of_area(area_id)
    assert partnership is not None  # request_problem has checked it
    request_id = request_id_for(ref, principal.org_id, area_id, today)
    request = RequestInput(
        request_id=request_id, org_id=principal.org_id, area_id=area_id,
        police_district=partnership.police_district, person_ref=ref, reason=reason.strip(),
        requested_by=principal.subject, requested_on=today.isoformat(),
        open_until=(today + timedelta(days=ctx.settings.disclosure_request_open_days))
        .isoformat(),
        review_deadline_days=ctx.settings.disclosure_request_review_days)

    client = await ctx.temporal.get()
    try:
        await client.start_workflow(
            DisclosureRequestWorkflow.run, request, id=request_workflow_id(request_id),
            task_queue=ctx.settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE)
        created = True
    except WorkflowAlreadyStartedError:
        created = False  # asked already today: the same request
    except RPCError as exc:
        raise CaseServiceUnavailable("the case service failed; try again shortly") from exc
    await asyncio.to_thread(record_audit, db, actor=principal.subject, action=REQUEST_MADE,
                            org_id=principal.org_id, detail=request_id, once=True)
    log.info("request.made", request_id=request_id, org_id=principal.org_id, new=created)

    row = await asyncio.to_thread(_row, db, request_id)
    if row is not None:
        return _view(row), created
    # The workflow writes the row a moment after it starts: answer with what it will say.
    return DisclosureRequestView(
        request_id=request_id, org_id=request.org_id, area_id=area_id,
        police_district=request.police_district, state=RequestState.OPEN.value,
        requested_on=today, open_until=datetime.fromisoformat(request.open_until).date(),
    ), created


def _row(db: Database, request_id: str) -> DisclosureRequestRecord | None:
    with db.session() as s:
        return s.get(DisclosureRequestRecord, request_id)


def list_requests(db: Database, principal: Principal) -> list[DisclosureRequestView]:
    """The caller's organisation's requests, or the district's to review; newest first."""
    mine = (DisclosureRequestRecord.police_district if principal.role == "police_reviewer"
            else DisclosureRequestRecord.org_id)
    with db.session() as s:
        q = (select(DisclosureRequestRecord).where(mine == principal.org_id)
             .order_by(col(DisclosureRequestRecord.requested_on).desc(),
                       col(DisclosureRequestRecord.request_id)))
        return [_view(r) for r in s.exec(q)]


async def read_request(ctx: ApiContext, db: Database, principal: Principal,
                       request_id: str) -> DisclosureRequestDetail:
    row = await asyncio.to_thread(_row, db, request_id)
    if row is None or not _readable_by(row, principal):
        raise RequestNotFound()
    detail = DisclosureRequestDetail(**_view(row).model_dump())
    details = await _details(ctx, request_id)
    if details is not None:
        detail.reason = details.reason
        if principal.role == "police_reviewer":  # the requester never learns of other cases
            detail.matched_cases = [MatchedCaseView(case_id=m.case_id, stage=m.stage)
                                    for m in details.matched_cases]
    await asyncio.to_thread(record_audit, db, actor=principal.subject, action=REQUEST_READ,
                            org_id=principal.org_id, detail=request_id)
    return detail


async def _details(ctx: ApiContext, request_id: str) -> RequestDetails | None:
    """The workflow's own account (the reason lives only there); None past retention."""
    client = await ctx.temporal.get()
    handle: WorkflowHandle[DisclosureRequestWorkflow, object] = client.get_workflow_handle(
        request_workflow_id(request_id))
    try:
        details: RequestDetails = await handle.query(DisclosureRequestWorkflow.details)
    except (RPCError, WorkflowQueryFailedError) as exc:
        log.warning("request.details_unavailable", request_id=request_id,
                    error=type(exc).__name__)
        return None
    return details
