"""Backing up and restoring the whole key store (``verdictflow keys backup|restore``).

The key store is the one thing whose loss loses every case: Temporal history, Kafka
copies and the read model are ciphertext under its keys. The archive holds every file
of it (codec keys, master, pseudonym and platform keys, organisation keys with the
retired ones) and the per-case key database, copied with SQLite's backup API so a case
key created during the copy is either wholly in it or not at all.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from verdictflow.platform.keyarchive import ArchiveError, ScryptCost, check_member, pack, unpack

CASE_KEYS_DB = "case-keys.db"
# SQLite's own side files (their content is in the backup copy) and half-written keys.
_NOT_KEYS = (f"{CASE_KEYS_DB}-wal", f"{CASE_KEYS_DB}-shm", f"{CASE_KEYS_DB}-journal")


class BackupRefused(Exception):
    pass


@dataclass(frozen=True)
class Inventory:
    files: int
    case_keys: int
    case_keys_destroyed: int


def collect(keys_dir: Path) -> dict[str, bytes]:
    """Every key file by its path in the store; the case-key database as one snapshot."""
    if not (keys_dir / "master.key").is_file():
        raise BackupRefused(f"no key store at {keys_dir} (no master.key)")
    members: dict[str, bytes] = {}
    # The codec primary before the keys: a rotation writes its key first, so the primary
    # read here is always among the keys read after it.
    paths = sorted(keys_dir.rglob("*"), key=lambda p: (p.name != "primary", p))
    try:
        for path in paths:
            name = path.relative_to(keys_dir).as_posix()
            if path.is_symlink():
                raise BackupRefused(f"{name} in the key store is a symbolic link: refusing "
                                    "to follow it")
            if path.is_dir() or name in _NOT_KEYS or name.endswith(".tmp"):
                continue
            try:
                check_member(name)
            except ArchiveError:
                raise BackupRefused(f"unexpected file {name!r} in the key store") from None
            members[name] = _snapshot(path) if name == CASE_KEYS_DB else path.read_bytes()
    except FileNotFoundError:
        raise BackupRefused("the key store changed during the backup (a rotation?); "
                            "run it again") from None
    return members


def _snapshot(db_path: Path) -> bytes:
    """One consistent copy, WAL included, as a self-contained rollback-journal file."""
    # Next to the key store, not in the system's temporary folder: same disk, same owner.
    with tempfile.TemporaryDirectory(dir=db_path.parent.parent, prefix=".case-keys-") as tmp:
        source = sqlite3.connect(db_path, timeout=30)
        copy = sqlite3.connect(Path(tmp) / CASE_KEYS_DB)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # the image opens without a -wal file
        finally:
            source.close()
            copy.close()
        return (Path(tmp) / CASE_KEYS_DB).read_bytes()


def inventory(members: dict[str, bytes]) -> Inventory:
    """What an archive holds, counted; also proves its case-key database reads."""
    total = destroyed = 0
    if CASE_KEYS_DB in members:
        db = sqlite3.connect(":memory:")
        try:
            db.deserialize(members[CASE_KEYS_DB])
            if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise ArchiveError("the archived case-key database is damaged")
            total, destroyed = db.execute(
                "SELECT count(*), count(destroyed_at) FROM case_keys").fetchone()
        except sqlite3.DatabaseError as exc:
            raise ArchiveError("the archived case-key database does not read") from exc
        finally:
            db.close()
    return Inventory(len(members), total, destroyed)


def backup(keys_dir: Path, out: Path, passphrase: str, *, force: bool = False,
           cost: ScryptCost | None = None) -> Inventory:
    out = out.absolute()
    if keys_dir.resolve() in out.resolve().parents:
        raise BackupRefused("keep the archive away from the key store it protects")
    if out.exists() and not force:
        raise BackupRefused(f"{out} exists; --force replaces it")
    members = collect(keys_dir)
    counted = inventory(members)
    _write_private(out, pack(members, passphrase, cost=cost))
    return counted


def restore(archive: Path, keys_dir: Path, passphrase: str, *,
            force: bool = False) -> tuple[Inventory, Path | None]:
    """Opens and checks the whole archive first; then swaps the key directory in whole.

    An existing store is never overwritten in place: with ``force`` it is moved aside
    (returned), so a mistaken restore can be undone and no stale SQLite side file of the
    old case-key database is left next to the restored one.
    """
    members = unpack(archive.read_bytes(), passphrase)
    counted = inventory(members)
    if "master.key" not in members:
        raise ArchiveError("the archive holds no master key: it is no key store backup")
    occupied = keys_dir.exists() and any(keys_dir.iterdir())
    if occupied and not force:
        raise BackupRefused(f"a key store exists at {keys_dir}; restoring over it needs "
                            "--force (the present one is then kept aside)")
    if not keys_dir.parent.exists():
        _private_dir(keys_dir.parent)
    if keys_dir.exists() and not occupied:
        keys_dir.rmdir()
    staging = keys_dir.with_name(f".{keys_dir.name}-restore-{secrets.token_hex(4)}")
    _private_dir(staging)
    try:
        for name, data in members.items():
            target = staging / check_member(name)
            for folder in reversed(target.relative_to(staging).parents[:-1]):
                _private_dir(staging / folder)
            _write_private(target, data)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    aside = None
    if keys_dir.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = keys_dir.with_name(f"{keys_dir.name}.replaced-{stamp}-{secrets.token_hex(2)}")
        keys_dir.rename(aside)
    staging.rename(keys_dir)
    return counted, aside


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)  # mkdir's mode is masked by the umask


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
