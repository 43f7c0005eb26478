"""``GET /reports/partnerships/{partnership_id}/{year}``: the partnership's yearly figures.

The figures count ids, never persons, so the partnership's parties read them: the police
district's reviewers, its municipalities' caseworkers, its housing organisations'
supervisors, and the platform's operators and auditors. A party of another partnership is
403, as is a role that reads no figures; partnerships are public reference data
(``verdictflow partnerships``), so an unknown one is a plain 404.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import Response

from services.api.auth import Principal, requires
from services.api.routes import Ctx, Db, _problems
from services.api.schemas import ValidationProblem
from verdictflow.domain.figures import report_csv, year_problem
from verdictflow.domain.partnerships import Partnership, Partnerships, load_partnerships
from verdictflow.platform.figures import partnership_report, today

router = APIRouter(tags=["reports"], responses=_problems(401, 403))
FigureReader = Annotated[Principal, requires(
    "police_reviewer", "municipality_caseworker", "supervisor", "operator", "auditor",
    what="partnership figures")]
EVERY_PARTNERSHIP = frozenset({"operator", "auditor"})


@lru_cache
def _partnerships(path: str) -> Partnerships:
    return load_partnerships(Path(path).read_text(encoding="utf-8"))


def is_party(user: Principal, p: Partnership, ps: Partnerships) -> bool:
    """Whether the caller's organisation is a party of the partnership in its role."""
    if user.role in EVERY_PARTNERSHIP:
        return True
    if user.role == "police_reviewer":
        return user.org_id == p.police_district
    if user.role == "municipality_caseworker":
        # A municipality is known by its id or its municipality code (Slagelse: 0330).
        codes = {m.code for mid in p.municipality_ids if (m := ps.municipality(mid))}
        return user.org_id in {*p.municipality_ids, *codes}
    if user.role == "supervisor":
        return user.org_id in p.housing_org_ids
    return False


@router.get("/reports/partnerships/{partnership_id}/{year}",
            responses={**_problems(404), 422: {"model": ValidationProblem},
                       200: {"content": {"text/csv": {}}, "description":
                             "The figures (JSON, or CSV with ?format=csv)"}})
def partnership_figures(
    partnership_id: str, year: int, ctx: Ctx, db: Db, user: FigureReader,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Any:
    """Per area, per quarter and year: verdicts received and disclosed, eligibility and
    decision outcomes, times to disclosure and decision, overdue tasks, re-entry blocks,
    § 28 refusals, municipality notifications, beside Politiets Tryghedsindeks."""
    ps = _partnerships(str(ctx.settings.partnerships_file))
    p = ps.partnership(partnership_id)
    if p is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such partnership")
    if not is_party(user, p, ps):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            detail="the caller's organisation is not a party of this "
                            "partnership")
    if problem := year_problem(year, today(), p.valid_from):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=problem)
    figures = partnership_report(db, p, year)
    if format == "csv":
        return Response(report_csv(figures), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition":
                                 f'attachment; filename="{p.id}-{year}.csv"'})
    return figures
