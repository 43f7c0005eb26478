"""The pages' session and CSRF protection.

**Session.** The cookie holds the access token itself, the same token the JSON API takes as
a bearer token, and every page request verifies it with ``auth.verify_token`` (issuer,
audience, expiry, signature): one code path for both. The cookie is HttpOnly (no script
reads it), SameSite=Strict (no other site's page makes the browser send it) and Secure
whenever the page is served over https or the environment is production.

**CSRF.** Every POST form carries a double-submit token: a random value in its own cookie
(``__Host-`` prefixed over https, so a sibling subdomain cannot plant one) repeated in a
hidden field, compared in constant time. On top of that, SameSite=Strict keeps the session
cookie off cross-site requests, and a request whose ``Origin`` header names another origin
is refused before the token is even looked at.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request, Response

from services.api.auth import InvalidToken, KeysUnavailable, Principal, verify_token

SESSION = "vf_session"
CSRF = "vf_csrf"
CSRF_FIELD = "csrf"


class LoginRequired(Exception):
    """No valid session: the page handler sends the browser to the sign-in page."""


class CsrfRefused(Exception):
    """A POST without the matching token, or from another origin (403)."""


class PageForbidden(Exception):
    """The role has no access to this page (403)."""


def secure(request: Request) -> bool:
    return (request.url.scheme == "https"
            or request.app.state.ctx.settings.environment == "production")


def csrf_cookie_name(request: Request) -> str:
    return f"__Host-{CSRF}" if secure(request) else CSRF


def csrf_token(request: Request) -> str:
    """The token this browser already has, or a new one (set on the response by
    ``remember_csrf``); templates put it in every form."""
    token: str | None = getattr(request.state, "csrf", None)
    if token is None:
        token = request.cookies.get(csrf_cookie_name(request)) or secrets.token_urlsafe(32)
        request.state.csrf = token
    return token


def remember_csrf(request: Request, response: Response) -> None:
    token = getattr(request.state, "csrf", None)
    if token and request.cookies.get(csrf_cookie_name(request)) != token:
        response.set_cookie(csrf_cookie_name(request), token, httponly=True,
                            samesite="strict", secure=secure(request), path="/")


def _own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


async def csrf_checked(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin is not None and origin != _own_origin(request):
        raise CsrfRefused("the form was sent from another site")
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    kept = request.cookies.get(csrf_cookie_name(request))
    if not isinstance(sent, str) or not kept or not hmac.compare_digest(sent, kept):
        raise CsrfRefused("the form's security token is missing or does not match")


CsrfChecked = Annotated[None, Depends(csrf_checked)]


def set_session(request: Request, response: Response, token: str, max_age: int) -> None:
    response.set_cookie(SESSION, token, max_age=max_age, httponly=True, samesite="strict",
                        secure=secure(request), path="/")


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION, path="/")


def page_principal(request: Request) -> Principal:
    token = request.cookies.get(SESSION)
    if not token:
        raise LoginRequired()
    ctx = request.app.state.ctx
    try:
        return verify_token(token, ctx.settings, ctx.keys)
    except (InvalidToken, KeysUnavailable) as exc:
        raise LoginRequired() from exc


User = Annotated[Principal, Depends(page_principal)]


def require_role(user: Principal, *roles: str) -> None:
    if user.role not in roles:
        raise PageForbidden()
