"""The caseworker pages: server-rendered Danish pages on the task API, under ``/ui``.

No JavaScript: plain HTML forms, so every step works with the keyboard, a screen reader or
a text browser. Routes are thin; what they do is the task API's own functions. Sign-in uses
the API's tokens (``session``), every POST form is CSRF-checked, and personal data is
masked until an audited click (``services.api.cpr_reveal``).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from services.api.pages import desk_routes, login_routes, task_routes
from services.api.pages.oidc import check_login_settings
from services.api.pages.render import HERE, error_page, page_headers
from services.api.pages.session import CsrfRefused, LoginRequired, PageForbidden, end_session


async def _login_required(_request: Request, _exc: Exception) -> Response:
    response = RedirectResponse("/ui/login", status_code=303)
    end_session(response)
    return response


async def _forbidden(request: Request, _exc: Exception) -> Response:
    return error_page(request, 403, "Ingen adgang",
                      "Din rolle giver ikke adgang til denne side.")


async def _csrf_refused(request: Request, _exc: Exception) -> Response:
    return error_page(request, 403, "Formularen blev afvist",
                      "Formularen var udløbet eller kom fra en anden side. Gå tilbage, "
                      "genindlæs siden og prøv igen.")


def install_pages(app: FastAPI) -> None:
    """Adds the pages to the task API (``create_app``); raises ``OidcConfigError`` in
    production when the OIDC sign-in is configured unsafely."""
    check_login_settings(app.state.ctx.settings)
    app.include_router(login_routes.router)
    app.include_router(task_routes.router)
    app.include_router(desk_routes.router)
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="ui-static")
    app.middleware("http")(page_headers)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PageForbidden, _forbidden)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
