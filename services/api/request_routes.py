"""Disclosure requests over HTTP, kept thin: the work is in ``disclosure_requests``."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from services.api import disclosure_requests as requests
from services.api.auth import HousingUser, RequestReader
from services.api.routes import Ctx, Db, _problems
from services.api.schemas import (
    DisclosureRequestBody,
    DisclosureRequestDetail,
    DisclosureRequestView,
    ValidationProblem,
)

router = APIRouter(tags=["disclosure requests"], responses=_problems(401, 403))


@router.post("/disclosure-requests", status_code=status.HTTP_201_CREATED,
             responses={200: {"description": "the same request was made already today"},
                        **_problems(400, 503), 422: {"model": ValidationProblem}})
async def make_request(body: DisclosureRequestBody, response: Response, ctx: Ctx, db: Db,
                       user: HousingUser) -> DisclosureRequestView:
    """Asks the area's police district about a resident (almenboligloven § 63 d; on request
    the police must disclose a judgment covered by almenlejeloven § 90, stk. 1, nr. 10).

    The request stays open for the partnership's period; a verdict registered meanwhile
    that may be disclosed to you is. 422 says why a request cannot be made.
    """
    view, created = await requests.make_request(ctx, db, user, body.cpr, body.area_id,
                                                body.reason)
    if not created:
        response.status_code = status.HTTP_200_OK
    return view


@router.get("/disclosure-requests")
def list_requests(db: Db, user: RequestReader) -> list[DisclosureRequestView]:
    """Your organisation's requests; for a police reviewer, those the district reviews."""
    return requests.list_requests(db, user)


@router.get("/disclosure-requests/{request_id}", responses=_problems(404, 503))
async def read_request(request_id: str, ctx: Ctx, db: Db,
                       user: RequestReader) -> DisclosureRequestDetail:
    """One request, with its reason (audited); the police district also sees the person's
    cases registered when it came."""
    return await requests.read_request(ctx, db, user, request_id)
