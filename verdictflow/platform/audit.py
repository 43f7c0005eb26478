"""The audit log: append-only and hash-chained, so a changed, removed or reordered entry shows.

Every entry commits to the one before it::

    entry_hash = SHA-256(canonical JSON of {seq, at, actor, org_id, action, case_id,
                                            task_id, detail, prev_hash})

canonical JSON meaning sorted keys, no whitespace, UTF-8, ``at`` as UTC ISO 8601 with
microseconds (``2025-03-01T12:00:00.000000+00:00``); the first entry's ``prev_hash`` is
64 zeros. An auditor can recompute the chain from a database dump with nothing but this
paragraph. What the chain cannot show alone is a cut tail (the newest entries deleted):
anchor the head outside the database (``verdictflow audit head``, printed daily to a
place operators do not control) and pass it to ``verify_chain(expected_head=...)``.

Entries carry ids only (actor, organisation, case, task and a short ``detail``), never
personal data: the log outlives every case and is never purged with one.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from sqlalchemy import insert, inspect, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from verdictflow.domain.identity import has_cpr_shaped
from verdictflow.platform.readmodel import AuditEntry, read_model_database, utcnow

if TYPE_CHECKING:
    from verdictflow.platform.database import Database
    from verdictflow.platform.settings import Settings

# -- the actions that are audited (callers use these names, auditors filter on them) ----
DISCLOSURE_READ = "disclosure.read"
DISCLOSURE_READ_FAILED = "disclosure.read_failed"
# The caseworker pages show the CPR number masked; the full number only on an explicit click.
CPR_REVEALED = "disclosure.cpr_revealed"
DECISION_MADE = "decision.made"
BLOCK_LOOKUP = "block.lookup"
CODEC_DECODE = "codec.decode"
KEY_ROTATE = "key.rotate"
KEY_DESTROY = "key.destroy"  # crypto-shredding: a case key destroyed
CASE_PURGE = "case.purge"
TASK_ASSIGN = "task.assign"
KEY_PROVISION = "key.provision"
KEY_BACKUP = "key.backup"
KEY_RESTORE = "key.restore"
DLQ_REPLAY = "dlq.replay"
REQUEST_MADE = "request.made"  # a housing organisation asked about a resident
REQUEST_READ = "request.read"
POLICY_EXPLAIN = "policy.explain"  # an assessment shown (it tells what the verdict was)
# The termination route, recorded by the housing organisation (almenlejeloven § 89).
TERMINATION_OBJECTION = "termination.objection"
TERMINATION_SUIT = "termination.suit"
TERMINATION_COURT_OUTCOME = "termination.court_outcome"
TERMINATION_READ = "termination.read"
# A housing organisation confirmed, signed, that it deleted a retracted disclosure.
DISCLOSURE_DELETED = "disclosure.deleted"
# Udlejningsbekendtgørelsen § 28 / almenboligloven § 63 e: every look-up, whatever it found
# (detail: the pseudonym and the move-in date); the sealed tenant opened for a positive
# answer (case and check id); a refusal recorded (case and refusal id).
REENTRY_CHECK = "reentry.check"
REENTRY_TENANT_OPENED = "reentry.tenant_opened"
REENTRY_REFUSAL = "reentry.refusal"
ACTIONS = frozenset({
    CPR_REVEALED,
    DISCLOSURE_DELETED,
    REENTRY_CHECK,
    REENTRY_TENANT_OPENED,
    REENTRY_REFUSAL,
    TERMINATION_OBJECTION,
    TERMINATION_SUIT,
    TERMINATION_COURT_OUTCOME,
    TERMINATION_READ,
    DLQ_REPLAY,
    REQUEST_MADE,
    REQUEST_READ,
    POLICY_EXPLAIN,
    KEY_BACKUP,
    KEY_RESTORE,
    TASK_ASSIGN,
    KEY_PROVISION,
    DISCLOSURE_READ,
    DISCLOSURE_READ_FAILED,
    DECISION_MADE,
    BLOCK_LOOKUP,
    CODEC_DECODE,
    KEY_ROTATE,
    KEY_DESTROY,
    CASE_PURGE,
})

GENESIS = "0" * 64
DETAIL_MAX = 200
# Same shape as the log redaction: a CPR number must never reach a table kept forever.
_TABLE = AuditEntry.__table__  # type: ignore[attr-defined]
_ADVISORY_LOCK_KEY = 0x5646_4155  # "VFAU": one PostgreSQL advisory lock for the chain


# -- hashing ----------------------------------------------------------------------------
def canonical_at(at: datetime) -> str:
    # The column stores UTC (sqlmodel's UTCDateTime, timestamptz on PostgreSQL); a naive
    # value can only come from a raw dump of SQLite, and is UTC too. Both must hash alike.
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.isoformat(timespec="microseconds")


def entry_hash(*, seq: int, at: datetime, actor: str, org_id: str | None, action: str,
               case_id: str | None, task_id: str | None, detail: str | None,
               prev_hash: str) -> str:
    body = {"seq": seq, "at": canonical_at(at), "actor": actor, "org_id": org_id,
            "action": action, "case_id": case_id, "task_id": task_id, "detail": detail,
            "prev_hash": prev_hash}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _hash_of(row: Any) -> str:
    return entry_hash(seq=row.seq, at=row.at, actor=row.actor, org_id=row.org_id,
                      action=row.action, case_id=row.case_id, task_id=row.task_id,
                      detail=row.detail, prev_hash=row.prev_hash)


# -- append-only guard ------------------------------------------------------------------
_SQLITE_TRIGGERS = {
    "audit_log_no_update": "BEFORE UPDATE ON audit_log",
    "audit_log_no_delete": "BEFORE DELETE ON audit_log",
}
_guarded: weakref.WeakSet[Engine] = weakref.WeakSet()
_guard_lock = threading.Lock()


def ensure_append_only(engine: Engine) -> None:
    """Refuse UPDATE and DELETE on audit_log in the database itself (idempotent).

    On SQLite with triggers, so that no code path, not even a careless one-off script
    through the application's engine, rewrites history. On PostgreSQL the equivalent
    control is privileges: the application role gets INSERT and SELECT on audit_log
    only (a deployment matter, see docs/threat-model.md); the chain detects the rest.
    """
    with _guard_lock:
        if engine in _guarded:
            return
        columns = {c["name"] for c in inspect(engine).get_columns("audit_log")}
        if "entry_hash" not in columns:
            # create_all does not alter an existing table, and unchained rows cannot be
            # chained after the fact without vouching for them: a migration decides.
            raise RuntimeError("audit_log predates the hash chain (no entry_hash column): "
                               "move it aside (e.g. rename to audit_log_legacy) and restart")
        if engine.dialect.name == "sqlite":
            with engine.begin() as conn:
                for name, when in _SQLITE_TRIGGERS.items():
                    conn.exec_driver_sql(
                        f"CREATE TRIGGER IF NOT EXISTS {name} {when} "
                        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
                    )
        _guarded.add(engine)


def _missing_triggers(conn: Connection) -> list[str]:
    if conn.dialect.name != "sqlite":
        return []
    present = set(conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
    ).scalars())
    return sorted(set(_SQLITE_TRIGGERS) - present)


# -- appending --------------------------------------------------------------------------
def _lock_chain(conn: Connection) -> None:
    """Take the write lock before reading the head, so two writers never chain onto the
    same entry. Several processes (API, codec server, worker) append to one database."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        # pysqlite opens transactions lazily and DEFERRED; a deferred reader that later
        # writes fails in WAL mode instead of waiting. IMMEDIATE takes the write lock now
        # and waits for it up to the connection's busy timeout.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif dialect == "postgresql":
        # An advisory lock also covers the empty table, where FOR UPDATE has no row.
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK_KEY})
    # Anything else: FOR UPDATE on the head row below, and the unique seq as a backstop.


def _check_detail(detail: str | None) -> None:
    if detail is None:
        return
    if len(detail) > DETAIL_MAX or has_cpr_shaped(detail):
        # A programming error, and a refusal is the safe side: the entry must carry ids.
        raise ValueError("audit detail must be a short string of ids, never personal data")


def append(engine: Engine, *, actor: str, action: str, org_id: str | None = None,
           case_id: str | None = None, task_id: str | None = None,
           detail: str | None = None, once: bool = False) -> AuditEntry:
    """Append one entry to the chain and return it (with its seq and entry_hash).

    ``once``: the entry is idempotent on (action, task_id, detail), with ``detail`` the
    idempotency key: if such an entry exists, it is returned and nothing is appended. Checked
    under the chain's write lock, so two concurrent requests write one entry.
    """
    _check_detail(detail)
    if once and not detail:
        raise ValueError("an idempotent audit entry needs its key in detail")
    ensure_append_only(engine)
    for attempt in range(3):
        try:
            return _append_once(engine, once, actor=actor, action=action, org_id=org_id,
                                case_id=case_id, task_id=task_id, detail=detail)
        except IntegrityError:
            # Only reachable where no lock could be taken (neither SQLite nor PostgreSQL)
            # and two writers took the same seq: the loser reads the new head and retries.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def record_audit(db: Database, *, actor: str, action: str, org_id: str | None = None,
                 case_id: str | None = None, task_id: str | None = None,
                 detail: str | None = None, once: bool = False) -> AuditEntry:
    """Append to the hash-chained audit log of the read model ``db``.

    ``action`` is one of this module's names; ``once=True`` makes the entry idempotent on
    (action, task_id, detail).
    """
    return append(db.ready(), actor=actor, action=action, org_id=org_id,
                  case_id=case_id, task_id=task_id, detail=detail, once=once)


def _append_once(engine: Engine, once: bool, **fields: Any) -> AuditEntry:
    with engine.connect() as conn:
        _lock_chain(conn)
        if once:
            existing = conn.execute(
                select(_TABLE).where(_TABLE.c.action == fields["action"],
                                     _TABLE.c.task_id.is_not_distinct_from(fields["task_id"]),
                                     _TABLE.c.detail == fields["detail"]).limit(1)
            ).first()
            if existing is not None:
                conn.rollback()
                return AuditEntry(**existing._mapping)
        last = conn.execute(
            select(_TABLE.c.seq, _TABLE.c.entry_hash)
            .order_by(_TABLE.c.seq.desc()).limit(1).with_for_update()
        ).first()
        seq, prev = (last.seq + 1, last.entry_hash) if last else (1, GENESIS)
        # Taken inside the lock, so timestamps follow seq on one host.
        at = utcnow()
        digest = entry_hash(seq=seq, at=at, prev_hash=prev, **fields)
        row = {"seq": seq, "at": at, "prev_hash": prev, "entry_hash": digest, **fields}
        conn.execute(insert(_TABLE).values(**row))
        conn.commit()
    return AuditEntry(**row)


# -- verifying --------------------------------------------------------------------------
@dataclass
class AuditVerification:
    ok: bool
    entries: int
    problems: list[str] = field(default_factory=list)
    head_seq: int = 0
    head_hash: str = GENESIS


def _parse_anchor(anchor: str) -> tuple[int | None, str]:
    """An anchor is ``SEQ:HASH`` as ``audit head`` prints it, or a bare hash."""
    seq, _, digest = anchor.strip().rpartition(":")
    return (int(seq) if seq else None), digest.lower()


def verify_chain(db: Database, expected_head: str | None = None) -> AuditVerification:
    """Walk the whole chain in seq order and report every break, with the seq it is at."""
    engine = db.ready()
    problems: list[str] = []
    count, prev_seq, prev_hash = 0, 0, GENESIS
    anchor = _parse_anchor(expected_head) if expected_head else None
    anchor_seen = False
    with engine.connect() as conn:
        rows = conn.execute(select(_TABLE).order_by(_TABLE.c.seq))
        for row in rows:
            count += 1
            if row.seq != prev_seq + 1:
                if row.seq <= prev_seq:
                    problems.append(f"seq {row.seq}: out of order after seq {prev_seq}")
                else:
                    gone = (f"seq {prev_seq + 1}" if row.seq == prev_seq + 2
                            else f"seqs {prev_seq + 1}..{row.seq - 1}")
                    problems.append(f"seq {row.seq}: follows seq {prev_seq}, {gone} missing "
                                    "(entries removed)")
            if row.prev_hash != prev_hash:
                problems.append(f"seq {row.seq}: prev_hash does not match the entry before it "
                                "(an entry removed, inserted or reordered)")
            if _hash_of(row) != row.entry_hash:
                problems.append(f"seq {row.seq}: entry_hash does not match its content "
                                "(entry changed)")
            if anchor and row.entry_hash == anchor[1]:
                anchor_seen = True
                if anchor[0] is not None and anchor[0] != row.seq:
                    problems.append(f"anchored head {anchor[1]} is at seq {row.seq}, "
                                    f"expected seq {anchor[0]}")
            prev_seq, prev_hash = row.seq, row.entry_hash
        missing = _missing_triggers(conn) if count else []
    if anchor and not anchor_seen:
        problems.append(f"anchored head {anchor[1]} not found: the log was truncated "
                        "or rewritten after it was anchored")
    if missing:
        problems.append(f"append-only triggers missing: {', '.join(missing)} "
                        "(dropped: someone could have rewritten history)")
    return AuditVerification(not problems, count, problems, prev_seq, prev_hash)


def head(db: Database) -> tuple[int, str]:
    """The newest (seq, entry_hash); (0, 64 zeros) for an empty log. Anchor this."""
    with db.ready().connect() as conn:
        last = conn.execute(select(_TABLE.c.seq, _TABLE.c.entry_hash)
                            .order_by(_TABLE.c.seq.desc()).limit(1)).first()
    return (last.seq, last.entry_hash) if last else (0, GENESIS)


# -- CLI bodies (wired in verdictflow/cli/main.py as `verdictflow audit verify|head`) ----------
def audit_verify_command(settings: Settings, expected_head: str | None = None,
                         out: TextIO = sys.stdout) -> int:
    db = read_model_database(settings)
    try:
        result = verify_chain(db, expected_head)
    finally:
        db.dispose()
    if result.ok:
        print(f"✓ audit log intact: {result.entries} entries, "
              f"head {result.head_seq}:{result.head_hash}", file=out)
        return 0
    print(f"✗ audit log broken: {result.entries} entries, {len(result.problems)} problems",
          file=out)
    for problem in result.problems:
        print(f"  - {problem}", file=out)
    return 1


def audit_head_command(settings: Settings, out: TextIO = sys.stdout) -> int:
    # One token, SEQ:HASH, so a cron job can append it to an external anchor as is.
    db = read_model_database(settings)
    try:
        seq, digest = head(db)
    finally:
        db.dispose()
    print(f"{seq}:{digest}", file=out)
    return 0
