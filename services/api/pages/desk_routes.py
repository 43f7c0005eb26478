"""The municipality's follow-up list, the § 28 re-entry check and the partnership figures."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from services.api.notifications import notifications_for
from services.api.pages.charts import area_chart
from services.api.pages.reference import area_name, partnerships_of
from services.api.pages.render import error_page, page
from services.api.pages.session import CsrfChecked, User, require_role
from services.api.reentry_checks import ReentryDesk, RefusalInvalid, check, org_areas
from services.api.reentry_routes import ReentryCheckBody
from services.api.reports import is_party
from services.api.tasks import ApiContext
from verdictflow.domain.figures import YEAR, year_problem
from verdictflow.platform.figures import partnership_report, today

router = APIRouter(prefix="/ui", include_in_schema=False)
FIGURE_ROLES = ("police_reviewer", "municipality_caseworker", "supervisor", "operator",
                "auditor")


def _ctx(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.ctx
    return ctx


@router.get("/opfoelgning", response_class=HTMLResponse)
def follow_up(request: Request, user: User) -> Response:
    require_role(user, "municipality_caseworker")
    rows = notifications_for(request.app.state.read_model, user.org_id)
    return page(request, "follow_up.html", {"rows": rows, "title": "Opfølgning"}, user=user)


# -- § 28 --------------------------------------------------------------------------------
def _reentry_page(request: Request, user: Any, *, form: dict[str, str] | None = None,
                  errors: dict[str, str] | None = None, answer: Any = None,
                  asked: bool = False, status: int = 200) -> Response:
    ps = partnerships_of(_ctx(request).settings)
    areas = sorted((a, area_name(ps, a)) for a in org_areas(ps, user.org_id))
    return page(request, "reentry.html", {
        "areas": areas, "form": form or {}, "errors": errors or {}, "answer": answer,
        "asked": asked, "title": "Genindflytning (§ 28)", "area_name": area_name, "ps": ps,
    }, user=user, status=status)


@router.get("/genindflytning", response_class=HTMLResponse)
def reentry_form(request: Request, user: User) -> Response:
    require_role(user, "caseworker", "supervisor")
    return _reentry_page(request, user)


_REENTRY_FIELD_TEXT = {
    "cpr": "Skriv CPR-nummeret som DDMMÅÅ-XXXX.",
    "move_in_on": "Angiv den planlagte indflytningsdato.",
    "area_id": "Vælg et af jeres områder.",
}


@router.post("/genindflytning", response_class=HTMLResponse)
def reentry_check(request: Request, user: User, _csrf: CsrfChecked,
                  cpr: Annotated[str, Form()] = "",
                  move_in_on: Annotated[str, Form()] = "",
                  area_id: Annotated[str, Form()] = "") -> Response:
    require_role(user, "caseworker", "supervisor")
    # The CPR number is never echoed back into the form: the answer page does not need it.
    form = {"move_in_on": move_in_on, "area_id": area_id}
    try:
        body = ReentryCheckBody.model_validate({"cpr": cpr, "move_in_on": move_in_on or None,
                                                "area_id": area_id or None})
    except ValidationError as exc:
        errors = {str(e["loc"][0]): _REENTRY_FIELD_TEXT.get(str(e["loc"][0]), e["msg"])
                  for e in exc.errors() if e["loc"]}
        return _reentry_page(request, user, form=form, errors=errors, status=422)
    ctx = _ctx(request)
    desk = ReentryDesk.of(ctx.settings, ctx.keys, request.app.state.read_model)
    try:
        found = check(desk, cpr=body.cpr, org_id=user.org_id, actor=user.subject,
                      move_in=body.move_in_on, area_id=body.area_id)
    except RefusalInvalid as exc:
        field = "cpr" if str(exc).startswith("cpr") else "form"
        text = _REENTRY_FIELD_TEXT["cpr"] if field == "cpr" else str(exc)
        return _reentry_page(request, user, form=form, errors={field: text}, status=422)
    return _reentry_page(request, user, form=form, answer=found, asked=True)


# -- figures -------------------------------------------------------------------------------
@router.get("/tal", response_class=HTMLResponse)
def figures_index(request: Request, user: User) -> Response:
    require_role(user, *FIGURE_ROLES)
    ps = partnerships_of(_ctx(request).settings)
    mine = [p for p in ps.partnerships if is_party(user, p, ps)]
    year = today().year
    return page(request, "figures_index.html", {
        "partnerships": mine, "years": [year, year - 1], "title": "Partnerskabstal"}, user=user)


@router.get("/tal/{partnership_id}/{year}", response_class=HTMLResponse)
def figures(request: Request, partnership_id: str, year: int, user: User) -> Response:
    require_role(user, *FIGURE_ROLES)
    ps = partnerships_of(_ctx(request).settings)
    p = ps.partnership(partnership_id)
    if p is None or not is_party(user, p, ps):
        # Not a party: the same page as an unknown partnership.
        return error_page(request, 404, "Partnerskabet findes ikke",
                          "Din organisation er ikke part i et partnerskab med dette id.", user)
    problem = year_problem(year, today(), p.valid_from)
    if problem:
        return error_page(request, 422, "Ingen tal for året",
                          f"Der er ingen tal for {year}: {problem}.", user)
    report = partnership_report(request.app.state.read_model, p, year)
    charts = [area_chart(a, YEAR, f"graf-{i}") for i, a in enumerate(report["areas"])]
    return page(request, "figures.html", {
        "p": p, "year": year, "report": report, "charts": charts,
        "as_of": date.fromisoformat(report["as_of"]),
        "title": f"Partnerskabstal {year}: {p.name}"}, user=user)

