"""The inbox (and the police's queue), the case page, the CPR reveal and the decision form.

Thin: each route calls the task API's own functions (``services.api.tasks``, ``claims``,
``cpr_reveal``) and renders what they return; a refusal becomes a page or a reason beside
the field, never a second copy of the rule.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.api import tasks
from services.api.auth import TASK_KINDS, Principal
from services.api.claims import TaskHeldByAnother, claim_task, release_task
from services.api.cpr_reveal import reveal_cpr
from services.api.pages import casefile, consequences, danish
from services.api.pages.reference import area_name, partnerships_of
from services.api.pages.render import error_page, page
from services.api.pages.session import CsrfChecked, User, require_role
from services.api.schemas import AssigneeBody, DecisionBody
from verdictflow.domain.case import TASK_OUTCOMES
from verdictflow.platform.database import Database
from verdictflow.platform.figures import today

router = APIRouter(prefix="/ui", include_in_schema=False)

OUTCOME_ORDER = ["terminate", "warn", "no_action", "disclose", "no_disclosure", "keep_open",
                 "refuse"]
MESSAGES = {
    "taget": "Du har taget opgaven.",
    "frigivet": "Opgaven er frigivet.",
    "tildelt": "Opgaven er tildelt.",
    "optaget": "En anden sagsbehandler har allerede taget opgaven.",
    "lukket": "Opgaven er ikke længere åben.",
    "ugyldig": "Medarbejder-id'et er ugyldigt (ingen mellemrum).",
}


def _ctx(request: Request) -> tasks.ApiContext:
    ctx: tasks.ApiContext = request.app.state.ctx
    return ctx


def _db(request: Request) -> Any:
    return request.app.state.read_model


def _task_roles(user: Principal) -> None:
    require_role(user, *TASK_KINDS)


def not_found(request: Request, user: Principal) -> Response:
    return error_page(request, 404, "Opgaven findes ikke",
                      "Der er ingen opgave med dette nummer i din organisations sager.", user)


@router.get("/opgaver", response_class=HTMLResponse)
def inbox_page(request: Request, user: User,
               omraade: Annotated[str, Query(max_length=64)] = "",
               type: Annotated[str, Query(max_length=32)] = "",
               status: Annotated[str, Query(max_length=32)] = "open",
               besked: str | None = None) -> Response:
    _task_roles(user)
    kinds = sorted(TASK_KINDS[user.role])
    f = casefile.Filters(area=omraade, kind=type if type in kinds else "",
                         state=status if status in danish.TASK_STATES else "")
    db = _db(request)
    ps = partnerships_of(_ctx(request).settings)
    rows = casefile.inbox(db, user, f, today())
    areas = [(a, area_name(ps, a)) for a in casefile.areas_of_tasks(db, user)]
    return page(request, "inbox.html", {
        "rows": rows, "filters": f, "areas": areas, "kinds": kinds, "ps": ps,
        "area_name": area_name, "message": MESSAGES.get(besked or ""),
        "title": "Politiets kø" if user.role == "police_reviewer" else "Indbakke",
    }, user=user)


def task_page(request: Request, user: Principal, task_id: str, *, cpr: str | None = None,
              form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
              notice: str | None = None, status: int = 200) -> Response:
    ctx, db = _ctx(request), _db(request)
    try:
        detail = tasks.read_task(ctx, db, user, task_id)  # opened, masked and audited
    except tasks.TaskNotFound:
        return not_found(request, user)
    except tasks.DisclosureUnreadable as exc:
        return error_page(request, 502, "Videregivelsen kan ikke åbnes", str(exc), user)
    ps = partnerships_of(ctx.settings)
    d = detail.disclosure
    area_id = d.housing.area_id if d else None
    stages = casefile.stages(db, detail.case_id)
    if area_id is None and stages:
        area_id = next((s.area_id for s in reversed(stages) if s.area_id), None)
    allowed = TASK_OUTCOMES.get(detail.kind, set())
    # Known outcomes in their reading order; one added later (another branch) still shows.
    outcomes = [o for o in OUTCOME_ORDER if o in allowed] + sorted(allowed - set(OUTCOME_ORDER))
    now = today()
    return page(request, "task.html", {
        "t": detail, "d": d, "cpr": cpr, "stages": stages,
        "tasks": casefile.case_tasks(db, user, detail.case_id),
        "blocks": casefile.blocks(db, detail.case_id),
        "area": area_name(ps, area_id), "outcomes": outcomes,
        "form": form or {}, "errors": errors or {}, "notice": notice,
        "today": now, "example_block_end": consequences.block_end(now),
        "example_notice_end": consequences.opsigelse_end(now),
        "example_objection_end": consequences.objection_deadline(now),
        "overdue": detail.status == "open" and detail.due_on is not None and detail.due_on < now,
        "title": f"Opgave {detail.task_id}",
    }, user=user, status=status)


@router.get("/opgaver/{task_id}", response_class=HTMLResponse)
def task_view(request: Request, task_id: str, user: User,
              afgjort: str | None = None, besked: str | None = None) -> Response:
    _task_roles(user)
    notice = MESSAGES.get(besked or "")
    if afgjort in danish.OUTCOMES:
        notice = (f"Afgørelsen «{danish.OUTCOMES[afgjort]}» er sendt til sagen. "
                  "Tidslinjen viser den, når sagen har registreret den.")
    return task_page(request, user, task_id, notice=notice)


@router.post("/opgaver/{task_id}/cpr", response_class=HTMLResponse)
def reveal(request: Request, task_id: str, user: User, _csrf: CsrfChecked) -> Response:
    _task_roles(user)
    try:
        cpr = reveal_cpr(_ctx(request), _db(request), user, task_id)
    except tasks.TaskNotFound:
        return not_found(request, user)
    except tasks.DisclosureUnreadable as exc:
        return error_page(request, 502, "Videregivelsen kan ikke åbnes", str(exc), user)
    return task_page(request, user, task_id, cpr=cpr)


def _field_errors(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in exc.errors():
        field = str(e["loc"][0]) if e["loc"] else "form"
        if field == "outcome":
            out[field] = "Vælg en afgørelse."
        elif field == "termination_date":
            out[field] = "Ophævelsesdatoen skal være en gyldig dato."
        elif field == "route":
            out[field] = "Vælg ophævelse eller opsigelse."
        elif field == "ground":
            out[field] = "Grundlaget må højst være 100 tegn."
        elif field == "justification":
            out[field] = "Begrundelsen må højst være 5000 tegn."
        else:
            out["form"] = "Formularen kunne ikke læses."
    return out


@router.post("/opgaver/{task_id}/afgoerelse", response_class=HTMLResponse)
async def decide(request: Request, task_id: str, user: User, _csrf: CsrfChecked,
                 outcome: Annotated[str, Form()] = "",
                 justification: Annotated[str, Form()] = "",
                 termination_date: Annotated[str, Form()] = "",
                 route: Annotated[str, Form()] = "",
                 ground: Annotated[str, Form()] = "") -> Response:
    _task_roles(user)
    form = {"outcome": outcome, "justification": justification,
            "termination_date": termination_date, "route": route, "ground": ground}
    errors: dict[str, str] = {}
    try:
        body = DecisionBody.model_validate({
            "outcome": outcome or None, "justification": justification,
            "termination_date": termination_date or None, "route": route or None,
            "ground": ground or None})
    except ValidationError as exc:
        errors = _field_errors(exc)
    else:
        try:
            await tasks.decide(_ctx(request), _db(request), user, task_id, body)
        except tasks.TaskNotFound:
            return await asyncio.to_thread(not_found, request, user)
        except tasks.DecisionInvalid as exc:  # the API's 422 reason, beside its field
            field, text = danish.reason_in_danish(str(exc))
            errors[field or "form"] = text
        except tasks.TaskError as exc:  # 409 / 503: the case refused or cannot answer now
            errors["form"] = f"Sagen tog ikke imod afgørelsen: {exc}"
        else:
            return RedirectResponse(f"/ui/opgaver/{task_id}?afgjort={body.outcome}",
                                    status_code=303)
    return await asyncio.to_thread(task_page, request, user, task_id, form=form,
                                   errors=errors, status=422)


def _back(task_id: str, tilbage: str, message: str) -> Response:
    target = f"/ui/opgaver/{task_id}" if tilbage == "opgave" else "/ui/opgaver"
    return RedirectResponse(f"{target}?besked={message}", status_code=303)


@router.post("/opgaver/{task_id}/tag")
def claim(request: Request, task_id: str, user: User, _csrf: CsrfChecked,
          tilbage: Annotated[str, Form()] = "") -> Response:
    return _hold(request, task_id, user, tilbage, claim_task, "taget")


@router.post("/opgaver/{task_id}/frigiv")
def release(request: Request, task_id: str, user: User, _csrf: CsrfChecked,
            tilbage: Annotated[str, Form()] = "") -> Response:
    return _hold(request, task_id, user, tilbage, release_task, "frigivet")


def _hold(request: Request, task_id: str, user: Principal, tilbage: str,
          act: Callable[[Database, Principal, str], object], done: str) -> Response:
    """Takes or releases a task; another's hold or a closed task is said, not raised."""
    _task_roles(user)
    try:
        act(_db(request), user, task_id)
    except tasks.TaskNotFound:
        return not_found(request, user)
    except TaskHeldByAnother:
        return _back(task_id, tilbage, "optaget")
    except tasks.TaskNotOpen:
        return _back(task_id, tilbage, "lukket")
    return _back(task_id, tilbage, done)


@router.post("/opgaver/{task_id}/tildel")
def reassign(request: Request, task_id: str, user: User, _csrf: CsrfChecked,
             assignee: Annotated[str, Form()] = "",
             tilbage: Annotated[str, Form()] = "") -> Response:
    require_role(user, "supervisor")
    try:
        body = AssigneeBody(assignee=assignee.strip())
    except ValidationError:
        return _back(task_id, tilbage, "ugyldig")
    try:
        tasks.assign_task(_db(request), user, task_id, body.assignee)
    except tasks.TaskNotFound:
        return not_found(request, user)
    except tasks.TaskNotOpen:
        return _back(task_id, tilbage, "lukket")
    return _back(task_id, tilbage, "tildelt")
