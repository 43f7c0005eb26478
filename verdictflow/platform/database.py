"""A database as the processes use it: one engine, its tables, short sessions.

Every engine of the project is configured here, for SQLite (the embedded default) and
PostgreSQL (production). A process builds one ``Database`` per store from its settings at
start (``readmodel.read_model_database``, ``services.gateway.inbox.gateway_store``) and
hands it to what needs it: the activities' ``Deps``, the task API's request dependency,
the gateways, the audit log. Nothing looks an engine up by URL.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_S = 30  # how long a writer waits for another process's lock


def configure_engine(url: str, *, pooled: bool = True) -> Engine:
    """An engine for ``url``; ``pooled=False`` for one-off commands (migrations), which must
    not keep connections open after they return."""
    sqlite = url.startswith("sqlite")
    connect_args: dict[str, Any] = {}
    options: dict[str, Any] = {}
    if sqlite:
        # Sessions run in worker threads (asyncio.to_thread, FastAPI's pool), not the thread
        # that opened the connection.
        connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
    elif pooled:
        # A long-running service outlives server restarts and idle-connection reaping: a
        # pooled connection is checked before use rather than failing the first request.
        options["pool_pre_ping"] = True
    if not pooled:
        options["poolclass"] = NullPool
    engine = create_engine(url, connect_args=connect_args, **options)
    if sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(conn: Any, _record: Any) -> None:
    # Several processes (worker, API, gateways) share the file: WAL lets readers and one
    # writer work at once; NORMAL syncs at checkpoints, enough for WAL to stay consistent.
    cur = conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


class Database:
    """One store (its tables on ``metadata``) behind one engine, for the life of a process.

    The tables are created on first use (the embedded default; in production ``verdictflow
    db upgrade`` has made them already, and creating them again is a no-op). Sessions do
    not expire what they loaded on commit, so a row read in one can be returned after it
    closed.
    """

    def __init__(self, url: str, metadata: MetaData) -> None:
        self.engine = configure_engine(url)
        self.metadata = metadata
        self._ready = False
        self._lock = threading.Lock()

    def ready(self) -> Engine:
        """The engine, its tables created if this process has not done so yet."""
        if not self._ready:
            with self._lock:  # threads of one process create the tables once
                if not self._ready:
                    _create_tables(self.engine, self.metadata)
                    self._ready = True
        return self.engine

    def session(self) -> Session:
        return Session(self.ready(), expire_on_commit=False)

    def dispose(self) -> None:
        """Closes the pooled connections (at the end of the process or test using them)."""
        self.engine.dispose()


def _create_tables(engine: Engine, metadata: MetaData) -> None:
    # Processes starting together race to create the same tables; the loser sees
    # "already exists" (or the file locked) and simply looks again.
    for attempt in range(5):
        try:
            metadata.create_all(engine)
            return
        except OperationalError as exc:
            if "already exists" not in str(exc) and "locked" not in str(exc):
                raise
            time.sleep(0.2 * (attempt + 1))
    metadata.create_all(engine)
