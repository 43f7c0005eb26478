"""``POST /reentry-checks`` and ``POST /reentry-refusals``: udlejningsbekendtgørelsen § 28
with almenboligloven § 63 e's minimum. The logic is ``services.api.reentry_checks``.

The CPR number travels in the body, never in a URL (URLs end up in access logs and
proxies), and becomes the pseudonym at once.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import BaseModel, Field

from services.api.auth import Principal, requires
from services.api.reentry_checks import (
    ReentryDesk,
    RefusalConflict,
    RefusalInvalid,
    check,
    refuse,
)
from services.api.routes import Ctx, Db, _problems
from services.api.schemas import ValidationProblem

router = APIRouter(tags=["re-entry (§ 28)"], responses=_problems(401, 403))
HousingCaseworker = Annotated[Principal, requires("caseworker", "supervisor",
                                                  what="re-entry checks and refusals")]
ID = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class ReentryCheckBody(BaseModel):
    cpr: str = Field(max_length=20, description="The applicant's CPR number (DDMMYY-SSSS).")
    move_in_on: date = Field(description="The intended move-in date: the two years are "
                             "counted back from it.")
    area_id: str | None = Field(default=None, max_length=64, pattern=ID,
                                description="One of the organisation's areas; default all.")


class NoRecordedTermination(BaseModel):
    recorded_termination: Literal[False] = False


class RecordedTermination(BaseModel):
    """Almenboligloven § 63 e's minimum, and nothing more."""

    recorded_termination: Literal[True] = True
    check_id: str = Field(description="Opaque: what a refusal rests on.")
    name: str | None = Field(description="The tenant's name (null for a block placed before "
                             "blocks carried it).")
    address: str | None = Field(description="The address of the terminated lease.")
    ground: str = Field(description="The legal ground of the termination.")
    terminated_on: date


class RefusalBody(BaseModel):
    check_id: str | None = Field(default=None, max_length=64, pattern=ID,
                                 description="The positive check the refusal rests on.")
    cpr: str | None = Field(default=None, max_length=20,
                            description="Instead of check_id: the applicant's CPR number ...")
    move_in_on: date | None = Field(default=None, description="... and the move-in date.")
    area_id: str | None = Field(default=None, max_length=64, pattern=ID)
    reasonable_grounds: str = Field(max_length=4000, description=(
        "Why this applicant is refused (§ 28 demands reasonable grounds, exceptionally). "
        "Kept sealed under the termination's case key; never reported."))


class RefusalView(BaseModel):
    refusal_id: str
    area_id: str
    municipality_id: str | None
    move_in_on: date
    refused_on: date
    reported_to: Literal["municipality"] = "municipality"


@router.post("/reentry-checks", responses={**_problems(400),
                                           422: {"model": ValidationProblem}})
async def reentry_check(body: ReentryCheckBody, ctx: Ctx, db: Db,
                        user: HousingCaseworker) -> NoRecordedTermination | RecordedTermination:
    """May this applicant be refused in our area (udlejningsbekendtgørelsen § 28)?

    Looks only in the caller's own areas (its departments'), at terminations within the
    two years before the move-in date that were not lifted as unjustified, not sued in
    time or overturned. The answer is `{"recorded_termination": false}`, the same for an
    unknown person and for anyone outside the area, or almenboligloven § 63 e's minimum:
    name, address, ground and termination date. Audited.
    """
    desk = ReentryDesk.of(ctx.settings, ctx.keys, db)
    try:
        found = await asyncio.to_thread(check, desk, cpr=body.cpr, org_id=user.org_id,
                                        actor=user.subject, move_in=body.move_in_on,
                                        area_id=body.area_id)
    except RefusalInvalid as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
    if found is None:
        return NoRecordedTermination()
    return RecordedTermination(check_id=found.check_id, name=found.name,
                               address=found.address, ground=found.ground,
                               terminated_on=found.terminated_on)


@router.post("/reentry-refusals", status_code=201,
             responses={**_problems(400, 409), 200: {"model": RefusalView},
                        422: {"model": ValidationProblem}})
async def reentry_refusal(body: RefusalBody, response: Response, ctx: Ctx, db: Db,
                          user: HousingCaseworker) -> RefusalView:
    """Records a § 28 refusal resting on a positive check, and reports the fact (ids only)
    to the area's municipality. 201 new, 200 the same refusal again; 422 with the reason
    when no check of the organisation allows it, 409 when the termination no longer does.
    """
    desk = ReentryDesk.of(ctx.settings, ctx.keys, db)
    try:
        refusal, new = await asyncio.to_thread(
            refuse, desk, org_id=user.org_id, actor=user.subject,
            grounds=body.reasonable_grounds, check_id=body.check_id, cpr=body.cpr,
            move_in=body.move_in_on, area_id=body.area_id)
    except RefusalInvalid as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
    except RefusalConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    if not new:
        response.status_code = status.HTTP_200_OK
    return RefusalView(refusal_id=refusal.refusal_id, area_id=refusal.area_id,
                       municipality_id=refusal.municipality_id, move_in_on=refusal.move_in_on,
                       refused_on=refusal.refused_on)
