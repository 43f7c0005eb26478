"""Sign-in and sign-out: the development sign-in (never in production) and OIDC."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import jwt
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.api.auth import InvalidToken, KeysUnavailable, issue_dev_token, verify_token
from services.api.pages import danish, oidc
from services.api.pages.reference import partnerships_of
from services.api.pages.render import error_page, home_of, page
from services.api.pages.session import (
    CsrfChecked,
    LoginRequired,
    end_session,
    page_principal,
    secure,
    set_session,
)
from services.api.tasks import ApiContext
from verdictflow.domain.partnerships import Partnerships
from verdictflow.platform.identity_provider import ROLES
from verdictflow.platform.log import get_logger

router = APIRouter(prefix="/ui", include_in_schema=False)
log = get_logger(__name__)


def _ctx(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.ctx
    return ctx


def dev_login_allowed(ctx: ApiContext) -> bool:
    return ctx.settings.environment != "production"


def sign_in_choices(ps: Partnerships) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """(group, [(org id, role, label)]) from the reference data: who one can sign in as."""
    housing = [(o.id, role, f"{o.name} – {danish.ROLES[role]}")
               for o in ps.housing_organisations for role in ("caseworker", "supervisor")]
    police = [(d.id, "police_reviewer", f"{d.name} – {danish.ROLES['police_reviewer']}")
              for d in ps.police_districts]
    municipalities = [(m.id, "municipality_caseworker",
                       f"{m.name} Kommune – {danish.ROLES['municipality_caseworker']}")
                      for m in ps.municipalities]
    return [("Boligorganisationer", housing), ("Politikredse", police),
            ("Kommuner", municipalities)]


@router.get("", response_class=HTMLResponse)
@router.get("/", response_class=HTMLResponse)
def ui_home(request: Request) -> Response:
    try:
        user = page_principal(request)
    except LoginRequired:
        return RedirectResponse("/ui/login", status_code=303)
    return RedirectResponse(home_of(user), status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, fejl: str | None = None) -> Response:
    ctx = _ctx(request)
    choices = (sign_in_choices(partnerships_of(ctx.settings))
               if dev_login_allowed(ctx) else [])
    return page(request, "login.html", {
        "choices": choices, "oidc": oidc.oidc_enabled(ctx.settings),
        "error": LOGIN_ERRORS.get(fejl or ""),
        "choice_error": LOGIN_ERRORS["valg"] if fejl == "valg" else None})


LOGIN_ERRORS = {
    "valg": "Vælg hvem du vil logge ind som.",
    "oidc": "Log ind hos identitetsudbyderen mislykkedes. Prøv igen.",
    "token": "Identitetsudbyderens adgangsbevis blev ikke godkendt.",
}


@router.post("/login/dev")
def dev_login(request: Request, _csrf: CsrfChecked,
              konto: Annotated[str, Form()] = "") -> Response:
    ctx = _ctx(request)
    if not dev_login_allowed(ctx):
        return error_page(request, 404, "Siden findes ikke", "Udviklingslogin findes ikke her.")
    org_id, _, role = konto.partition("|")
    ps = partnerships_of(ctx.settings)
    allowed = {(o, r) for _, group in sign_in_choices(ps) for o, r, _ in group}
    if (org_id, role) not in allowed or role not in ROLES:
        return RedirectResponse("/ui/login?fejl=valg", status_code=303)
    ttl = timedelta(minutes=ctx.settings.api_token_ttl_minutes)
    token = issue_dev_token(ctx.settings, ctx.keys, org_id, role=role, ttl=ttl)
    response = RedirectResponse("/ui/", status_code=303)
    set_session(request, response, token, int(ttl.total_seconds()))
    log.info("pages.signed_in", org_id=org_id, role=role, how="development")
    return response


@router.get("/login/oidc")
def oidc_login(request: Request) -> Response:
    settings = _ctx(request).settings
    if not oidc.oidc_enabled(settings):
        return error_page(request, 404, "Siden findes ikke", "OIDC-login er ikke sat op.")
    try:
        url, pending = oidc.start(settings)
    except oidc.LoginFailed as exc:
        log.warning("pages.oidc_failed", reason=str(exc))
        return RedirectResponse("/ui/login?fejl=oidc", status_code=303)
    response = RedirectResponse(url, status_code=303)
    # Lax, not Strict: it must come back on the identity provider's cross-site redirect.
    response.set_cookie(oidc.PENDING, pending.cookie(), max_age=oidc.PENDING_SECONDS,
                        httponly=True, samesite="lax", secure=secure(request),
                        path="/ui/login")
    return response


@router.get("/login/callback")
def oidc_callback(request: Request, code: Annotated[str | None, Query()] = None,
                  state: Annotated[str | None, Query()] = None,
                  error: Annotated[str | None, Query()] = None) -> Response:
    ctx = _ctx(request)
    try:
        pending = oidc.Pending.from_cookie(request.cookies.get(oidc.PENDING))
        token = oidc.finish(ctx.settings, pending, code, state, error)
    except oidc.LoginFailed as exc:
        log.warning("pages.oidc_failed", reason=str(exc))
        return RedirectResponse("/ui/login?fejl=oidc", status_code=303)
    try:
        user = verify_token(token, ctx.settings, ctx.keys)
    except (InvalidToken, KeysUnavailable) as exc:
        log.warning("pages.oidc_token_refused", reason=str(exc))
        return RedirectResponse("/ui/login?fejl=token", status_code=303)
    claims = jwt.decode(token, options={"verify_signature": False})  # verified just above
    # A page, not a redirect: after the identity provider's cross-site redirect the browser
    # would not send the SameSite=Strict session cookie on an immediate second redirect.
    response = page(request, "signed_in.html", {"next": home_of(user)}, user=user)
    set_session(request, response, token, max(1, int(claims["exp"]) - int(claims["iat"])))
    response.delete_cookie(oidc.PENDING, path="/ui/login")
    log.info("pages.signed_in", org_id=user.org_id, role=user.role, how="oidc")
    return response


@router.post("/logout")
def logout(request: Request, _csrf: CsrfChecked) -> Response:
    response = RedirectResponse("/ui/login", status_code=303)
    end_session(response)
    return response
