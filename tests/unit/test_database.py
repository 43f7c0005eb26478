"""The one place engines are configured, and the Database a process builds from settings."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from sqlalchemy.pool import NullPool

from verdictflow.platform.database import Database, configure_engine
from verdictflow.platform.readmodel import READ_MODEL, Task, read_model_database
from verdictflow.platform.settings import Settings


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_sqlite_engines_share_the_file_safely(tmp_path: Path) -> None:
    engine = configure_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    engine.dispose()


def test_one_off_engines_keep_nothing_open(tmp_path: Path) -> None:
    assert isinstance(configure_engine(f"sqlite:///{tmp_path / 'x.db'}", pooled=False).pool,
                      NullPool)
    # Not connected: only how the engine would treat its connections.
    assert not isinstance(configure_engine("postgresql+psycopg://u@h/db").pool, NullPool)


def test_tables_are_created_on_first_use_not_before(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, environment="test")
    db = read_model_database(settings)
    assert not (tmp_path / "verdictflow.db").exists()  # building it connects to nothing

    with db.session() as s:
        assert s.get(Task, "t-1") is None
    assert {"cases", "tasks", "reentry_blocks", "audit_log"} <= _tables(tmp_path / "verdictflow.db")
    db.dispose()


def test_processes_starting_together_both_get_their_tables(tmp_path: Path) -> None:
    # Two Databases on one new file, as worker and API starting at once: neither fails on
    # "table already exists" or a locked file.
    url = f"sqlite:///{tmp_path / 'race.db'}"
    dbs = [Database(url, READ_MODEL) for _ in range(4)]
    errors: list[BaseException] = []

    def first_use(db: Database) -> None:
        try:
            db.ready()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=first_use, args=(db,)) for db in dbs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert set(READ_MODEL.tables) <= _tables(tmp_path / "race.db")
    for db in dbs:
        db.dispose()
