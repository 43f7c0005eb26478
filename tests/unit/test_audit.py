"""The hash-chained audit log: appends chain, tampering is found, the database refuses edits."""

from __future__ import annotations

import io
import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlmodel import select

from verdictflow.platform import audit
from verdictflow.platform.audit import GENESIS, entry_hash, head, record_audit, verify_chain
from verdictflow.platform.database import Database
from verdictflow.platform.readmodel import READ_MODEL, AuditEntry, read_model_database
from verdictflow.platform.settings import Settings


def _db(path: Path) -> Database:
    return Database(f"sqlite:///{path}", READ_MODEL)


def _fill(db: Database, n: int) -> None:
    for i in range(n):
        record_audit(db, actor=f"cw-{i}", action=audit.DISCLOSURE_READ, org_id="bbs",
                     case_id=f"case-{i}", task_id=f"task-{i}")


def _raw(db: Path) -> sqlite3.Connection:
    """A connection outside the application, as an attacker with the file would have."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    return conn


def _tamper(db: Path, *statements: str) -> Path:
    # Tampered on a copy, so the original's triggers stay and the copy reports only what
    # was changed in it (plus the dropped triggers, which verify reports as well).
    copy = db.with_name("copy.db")
    src, dst = sqlite3.connect(db), sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.close()
    conn = _raw(copy)
    for sql in statements:
        conn.execute(sql)
    conn.close()
    return copy


def test_appends_chain_and_verify(tmp_path: Path) -> None:
    log = _db(tmp_path / "a.db")
    _fill(log, 5)

    with log.session() as s:
        rows = list(s.exec(select(AuditEntry).order_by(AuditEntry.seq)))
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.entry_hash for a, b in zip(rows, rows[1:], strict=False))
    result = verify_chain(log)
    assert result.ok and result.entries == 5 and result.problems == []
    assert head(log) == (5, rows[-1].entry_hash)


def test_hash_is_the_documented_canonical_json(tmp_path: Path) -> None:
    log = _db(tmp_path / "a.db")
    entry = record_audit(log, actor="cw-1", action=audit.DECISION_MADE, case_id="c1",
                         detail="outcome=terminate")
    import hashlib
    import json

    body = {"action": "decision.made", "actor": "cw-1", "at": audit.canonical_at(entry.at),
            "case_id": "c1", "detail": "outcome=terminate", "org_id": None,
            "prev_hash": GENESIS, "seq": 1, "task_id": None}
    expected = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"))
                              .encode()).hexdigest()
    assert entry.entry_hash == expected == head(log)[1]
    assert entry_hash(seq=1, at=entry.at, actor="cw-1", org_id=None, action="decision.made",
                      case_id="c1", task_id=None, detail="outcome=terminate",
                      prev_hash=GENESIS) == expected


def test_empty_log_verifies(tmp_path: Path) -> None:
    log = _db(tmp_path / "a.db")
    assert verify_chain(log).ok and head(log) == (0, GENESIS)


def test_detail_refuses_personal_data(tmp_path: Path) -> None:
    log = _db(tmp_path / "a.db")
    with pytest.raises(ValueError):
        record_audit(log, actor="cw-1", action=audit.DISCLOSURE_READ, detail="cpr 010190-1234")
    with pytest.raises(ValueError):
        record_audit(log, actor="cw-1", action=audit.DISCLOSURE_READ, detail="x" * 201)
    assert head(log) == (0, GENESIS)


def test_triggers_refuse_update_and_delete(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    _fill(_db(db), 2)
    conn = sqlite3.connect(db)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit_log SET action = 'x' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_log WHERE seq = 2")
    conn.close()
    assert verify_chain(_db(db)).ok


def test_changed_entry_is_found_at_its_seq(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    _fill(_db(db), 5)

    copy = _tamper(db, "UPDATE audit_log SET action = 'decision.made' WHERE seq = 3")

    result = verify_chain(_db(copy))
    assert not result.ok and result.entries == 5
    assert any(p.startswith("seq 3: entry_hash does not match") for p in result.problems)
    assert not any(p.startswith(("seq 2", "seq 4")) for p in result.problems)
    assert any("triggers missing" in p for p in result.problems)


def test_removed_entry_is_found(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    _fill(_db(db), 5)

    copy = _tamper(db, "DELETE FROM audit_log WHERE seq = 3")

    result = verify_chain(_db(copy))
    assert not result.ok and result.entries == 4
    assert any("seq 4: follows seq 2, seq 3 missing" in p for p in result.problems)
    assert any(p.startswith("seq 4: prev_hash does not match") for p in result.problems)


def test_removed_and_rehashed_entry_is_still_found(tmp_path: Path) -> None:
    # An attacker who renumbers the rest to hide the gap must recompute every hash after it;
    # renumbering alone breaks the hashes.
    db = tmp_path / "a.db"
    _fill(_db(db), 4)
    copy = _tamper(db, "DELETE FROM audit_log WHERE seq = 2",
                   "UPDATE audit_log SET seq = 2 WHERE seq = 3",
                   "UPDATE audit_log SET seq = 3 WHERE seq = 4")

    result = verify_chain(_db(copy))
    assert any(p.startswith("seq 2: entry_hash does not match") for p in result.problems)


def test_reordered_entries_are_found(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    _fill(_db(db), 4)
    # Swapped in three steps: seq is unique.
    copy = _tamper(db, "UPDATE audit_log SET seq = -2 WHERE seq = 2",
                   "UPDATE audit_log SET seq = 2 WHERE seq = 3",
                   "UPDATE audit_log SET seq = 3 WHERE seq = -2")

    result = verify_chain(_db(copy))
    assert not result.ok
    assert any(p.startswith("seq 2: prev_hash") for p in result.problems)
    assert any(p.startswith("seq 3: entry_hash") for p in result.problems)


def test_truncated_tail_is_found_against_an_anchor(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    _fill(_db(db), 5)
    seq, digest = head(_db(db))
    anchor = f"{seq}:{digest}"
    assert verify_chain(_db(db), expected_head=anchor).ok
    _fill(_db(db), 1)  # the log grows past the anchor: still fine
    assert verify_chain(_db(db), expected_head=anchor).ok

    copy = _tamper(db, "DELETE FROM audit_log WHERE seq >= 5")

    plain = verify_chain(_db(copy))
    assert [p for p in plain.problems if "trigger" not in p] == []  # undetectable alone
    anchored = verify_chain(_db(copy), expected_head=anchor)
    assert any("not found" in p and "truncated" in p for p in anchored.problems)


def test_concurrent_appends_from_threads(tmp_path: Path) -> None:
    log = _db(tmp_path / "a.db")
    threads = [threading.Thread(target=_fill, args=(log, 20)) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    result = verify_chain(log)
    assert result.ok and result.entries == 100


def _append_many(url: str, worker: int, n: int) -> None:
    db = Database(url, READ_MODEL)  # a process of its own, with its own engine
    for i in range(n):
        record_audit(db, actor=f"proc-{worker}", action=audit.CODEC_DECODE,
                     task_id=f"{worker}-{i}")


def test_concurrent_appends_from_processes(tmp_path: Path) -> None:
    log = _db(tmp_path / "a.db")
    record_audit(log, actor="setup", action=audit.KEY_ROTATE)  # table and triggers exist
    # spawn: a forked child would inherit the parent's open SQLite connections.
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(f"sqlite:///{tmp_path / 'a.db'}", w, 25))
             for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]

    result = verify_chain(log)
    assert result.ok and result.entries == 101, result.problems
    conn = sqlite3.connect(tmp_path / "a.db")
    seqs = [r[0] for r in conn.execute("SELECT seq FROM audit_log ORDER BY seq")]
    conn.close()
    assert seqs == list(range(1, 102))


def test_commands_print_a_summary_and_exit_code(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, environment="test")
    _fill(read_model_database(settings), 3)
    out = io.StringIO()
    assert audit.audit_head_command(settings, out=out) == 0
    anchor = out.getvalue().strip()
    assert anchor.startswith("3:") and len(anchor) == 66

    out = io.StringIO()
    assert audit.audit_verify_command(settings, anchor, out=out) == 0
    assert out.getvalue().startswith(f"✓ audit log intact: 3 entries, head {anchor}")

    out = io.StringIO()
    assert audit.audit_verify_command(settings, "3:" + "f" * 64, out=out) == 1
    assert out.getvalue().startswith("✗ audit log broken: 3 entries, 1 problems")
    assert "not found" in out.getvalue()


def test_a_pre_chain_audit_table_is_refused_clearly(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at DATETIME, actor TEXT, "
                 "org_id TEXT, action TEXT, case_id TEXT, task_id TEXT)")
    conn.close()
    with pytest.raises(RuntimeError, match="predates the hash chain"):
        record_audit(_db(db), actor="cw-1", action=audit.DISCLOSURE_READ)
