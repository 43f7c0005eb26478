"""A case's termination route over HTTP, kept thin: the work is in ``termination``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from services.api import termination
from services.api.auth import CaseOrgUser
from services.api.routes import Ctx, Db, _problems
from services.api.schemas import (
    CourtOutcomeBody,
    ObjectionBody,
    SuitBody,
    TerminationView,
    ValidationProblem,
)

router = APIRouter(tags=["termination"], responses=_problems(401, 403))
CaseId = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]
RECORD_ANSWERS = {**_problems(400, 404, 409, 503), 422: {"model": ValidationProblem}}


@router.get("/cases/{case_id}/termination", responses=_problems(404, 503))
async def read_termination(case_id: CaseId, ctx: Ctx, db: Db,
                           user: CaseOrgUser) -> TerminationView:
    """The case's termination route: its dates (notice end, the tenant's and your
    deadlines), what was recorded and what it awaits. Your organisation's cases only;
    audited."""
    return await termination.read_termination(ctx, db, user, case_id)


@router.post("/cases/{case_id}/termination/objection", responses=RECORD_ANSWERS)
async def record_objection(case_id: CaseId, body: ObjectionBody, ctx: Ctx, db: Db,
                           user: CaseOrgUser) -> TerminationView:
    """The tenant objected in writing to the opsigelse (almenlejeloven § 89, stk. 2). You
    get a `sue` task: if you want the opsigelse to stand, sue in boligretten within 6 weeks
    after the tenant's deadline; if you do not, the re-entry block is lifted
    (udlejningsbekendtgørelsen § 28). 409: not an opsigelse, already objected, or the
    route has ended; 422: the date lies outside the tenant's window or in the future."""
    return await termination.record_objection(ctx, db, user, case_id, body)


@router.post("/cases/{case_id}/termination/suit", responses=RECORD_ANSWERS)
async def record_suit(case_id: CaseId, body: SuitBody, ctx: Ctx, db: Db,
                      user: CaseOrgUser) -> TerminationView:
    """You sued in boligretten after the tenant's objection, or (ophævelse) went to
    fogedretten. 409: an opsigelse nobody objected to, already recorded, or ended; 422: the
    date lies outside the deadline or in the future."""
    return await termination.record_suit(ctx, db, user, case_id, body)


@router.post("/cases/{case_id}/termination/court-outcome", responses=RECORD_ANSWERS)
async def record_court_outcome(case_id: CaseId, body: CourtOutcomeBody, ctx: Ctx, db: Db,
                               user: CaseOrgUser) -> TerminationView:
    """What boligretten or fogedretten ended with: `unjustified` lifts the re-entry block,
    `upheld` and `settled` leave it standing. 409: an opsigelse without a recorded suit, or
    the route has ended; 422: the date is before the suit or in the future."""
    return await termination.record_court_outcome(ctx, db, user, case_id, body)
