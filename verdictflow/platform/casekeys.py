"""Per-case data keys: crypto-shredding that reaches every copy.

Each case's personal data is encrypted under its own random data key, stored only
wrapped (AES-256-GCM) by a master key. Destroying the wrapped key is the purge: Temporal
history, Kafka segments and gateway copies cannot be edited, but without the key what
they hold is noise. SQLite's ``secure_delete`` overwrites the freed bytes, so the key
does not linger in the file either.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class CaseKeyDestroyed(Exception):
    """The case was purged: its data key, and so its personal data, no longer exist."""


class CaseKeyUnknown(Exception):
    pass


class CaseKeyStore:
    def __init__(self, path: Path, master: Callable[[], tuple[str, dict[str, bytes]]]) -> None:
        self.path = path
        self._master = master  # (primary id, all ids → key), so the master key can rotate
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS case_keys (case_id TEXT PRIMARY KEY,"
                       " wrapped BLOB, master_id TEXT, created_at TEXT, destroyed_at TEXT)")
        os.chmod(path, 0o600)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA secure_delete=ON")
            yield db
        finally:
            db.close()

    def _unwrap(self, case_id: str, wrapped: bytes, master_id: str) -> bytes:
        _, masters = self._master()
        return AESGCM(masters[master_id]).decrypt(wrapped[:12], wrapped[12:], case_id.encode())

    def key(self, case_id: str, *, create: bool = False) -> bytes:
        """The case's data key; made on first use when sealing, never when opening."""
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
        """Crypto-shreds the case. Idempotent: True if a live key was destroyed now."""
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
