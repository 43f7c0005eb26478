"""Per-case data keys: crypto-shredding that reaches every copy.

Each case's personal data is encrypted under its own random data key, stored only
wrapped (AES-256-GCM) by a master key. Destroying the wrapped key is the purge: Temporal
history, Kafka segments and gateway copies cannot be edited, but without the key what
they hold is noise. SQLite's ``secure_delete`` overwrites the freed bytes, so the key
does not linger in the file either.

Opening a key costs a SQLite connection and an unwrap (0.5-0.7 ms); every payload of a
case needs it, so live keys are held in memory, bounded in count (``max_entries``, least
recently used out first) and in age (``ttl_seconds``). A purge must still be immediate:
``destroy`` evicts the key from this process's cache at once and bumps a purge marker
file beside the database (``case-keys.purged``); every other process on the machine
sees the marker change on its next ``key`` call (one ``stat``) and drops its whole
cache. A process that cannot see the marker (another machine sharing the database)
stops using a destroyed key after ``ttl_seconds`` at the latest: that is the bound.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class CaseKeyDestroyed(Exception):
    """The case was purged: its data key, and so its personal data, no longer exist."""


class CaseKeyUnknown(Exception):
    pass


DEFAULT_TTL_SECONDS = 60.0
DEFAULT_MAX_ENTRIES = 10_000


class CaseKeyStore:
    def __init__(self, path: Path, master: Callable[[], tuple[str, dict[str, bytes]]], *,
                 ttl_seconds: float = DEFAULT_TTL_SECONDS,
                 max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.path = path
        self.marker = path.with_name(path.name.removesuffix(".db") + ".purged")
        self._master = master  # (primary id, all ids → key), so the master key can rotate
        self._lock = threading.Lock()
        self._local = threading.local()  # each thread's kept connection (``_connect``)
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._cache: OrderedDict[str, tuple[bytes, float]] = OrderedDict()  # id → key, expiry
        self._marker_seen = self._marker_stamp()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS case_keys (case_id TEXT PRIMARY KEY,"
                       " wrapped BLOB, master_id TEXT, created_at TEXT, destroyed_at TEXT)")
        os.chmod(path, 0o600)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, kept: every new case makes a key, and a connection of
        its own per key (with its pragmas) was a third of ingest's CPU in a backlog. One
        per thread, as sqlite3 wants; opened again when the file was replaced (a key
        restore swaps it in whole) so nobody keeps writing to the old one."""
        inode = os.stat(self.path).st_ino if self.path.exists() else None
        kept: tuple[sqlite3.Connection, int | None] | None = getattr(self._local, "db", None)
        if kept is not None and kept[1] == inode and inode is not None:
            yield kept[0]
            return
        if kept is not None:
            kept[0].close()
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA secure_delete=ON")
        self._local.db = (db, os.stat(self.path).st_ino)
        yield db

    def _unwrap(self, case_id: str, wrapped: bytes, master_id: str) -> bytes:
        _, masters = self._master()
        return AESGCM(masters[master_id]).decrypt(wrapped[:12], wrapped[12:], case_id.encode())

    def _marker_stamp(self) -> tuple[int, int]:
        try:
            st = os.stat(self.marker)
        except FileNotFoundError:
            return (0, 0)
        return (st.st_mtime_ns, st.st_size)

    def _cached(self, case_id: str) -> bytes | None:
        with self._lock:
            stamp = self._marker_stamp()
            if stamp != self._marker_seen:  # a purge somewhere on this machine
                self._cache.clear()
                self._marker_seen = stamp
            entry = self._cache.get(case_id)
            if entry is None:
                return None
            if entry[1] <= time.monotonic():
                del self._cache[case_id]
                return None
            self._cache.move_to_end(case_id)
            return entry[0]

    def _remember(self, case_id: str, key: bytes, stamp: tuple[int, int]) -> None:
        if self.max_entries <= 0 or self.ttl_seconds <= 0:
            return
        with self._lock:
            if stamp != self._marker_seen:
                return  # a purge happened while this key was read: do not keep it
            self._cache[case_id] = (key, time.monotonic() + self.ttl_seconds)
            self._cache.move_to_end(case_id)
            while len(self._cache) > self.max_entries:
                self._cache.popitem(last=False)

    def cached_count(self) -> int:
        return len(self._cache)

    def key(self, case_id: str, *, create: bool = False) -> bytes:
        """The case's data key; made on first use when sealing, never when opening."""
        hit = self._cached(case_id)
        if hit is not None:
            return hit
        stamp = self._marker_seen
        key = self._read(case_id, create=create)
        self._remember(case_id, key, stamp)
        return key

    def _read(self, case_id: str, *, create: bool) -> bytes:
        with self._lock, self._connect() as db:
            row = db.execute("SELECT wrapped, master_id, destroyed_at FROM case_keys"
                             " WHERE case_id = ?", (case_id,)).fetchone()
            if row is None and create:
                master_id, masters = self._master()
                dek, nonce = AESGCM.generate_key(256), os.urandom(12)
                wrapped = nonce + AESGCM(masters[master_id]).encrypt(nonce, dek, case_id.encode())
                # Two processes may race to create it: the first insert wins for both.
                db.execute("INSERT OR IGNORE INTO case_keys VALUES (?, ?, ?, ?, NULL)",
                           (case_id, wrapped, master_id, _now()))
                row = db.execute("SELECT wrapped, master_id, destroyed_at FROM case_keys"
                                 " WHERE case_id = ?", (case_id,)).fetchone()
        if row is None:
            raise CaseKeyUnknown(f"no data key for case {case_id}")
        if row[2] is not None:
            raise CaseKeyDestroyed(f"case {case_id} was purged on {row[2][:10]}; its data is gone")
        return self._unwrap(case_id, row[0], row[1])

    def destroy(self, case_id: str) -> bool:
        """Crypto-shreds the case. Idempotent: True if a live key was destroyed now.

        The key leaves this process's cache at once; other processes drop theirs when
        they see the purge marker change (or after ``ttl_seconds``)."""
        with self._lock:
            self._cache.pop(case_id, None)
        try:
            return self._destroy(case_id)
        finally:
            self._mark_purge()

    def _mark_purge(self) -> None:
        # Appending changes size and mtime together, so even two purges within one
        # clock tick are seen. The file holds no id: one byte per purge.
        with self._lock:
            fd = os.open(self.marker, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, b".")
            finally:
                os.close(fd)
            self._cache.clear()
            self._marker_seen = self._marker_stamp()

    def _destroy(self, case_id: str) -> bool:
        with self._lock, self._connect() as db:
            cur = db.execute("UPDATE case_keys SET wrapped = NULL, destroyed_at = ?"
                             " WHERE case_id = ? AND destroyed_at IS NULL", (_now(), case_id))
            if cur.rowcount == 0 and db.execute("SELECT 1 FROM case_keys WHERE case_id = ?",
                                                (case_id,)).fetchone() is None:
                # Never had a key: record the purge so a late writer cannot create one.
                db.execute("INSERT INTO case_keys VALUES (?, NULL, NULL, ?, ?)",
                           (case_id, _now(), _now()))
                return True
            return cur.rowcount == 1

    def status(self, case_id: str) -> str:
        with self._connect() as db:
            row = db.execute("SELECT destroyed_at FROM case_keys WHERE case_id = ?",
                             (case_id,)).fetchone()
        return "unknown" if row is None else ("destroyed" if row[0] else "active")


def _now() -> str:
    return datetime.now(UTC).isoformat()
