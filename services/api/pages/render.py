"""Templates, the menu per role, and the pages' response headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from services.api.auth import TASK_KINDS, Principal
from services.api.pages import danish
from services.api.pages.session import csrf_token, remember_csrf

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
TEMPLATES.env.filters["dato"] = danish.dansk_dato
TEMPLATES.env.filters["tid"] = danish.dansk_tid
TEMPLATES.env.globals["da"] = danish

PREFIX = "/ui"

# (label, path) per role; the first is the role's start page.
MENUS: dict[str, list[tuple[str, str]]] = {
    "caseworker": [("Indbakke", "/ui/opgaver"), ("Genindflytning (§ 28)", "/ui/genindflytning")],
    "supervisor": [("Indbakke", "/ui/opgaver"), ("Genindflytning (§ 28)", "/ui/genindflytning"),
                   ("Partnerskabstal", "/ui/tal")],
    "police_reviewer": [("Politiets kø", "/ui/opgaver"), ("Partnerskabstal", "/ui/tal")],
    "municipality_caseworker": [("Opfølgning", "/ui/opfoelgning"),
                                ("Partnerskabstal", "/ui/tal")],
    "operator": [("Partnerskabstal", "/ui/tal")],
    "auditor": [("Partnerskabstal", "/ui/tal")],
}


def menu_of(user: Principal) -> list[tuple[str, str]]:
    menu = MENUS.get(user.role, [])
    # A role given task kinds later (the municipality's follow-up tasks) gets the inbox.
    if user.role in TASK_KINDS and all(path != "/ui/opgaver" for _, path in menu):
        menu = [("Indbakke", "/ui/opgaver"), *menu]
    return menu


def home_of(user: Principal) -> str:
    menu = menu_of(user)
    return menu[0][1] if menu else "/ui/login"


def page(request: Request, template: str, context: dict[str, Any], *,
         user: Principal | None = None, status: int = 200) -> HTMLResponse:
    menu = menu_of(user) if user else []
    here = request.url.path
    response = TEMPLATES.TemplateResponse(request, template, {
        "user": user, "csrf": csrf_token(request), "here": here,
        "menu": [(label, path, here == path or here.startswith(path + "/"))
                 for label, path in menu],
        **context,
    }, status_code=status)
    remember_csrf(request, response)
    return response


def error_page(request: Request, status: int, title: str, text: str,
               user: Principal | None = None) -> HTMLResponse:
    return page(request, "error.html", {"title": title, "text": text}, user=user,
                status=status)


# Personal data: never cached, never framed, no referrer to other sites, scripts from
# nowhere (the pages have none), styles and images from the API's own origin only.
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    # same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on a
    # form POST, and the CSRF check compares the origin. URLs carry ids only anyway.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


async def page_headers(request: Request,
                       call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    response = await call_next(request)
    if request.url.path == PREFIX or request.url.path.startswith(PREFIX + "/"):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
    return response
