"""The codec server: decrypts Temporal payloads for operators, and for no one else.

Temporal's remote codec protocol: ``POST .../encode`` and ``POST .../decode`` with a
``{"payloads": [...]}`` body in protobuf JSON (metadata values and data base64). Only the
last path segment counts, so ``--codec-endpoint http://host:8081/{namespace}`` works as
well as the bare address; the namespace comes from the ``X-Namespace`` header (the Web UI
and the CLI send it) or that path segment, and only ``settings.temporal_namespace`` is
served. The codec is the workers' own (``verdictflow.platform.temporal.data_converter``): payloads
say which key sealed them (a platform key or ``case:<case id>``), so decoding needs no
other context, and a purged case's payloads stay shut.

Access: the same bearer tokens as the task API (``services.api.auth.verify_token``), role
``operator`` only. Every decode is audited, per case it opened, before the plaintext
leaves; the logs carry counts and ids, never a payload.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

from fastapi import FastAPI, HTTPException, Request, Response, status
from fastapi.middleware.cors import CORSMiddleware
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payload, Payloads

from services.api.auth import Operator, Principal, check_oidc_settings
from verdictflow.platform.audit import record_audit
from verdictflow.platform.casekeys import CaseKeyDestroyed, CaseKeyUnknown
from verdictflow.platform.codec import CASE_PREFIX, ENCODING, KEY_ID, UnknownCodecKey
from verdictflow.platform.database import Database
from verdictflow.platform.keys import KeyStore, keystore_for
from verdictflow.platform.log import configure_service, get_logger
from verdictflow.platform.metrics import payloads_decoded
from verdictflow.platform.readmodel import read_model_database
from verdictflow.platform.settings import Settings, get_settings
from verdictflow.platform.temporal import data_converter

log = get_logger(__name__)

MAX_BODY = 16 * 1024 * 1024  # Temporal's own blob limit is 2 MiB per payload
# What the Web UI sends cross-origin: the bearer token (passAccessToken), the JSON body,
# the namespace. Nothing else is allowed in a preflight.
CORS_HEADERS = ["authorization", "content-type", "x-namespace"]


class Codec(Protocol):
    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]: ...

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]: ...


@dataclass
class CodecContext:
    settings: Settings
    keys: KeyStore  # read by services.api.auth.current_principal, with settings
    codec: Codec
    audit_log: Database  # the read model's, where every decode is recorded


def create_codec_app(settings: Settings | None = None, codec: Codec | None = None,
                     database: Database | None = None) -> FastAPI:
    """``database``: the read model holding the audit log (by default built from settings).

    Raises ``OidcConfigError`` in production without an identity provider configured.
    """
    settings = settings or get_settings()
    check_oidc_settings(settings)
    keys = keystore_for(settings)
    if codec is None:
        codec = data_converter(keys).payload_codec
        assert codec is not None, "the data converter always carries the encrypting codec"

    audit_log = database or read_model_database(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(audit_log.ready)  # the audit log's tables
        log.info("codec_server.started", environment=settings.environment,
                 cors_origin=settings.codec_cors_origin)
        try:
            yield
        finally:
            if database is None:  # the app's own; one passed in is its owner's to close
                audit_log.dispose()

    app = FastAPI(title="verdictflow codec server", version="0.1.0", lifespan=lifespan,
                  summary="Temporal remote codec (encode/decode) for operators, audited")
    app.state.ctx = CodecContext(settings, keys, codec, audit_log)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[settings.codec_cors_origin],  # exactly the Web UI; never "*"
        allow_methods=["POST"],
        allow_headers=CORS_HEADERS,
        allow_credentials=True,
        max_age=600,
    )

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/encode", tags=["codec"])
    @app.post("/{prefix:path}/encode", tags=["codec"], include_in_schema=False)
    async def encode(request: Request, user: Operator) -> Response:
        """Seals plaintext payloads as the workers would (e.g. a signal sent from the UI)."""
        ctx, payloads = _context(request), await _payloads(request)
        encoded = await _apply(ctx.codec.encode, payloads)
        log.info("codec.encode", actor=user.subject, payloads=len(payloads))
        return _json(encoded)

    @app.post("/decode", tags=["codec"])
    @app.post("/{prefix:path}/decode", tags=["codec"], include_in_schema=False)
    async def decode(request: Request, user: Operator) -> Response:
        """Opens sealed payloads; audited per case before anything is returned."""
        ctx, payloads = _context(request), await _payloads(request)
        decoded = await _apply(ctx.codec.decode, payloads)
        cases = cases_of(payloads)
        # If the audit row cannot be written, nothing is shown (as for disclosure reads).
        await asyncio.to_thread(_audit, ctx.audit_log, user, cases)
        log.info("codec.decode", actor=user.subject, org_id=user.org_id,
                 payloads=len(payloads), cases=len(cases))
        payloads_decoded(len(payloads))
        return _json(decoded)

    return app


def _context(request: Request) -> CodecContext:
    ctx: CodecContext = request.app.state.ctx
    prefix = request.path_params.get("prefix", "")
    namespace = (request.headers.get("x-namespace") or prefix.rstrip("/").rsplit("/", 1)[-1]
                 or ctx.settings.temporal_namespace)
    if namespace != ctx.settings.temporal_namespace:
        # Another namespace's payloads are not sealed with these keys: say so, decode nothing.
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            detail=f"no codec for namespace {namespace!r}")
    return ctx


async def _payloads(request: Request) -> list[Payload]:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail="the body is too large")
    try:
        return list(json_format.Parse(body, Payloads()).payloads)
    except (json_format.ParseError, UnicodeDecodeError) as exc:
        # The parser's message can quote the body: only the expected shape is told.
        raise HTTPException(status.HTTP_400_BAD_REQUEST,
                            detail='the body must be {"payloads": [...]} in protobuf JSON '
                            "(metadata values and data base64)") from exc


async def _apply(operation: Callable[[Sequence[Payload]], Awaitable[list[Payload]]],
                 payloads: list[Payload]) -> list[Payload]:
    try:
        return await operation(payloads)
    except CaseKeyDestroyed as exc:
        raise HTTPException(status.HTTP_410_GONE,
                            detail=f"a payload belongs to a purged case: {exc}") from exc
    except (UnknownCodecKey, CaseKeyUnknown) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail=f"a payload cannot be opened: {exc}") from exc
    except DecodeError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail="a payload opened to something that is not a Temporal "
                            "payload") from exc


def cases_of(payloads: Sequence[Payload]) -> list[str]:
    """The cases whose data keys a decode uses (their ids ride in the payload metadata)."""
    kids = {p.metadata.get(KEY_ID, b"").decode(errors="replace") for p in payloads
            if p.metadata.get("encoding") == ENCODING}
    return sorted(k[len(CASE_PREFIX):] for k in kids if k.startswith(CASE_PREFIX))


def _audit(audit_log: Database, user: Principal, cases: list[str]) -> None:
    # One row per case opened, so "who saw case X" is one filter; a decode touching no
    # case (platform-key payloads only) still leaves one row.
    targets: list[str | None] = [*cases] or [None]
    for case_id in targets:
        record_audit(audit_log, actor=user.subject, action="codec.decode",
                     org_id=user.org_id, case_id=case_id)


def _json(payloads: list[Payload]) -> Response:
    return Response(json_format.MessageToJson(Payloads(payloads=payloads)),
                    media_type="application/json")


def run_codec_server(settings: Settings | None = None) -> None:
    """``verdictflow codec-server``: serves on ``settings.api_host:codec_server_port``."""
    import uvicorn

    settings = settings or get_settings()
    configure_service("codec-server", settings)
    uvicorn.run(create_codec_app(settings), host=settings.api_host,
                port=settings.codec_server_port, log_config=None, access_log=False)
