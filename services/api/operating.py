"""What the API gives operators: ``/metrics`` for Prometheus, and a trace id per request.

``/metrics`` carries the read-model gauges (``verdictflow.platform.metrics``: receipts
outstanding, open and overdue tasks) and the process's own series. Counts by bounded
labels only, so it needs no token; a production stack keeps it off the public network
like any scrape target. Each request's log lines carry ``trace_id``: the caller's
``X-Request-ID`` when it is a plain token, else a fresh one; it is sent back, and it
travels into the Temporal calls the request makes (``verdictflow.platform.tracing``).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from verdictflow.domain.tracing import trace_id_for
from verdictflow.platform.database import Database
from verdictflow.platform.metrics import register_read_model
from verdictflow.platform.settings import Settings
from verdictflow.platform.tracing import bind_trace

REQUEST_ID = "X-Request-ID"


def install(app: FastAPI, read_model: Database, settings: Settings) -> None:
    # The app's own registry: a process (a test) may build many apps on many databases.
    registry = CollectorRegistry(auto_describe=True)
    register_read_model(read_model, settings, registry)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry) + generate_latest(REGISTRY),
                        media_type=CONTENT_TYPE_LATEST)

    @app.middleware("http")
    async def trace(request: Request,
                    call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        given = request.headers.get(REQUEST_ID)
        trace_id = trace_id_for(given) if given else uuid.uuid4().hex
        with bind_trace(trace_id):
            response = await call_next(request)
        response.headers[REQUEST_ID] = trace_id
        return response
