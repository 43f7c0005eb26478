"""``POST /reentry-blocks/check`` (deprecated, see ``reentry_routes``): may this applicant
be refused in our area?

The CPR number travels in the body, never in a URL (URLs end up in access logs and
proxies); the look-up runs on the keyed pseudonym and is audited.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from services.api.auth import Principal, requires
from services.api.block_check import active_blocks, partnership_areas_of
from services.api.routes import Ctx, Db, _problems
from services.api.schemas import ValidationProblem
from verdictflow.domain.identity import InvalidCpr, person_ref
from verdictflow.domain.partnerships import Partnerships, load_partnerships
from verdictflow.platform.audit import BLOCK_LOOKUP, record_audit

router = APIRouter(tags=["re-entry blocks"], responses=_problems(401, 403))
BlockChecker = Annotated[Principal, requires("caseworker", "supervisor",
                                             what="re-entry block checks")]


class BlockCheck(BaseModel):
    cpr: str = Field(description="The applicant's CPR number (DDMMYY-SSSS).")


class ActiveBlock(BaseModel):
    area_id: str
    placed_on: date
    expires_on: date


class BlockAnswer(BaseModel):
    blocked: bool
    blocks: list[ActiveBlock]
    legal_basis: str = "Udlejningsbekendtgørelsen § 28"


@lru_cache
def _partnerships(path: str) -> Partnerships:
    return load_partnerships(Path(path).read_text(encoding="utf-8"))


# 400: a body that is not UTF-8; 422: a malformed body, or a CPR number that is not one.
@router.post("/reentry-blocks/check", deprecated=True,
             responses={**_problems(400), 422: {"model": ValidationProblem}})
def check_block(body: BlockCheck, ctx: Ctx, db: Db, user: BlockChecker) -> BlockAnswer:
    """Deprecated: use `POST /reentry-checks`, which answers by the move-in date and the
    caller's own area with almenboligloven § 63 e's minimum, as § 28 asks. Kept for
    integrators; it answers for the whole partnership at today's date."""
    try:
        ref = person_ref(body.cpr, ctx.keys.pseudonym_key())
    except InvalidCpr as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
    areas = partnership_areas_of(_partnerships(str(ctx.settings.partnerships_file)), user.org_id)
    found = active_blocks(db, ref, areas, date.today())
    record_audit(db, actor=user.subject, action=BLOCK_LOOKUP,
                 org_id=user.org_id, detail=f"{ref} {'blocked' if found else 'clear'}")
    return BlockAnswer(blocked=bool(found), blocks=[
        ActiveBlock(area_id=b.area_id, placed_on=b.placed_on, expires_on=b.expires_on)
        for b in found])
