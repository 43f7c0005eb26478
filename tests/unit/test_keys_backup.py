"""`verdictflow keys backup|restore`: the files, the SQLite copy, and the commands."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner, Result

from verdictflow.cli.main import app
from verdictflow.platform.audit import KEY_BACKUP, KEY_DESTROY, KEY_RESTORE, record_audit
from verdictflow.platform.keyarchive import ScryptCost
from verdictflow.platform.keybackup import BackupRefused, backup, restore
from verdictflow.platform.keys import FileKeyStore, provision
from verdictflow.platform.readmodel import AuditEntry, read_model_database
from verdictflow.platform.settings import Settings, get_settings

PASS = "a long passphrase kept in the safe"
CHEAP = ScryptCost(n=2**10)


def files_of(keys_dir: Path) -> dict[str, bytes]:
    """Key files by path; the case-key database by its rows (its bytes may differ)."""
    out = {p.relative_to(keys_dir).as_posix(): p.read_bytes()
           for p in keys_dir.rglob("*") if p.is_file() and "case-keys.db" not in p.name}
    db = sqlite3.connect(keys_dir / "case-keys.db")
    out["case-keys.db"] = repr(db.execute("SELECT * FROM case_keys ORDER BY case_id")
                               .fetchall()).encode()
    db.close()
    return out


def key_store(keys_dir: Path) -> FileKeyStore:
    store = FileKeyStore(keys_dir)
    provision(store, ["bbs", "pab"])
    store.rotate_org_keys("bbs")  # a retired key belongs in the backup too
    store.rotate_codec_key()
    store.dev_idp_signing()
    store.case_keys().key("case-live", create=True)
    store.case_keys().key("case-purged", create=True)
    store.case_keys().destroy("case-purged")
    return store


def test_restore_gives_back_every_file_owner_only(tmp_path: Path) -> None:
    store = key_store(tmp_path / "a" / "keys")
    held = backup(store.dir, tmp_path / "k.vfbackup", PASS, cost=CHEAP)
    assert (held.case_keys, held.case_keys_destroyed) == (2, 1)
    assert stat.S_IMODE((tmp_path / "k.vfbackup").stat().st_mode) == 0o600

    target = tmp_path / "b" / "keys"
    restore(tmp_path / "k.vfbackup", target, PASS)
    assert files_of(target) == files_of(store.dir)
    assert any(".retired-" in name for name in files_of(target))
    for path in [target, *target.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
    restored = FileKeyStore(target, generate=False)
    assert restored.case_keys().key("case-live") == store.case_keys().key("case-live")
    assert restored.case_keys().status("case-purged") == "destroyed"


def test_a_case_key_still_in_the_wal_is_in_the_backup(tmp_path: Path) -> None:
    store = key_store(tmp_path / "keys")
    db_file = store.dir / "case-keys.db"
    reader = sqlite3.connect(db_file)  # an open connection: SQLite does not checkpoint
    reader.execute("SELECT count(*) FROM case_keys").fetchone()
    try:
        key = store.case_keys().key("case-in-the-wal", create=True)
        assert b"case-in-the-wal" not in db_file.read_bytes()  # a raw file copy would miss it
        backup(store.dir, tmp_path / "k.vfbackup", PASS, cost=CHEAP)
    finally:
        reader.close()
    restore(tmp_path / "k.vfbackup", tmp_path / "restored", PASS)
    assert FileKeyStore(tmp_path / "restored").case_keys().key("case-in-the-wal") == key


def test_a_wrong_passphrase_or_a_flipped_bit_writes_nothing(tmp_path: Path) -> None:
    store = key_store(tmp_path / "keys")
    archive = tmp_path / "k.vfbackup"
    backup(store.dir, archive, PASS, cost=CHEAP)
    damaged = bytearray(archive.read_bytes())
    damaged[len(damaged) // 2] ^= 0x10
    (tmp_path / "damaged").write_bytes(bytes(damaged))
    for source, passphrase in ((archive, PASS + "?"), (tmp_path / "damaged", PASS)):
        with pytest.raises(ValueError, match="does not open"):
            restore(source, tmp_path / "fresh" / "keys", passphrase)
    assert not (tmp_path / "fresh").exists()


def test_an_existing_key_store_is_only_replaced_with_force_and_kept_aside(
        tmp_path: Path) -> None:
    old = key_store(tmp_path / "old" / "keys")
    backup(old.dir, tmp_path / "k.vfbackup", PASS, cost=CHEAP)
    present = key_store(tmp_path / "state" / "keys")
    before = files_of(present.dir)
    with pytest.raises(BackupRefused, match="--force"):
        restore(tmp_path / "k.vfbackup", present.dir, PASS)
    assert files_of(present.dir) == before
    _, aside = restore(tmp_path / "k.vfbackup", present.dir, PASS, force=True)
    assert aside is not None and files_of(aside) == before
    assert files_of(present.dir) == files_of(old.dir)


def test_backup_refuses_links_an_empty_store_and_an_archive_inside_it(tmp_path: Path) -> None:
    store = key_store(tmp_path / "keys")
    with pytest.raises(BackupRefused, match="away from the key store"):
        backup(store.dir, store.dir / "k.vfbackup", PASS, cost=CHEAP)
    with pytest.raises(BackupRefused, match="no key store"):
        backup(tmp_path / "nothing", tmp_path / "k.vfbackup", PASS, cost=CHEAP)
    (tmp_path / "elsewhere.pem").write_bytes(b"not ours")
    (store.dir / "orgs" / "pab" / "extra.pem").symlink_to(tmp_path / "elsewhere.pem")
    with pytest.raises(BackupRefused, match="symbolic link"):
        backup(store.dir, tmp_path / "k.vfbackup", PASS, cost=CHEAP)
    assert not (tmp_path / "k.vfbackup").exists()


# -- the commands --------------------------------------------------------------------
@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("VF_ENVIRONMENT", "test")
    monkeypatch.setenv("VF_KEYS_BACKUP_PASSPHRASE", PASS)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def run(cli: CliRunner, monkeypatch: pytest.MonkeyPatch, state: Path, *args: str) -> Result:
    monkeypatch.setenv("VF_STATE_DIR", str(state))
    get_settings.cache_clear()
    return cli.invoke(app, ["keys", *args])


def audited(state: Path) -> list[str]:
    with read_model_database(Settings(state_dir=state, environment="test")).session() as s:
        return [e.action for e in s.exec(select(AuditEntry))]


def test_backup_and_restore_commands(cli: CliRunner, monkeypatch: pytest.MonkeyPatch,
                                     tmp_path: Path) -> None:
    store = key_store(tmp_path / "a" / "keys")
    archive = tmp_path / "offsite" / "keys.vfbackup"
    archive.parent.mkdir()

    made = run(cli, monkeypatch, tmp_path / "a", "backup", str(archive))
    assert made.exit_code == 0, made.output
    assert "2 case keys, 1 of them destroyed" in made.output
    assert KEY_BACKUP in audited(tmp_path / "a")
    again = run(cli, monkeypatch, tmp_path / "a", "backup", str(archive))
    assert again.exit_code == 1 and "--force" in again.output

    back = run(cli, monkeypatch, tmp_path / "b", "restore", str(archive))
    assert back.exit_code == 0, back.output
    assert files_of(tmp_path / "b" / "keys") == files_of(store.dir)
    assert KEY_RESTORE in audited(tmp_path / "b")
    refused = run(cli, monkeypatch, tmp_path / "b", "restore", str(archive))
    assert refused.exit_code == 1 and "--force" in refused.output
    forced = run(cli, monkeypatch, tmp_path / "b", "restore", "--force", str(archive))
    assert forced.exit_code == 0 and "kept at" in forced.output


def test_restore_command_with_a_wrong_passphrase_fails_cleanly(
        cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key_store(tmp_path / "a" / "keys")
    archive = tmp_path / "keys.vfbackup"
    assert run(cli, monkeypatch, tmp_path / "a", "backup", str(archive)).exit_code == 0
    monkeypatch.setenv("OTHER_PASSPHRASE", PASS.upper())
    wrong = run(cli, monkeypatch, tmp_path / "b", "restore", "--passphrase-env",
                "OTHER_PASSPHRASE", str(archive))
    assert wrong.exit_code == 1 and "wrong passphrase" in wrong.output
    assert not (tmp_path / "b" / "keys").exists()


def test_passphrase_must_be_given_and_long(cli: CliRunner, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    key_store(tmp_path / "a" / "keys")
    archive = tmp_path / "keys.vfbackup"
    monkeypatch.setenv("VF_KEYS_BACKUP_PASSPHRASE", "short")
    weak = run(cli, monkeypatch, tmp_path / "a", "backup", str(archive))
    assert weak.exit_code == 2 and "at least 12" in weak.output
    monkeypatch.delenv("VF_KEYS_BACKUP_PASSPHRASE")
    unset = run(cli, monkeypatch, tmp_path / "a", "backup", str(archive))  # no terminal here
    assert unset.exit_code == 2 and "VF_KEYS_BACKUP_PASSPHRASE" in unset.output
    assert not archive.exists()


def test_restore_waits_for_the_services_to_stop(cli: CliRunner, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    key_store(tmp_path / "a" / "keys")
    archive = tmp_path / "keys.vfbackup"
    assert run(cli, monkeypatch, tmp_path / "a", "backup", str(archive)).exit_code == 0
    worker = subprocess.Popen(["sleep", "60"], start_new_session=True)  # a session leader
    try:
        (tmp_path / "b" / "run").mkdir(parents=True)
        (tmp_path / "b" / "run" / "worker.pid").write_text(str(worker.pid))
        busy = run(cli, monkeypatch, tmp_path / "b", "restore", str(archive))
        assert busy.exit_code == 1 and "stop the services first (worker" in busy.output
        assert not (tmp_path / "b" / "keys").exists()
    finally:
        worker.kill()
        worker.wait()


def test_a_restore_does_not_bring_back_a_case_purged_after_the_backup(
        cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    store = key_store(tmp_path / "keys")
    archive = tmp_path / "before-the-purge.vfbackup"
    assert run(cli, monkeypatch, tmp_path, "backup", str(archive)).exit_code == 0
    # Purged later, as `verdictflow case purge` does it: key destroyed, audited.
    store.case_keys().destroy("case-live")
    record_audit(read_model_database(Settings(state_dir=tmp_path, environment="test")),
                 actor="operator", action=KEY_DESTROY, case_id="case-live")

    back = run(cli, monkeypatch, tmp_path, "restore", "--force", str(archive))
    assert back.exit_code == 0, back.output
    assert "1 case(s) purged after this backup" in back.output
    restored = FileKeyStore(tmp_path / "keys", generate=False)
    assert restored.case_keys().status("case-live") == "destroyed"
    assert restored.case_keys().status("case-purged") == "destroyed"
