"""The FastAPI application: ``create_app`` builds it; nothing connects at import.

Run with ``uvicorn services.api.app:app`` (or ``uvicorn --factory
services.api.app:create_app``). Temporal is connected at the first decision, not at start.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import cast

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from services.api import disclosure_requests, operating, tasks
from services.api.auth import check_oidc_settings
from services.api.blocks import router as blocks_router
from services.api.reentry_routes import router as reentry_router
from services.api.reports import router as reports_router
from services.api.request_routes import router as requests_router
from services.api.routes import dev_router, router
from verdictflow.domain.eligibility_policy import TerminationWindow
from verdictflow.platform.database import Database
from verdictflow.platform.keys import keystore_for
from verdictflow.platform.log import configure, get_logger
from verdictflow.platform.readmodel import read_model_database
from verdictflow.platform.reference import load_reference
from verdictflow.platform.settings import Settings, get_settings

log = get_logger(__name__)

STATUS_FOR: dict[type[tasks.TaskError], int] = {
    tasks.TaskNotFound: 404,
    tasks.TaskNotOpen: 409,
    tasks.DecisionRejected: 409,
    tasks.DecisionInvalid: 422,
    tasks.DisclosureUnreadable: 502,
    tasks.CaseServiceUnavailable: 503,
    disclosure_requests.RequestInvalid: 422,
    disclosure_requests.RequestNotFound: 404,
}


async def _task_error(_request: Request, exc: Exception) -> JSONResponse:
    status = STATUS_FOR.get(type(exc), 400) if isinstance(exc, tasks.TaskError) else 500
    return JSONResponse({"detail": str(exc)}, status_code=status)


async def _invalid_request(_request: Request, exc: Exception) -> Response:
    """FastAPI's 422 without the ``input`` it echoes: the input may be personal data (a CPR
    number sent as a number), and a lone surrogate in it (valid JSON, not UTF-8) made
    rendering the answer fail with 500. ASCII-escaped JSON, as a field name may hold one too."""
    # Starlette types handlers for any Exception; this one is registered for this class only.
    invalid = cast(RequestValidationError, exc)
    errors = [{"loc": e["loc"], "msg": e["msg"], "type": e["type"]} for e in invalid.errors()]
    body = json.dumps({"detail": jsonable_encoder(errors)})
    return Response(body, status_code=422, media_type="application/json")


def _termination_window(settings: Settings) -> TerminationWindow:
    """The API's early check uses the window of the policy new cases start on; each case
    checks again against its own."""
    policies = load_reference(settings).policies
    return policies.for_new_case(datetime.now(UTC).date()).termination_window


def create_app(settings: Settings | None = None,
               temporal_client: tasks.UpdateClient | None = None,
               database: Database | None = None) -> FastAPI:
    """The task API. ``temporal_client`` and ``database`` (the read model) are for tests and
    for a process that already has them; by default the app builds its own from settings.

    Raises ``OidcConfigError`` in production without an identity provider configured.
    """
    settings = settings or get_settings()
    check_oidc_settings(settings)
    keys = keystore_for(settings)
    ctx = tasks.ApiContext(settings, keys, tasks.TemporalLink(settings, keys, temporal_client),
                           _termination_window(settings))
    read_model = database or read_model_database(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Tables exist before the first request (the worker may not have run yet).
        await asyncio.to_thread(read_model.ready)
        log.info("api.started", environment=settings.environment)
        try:
            yield
        finally:
            if database is None:  # the app's own; one passed in is its owner's to close
                read_model.dispose()

    app = FastAPI(
        title="verdictflow task API",
        summary="Human tasks on verdict cases: inbox, disclosure, decision "
        "(Almenboligloven § 63 d)",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.read_model = read_model
    app.include_router(router)
    app.include_router(blocks_router)
    app.include_router(reentry_router)
    app.include_router(requests_router)
    app.include_router(reports_router)
    if settings.environment != "production":
        app.include_router(dev_router)
    app.add_exception_handler(tasks.TaskError, _task_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    operating.install(app, read_model, settings)
    return app


app: FastAPI  # for type checkers: built on first access by __getattr__ below


def __getattr__(name: str) -> FastAPI:
    # ``services.api.app:app`` for uvicorn, built on first access rather than at import, so
    # importing this module (tests, the CLI) reads no settings and configures no logging.
    if name != "app":
        raise AttributeError(name)
    global app
    settings = get_settings()
    configure("api", settings.log_level, settings.log_file, max_bytes=settings.log_max_bytes,
              backups=settings.log_backups, repeat_window_s=settings.log_repeat_window_seconds)
    app = create_app(settings)
    return app
