"""Alembic migrations: the models and the migrations agree, and old databases are adopted.

test_upgrade_head_is_in_sync is the one that fails when somebody changes a model without
a migration: write one with `python -m verdictflow.cli.migrate revision -m "..."`.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from services.gateway import inbox
from verdictflow.cli import migrate
from verdictflow.platform import audit
from verdictflow.platform.audit import record_audit
from verdictflow.platform.readmodel import read_model_database
from verdictflow.platform.settings import REPO_DIR, Settings


def _settings(state_dir: Path, database_url: str = "") -> Settings:
    return Settings(environment="test", state_dir=state_dir, database_url=database_url)


def _db(settings: Settings) -> Path:
    return Path(settings.database_url.removeprefix("sqlite:///"))


def _tables(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _triggers(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger'"))


def test_upgrade_head_is_in_sync(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    migrate.upgrade(settings)

    assert migrate.current(settings) == migrate.head_revision("readmodel")
    models = set(migrate.target_metadata("readmodel").tables)
    assert _tables(_db(settings)) == models | {"alembic_version"}
    assert migrate.check(settings) == []


def test_check_reports_a_model_without_migration(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    migrate.upgrade(settings)
    with sqlite3.connect(_db(settings)) as conn:  # as if the model had grown a column
        conn.execute("ALTER TABLE tasks DROP COLUMN assignee")

    assert migrate.check(settings) == ["add_column tasks.assignee"]


def test_migrated_audit_log_is_append_only_and_chains(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    migrate.upgrade(settings)
    db = _db(settings)
    assert set(_triggers(db)) == set(audit._SQLITE_TRIGGERS)  # before any append

    read_model = read_model_database(settings)
    for i in range(3):
        record_audit(read_model, actor=f"cw-{i}", action=audit.DISCLOSURE_READ,
                     org_id="bbs", case_id=f"case-{i}")
    assert set(_triggers(db)) == set(audit._SQLITE_TRIGGERS)  # ensure_append_only added none
    with sqlite3.connect(db) as conn:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE audit_log SET actor = 'someone-else'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM audit_log")
    result = audit.verify_chain(read_model)
    assert result.ok, result.problems
    assert result.entries == 3
    assert migrate.check(settings) == []


def test_migration_triggers_are_ensure_append_only_s(tmp_path: Path) -> None:
    migrated, embedded = _settings(tmp_path / "migrated"), _settings(tmp_path / "embedded")
    migrate.upgrade(migrated)
    embedded.state_dir.mkdir()
    record_audit(read_model_database(embedded), actor="cw", action=audit.DISCLOSURE_READ)

    assert _triggers(_db(migrated)) == _triggers(_db(embedded))  # same names, same SQL


def test_create_all_database_is_stamped(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    read_model_database(settings).ready()  # the embedded default, as before migrations
    assert migrate.current(settings) is None
    assert migrate.check(settings)  # unversioned, no triggers yet

    initial = [r.revision for r in ScriptDirectory.from_config(
        migrate.config("sqlite://")).walk_revisions()][-1]
    initial_shape = migrate._revision_shapes("readmodel")[-1][1]
    initial_tables = set(initial_shape)
    with sqlite3.connect(_db(settings)) as conn:  # as create_all made it at the first revision
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for table in tables - initial_tables - {"sqlite_sequence"}:
            conn.execute(f"DROP TABLE {table}")
        for table, (columns, indexes) in initial_shape.items():  # and columns added later
            for (index,) in list(conn.execute("SELECT name FROM sqlite_master WHERE type='index'"
                                              " AND tbl_name = ? AND sql IS NOT NULL", (table,))):
                if index not in indexes:
                    conn.execute(f"DROP INDEX {index}")
            for (column,) in list(conn.execute(f"SELECT name FROM pragma_table_info('{table}')")):
                if column not in columns:
                    conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    assert migrate.stamp_if_unversioned(settings) == initial
    assert migrate.stamp_if_unversioned(settings) is None  # versioned now: nothing to do
    migrate.upgrade(settings)  # and upgrading it never meets "table already exists"
    assert migrate.current(settings) == migrate.head_revision("readmodel") != initial
    assert migrate.check(settings) == []


def test_a_create_all_database_of_today_is_stamped_at_head(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    read_model_database(settings).ready()
    assert migrate.stamp_if_unversioned(settings) == migrate.head_revision("readmodel")
    assert migrate.check(settings) == []


def test_unknown_tables_are_not_stamped(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    read_model_database(settings).ready()
    with sqlite3.connect(_db(settings)) as conn:
        conn.execute("ALTER TABLE cases ADD COLUMN something TEXT")

    with pytest.raises(RuntimeError, match="match none: remove_column cases.something"):
        migrate.upgrade(settings)
    assert migrate.current(settings) is None


def test_downgrade_base_then_upgrade(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    migrate.upgrade(settings)
    migrate.downgrade(settings, "base")

    assert migrate.current(settings) is None
    assert _tables(_db(settings)) == {"alembic_version"}
    assert _triggers(_db(settings)) == {}
    migrate.upgrade(settings)
    assert migrate.check(settings) == []


def test_gateway_store(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    store = inbox.gateway_store(settings)
    migrate.upgrade(settings, store="gateway")
    assert migrate.check(settings, "gateway") == []
    inbox.keep(store, inbox.ReceivedDisclosure(disclosure_id="d-1", org_id="bbs", case_id="c-1",
                                            sealed="ciphertext", digest="sha256:0"))
    assert [d.disclosure_id for d in inbox.kept(store, "bbs")] == ["d-1"]
    store.dispose()

    migrate.downgrade(settings, "base", store="gateway")
    assert _tables(tmp_path / "gateway.db") == {"alembic_version"}
    migrate.upgrade(settings, store="gateway")
    assert migrate.check(settings, "gateway") == []


def test_gateway_store_made_by_create_all_is_stamped(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    inbox.kept(inbox.gateway_store(settings), "bbs")  # creates the table on first use

    assert migrate.stamp_if_unversioned(settings, "gateway") == migrate.head_revision("gateway")
    assert migrate.check(settings, "gateway") == []


def test_cli_bodies(tmp_path: Path) -> None:
    import io

    settings = _settings(tmp_path)
    out = io.StringIO()
    assert migrate.db_check_command(settings, out) == 1
    assert migrate.db_upgrade_command(settings, out=out) == 0
    assert migrate.db_current_command(settings, out) == 0
    assert migrate.db_check_command(settings, out) == 0
    assert "✓ read model: in sync" in out.getvalue()
    assert "gateway store: " + migrate.head_revision("gateway") + " (head)" in out.getvalue()


def test_every_table_module_is_known() -> None:
    # A module defining tables that MODEL_MODULES does not import hides its tables from
    # autogenerate and check(): the model would change with no test failing.
    known = {m for modules in migrate.MODEL_MODULES.values() for m in modules}
    defining = set()
    for top in ("verdictflow", "services", "activities", "workflows"):
        for path in (REPO_DIR / top).rglob("*.py"):
            if re.search(r"table\s*=\s*True", path.read_text(encoding="utf-8")):
                defining.add(".".join(path.relative_to(REPO_DIR).with_suffix("").parts))
    assert defining == known


# -- PostgreSQL (the production database), when a server can be started here --------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bindir() -> Path | None:
    if found := shutil.which("initdb"):
        return Path(found).resolve().parent
    # Debian keeps the server programs off PATH, one folder per major version.
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    return versions[-1].parent if versions else None


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A server: VF_TEST_POSTGRES_URL (a superuser's URL), else a throwaway cluster."""
    if url := os.environ.get("VF_TEST_POSTGRES_URL"):
        yield url
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg not installed (pip install '.[postgres]')")
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server (initdb) here; or set VF_TEST_POSTGRES_URL")
    run_as: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and no postgres user to start a server as")
        run_as = ["runuser", "-u", "postgres", "--"]
    tmp = Path(tempfile.mkdtemp(prefix="vf-pg-"))
    if run_as:
        shutil.chown(tmp, "postgres")
    data, port = tmp / "data", _free_port()
    try:
        subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                        "--auth=trust", "--no-sync"], check=True, capture_output=True)
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l",
                        str(tmp / "log"), "-o",
                        f"-p {port} -k {tmp} -c listen_addresses='' -c fsync=off",
                        "start"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        stderr = (getattr(exc, "stderr", None) or b"").decode(errors="replace")[-300:]
        pytest.skip(f"could not start a PostgreSQL server: {exc} {stderr}".strip())
    try:
        yield f"postgresql+psycopg://postgres@/?host={tmp}&port={port}"
    finally:
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def pg_settings(postgres: str, tmp_path: Path) -> Settings:
    """A fresh database on the server, so every test starts from nothing."""
    name = f"vf_{uuid.uuid4().hex[:12]}"
    server = make_url(postgres)
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return _settings(tmp_path, server.set(database=name).render_as_string(hide_password=False))


@pytest.mark.postgres
def test_postgres_upgrade_check_downgrade(pg_settings: Settings) -> None:
    migrate.upgrade(pg_settings)
    assert migrate.check(pg_settings) == []
    read_model = read_model_database(pg_settings)
    record_audit(read_model, actor="cw", action=audit.DISCLOSURE_READ)
    assert audit.verify_chain(read_model).ok
    read_model.dispose()

    migrate.downgrade(pg_settings, "base")
    assert migrate.current(pg_settings) is None
    migrate.upgrade(pg_settings)
    assert migrate.check(pg_settings) == []


@pytest.mark.postgres
def test_postgres_create_all_database_is_stamped(pg_settings: Settings) -> None:
    read_model_database(pg_settings).ready()
    assert migrate.stamp_if_unversioned(pg_settings) == migrate.head_revision("readmodel")
    assert migrate.check(pg_settings) == []
