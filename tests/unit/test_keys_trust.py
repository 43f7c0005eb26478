"""The key store trusts no input: an id from a receipt never creates, escapes or alters.

A receipt names its signing organisation and key; both reach the key store before the
signature is checked. These tests scan the whole temporary tree (names, kinds, modes,
contents) before and after, so a file written or a folder mode changed anywhere fails.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from verdictflow.platform.keys import (
    FileKeyStore,
    InvalidKeyId,
    KeyStoreError,
    MissingKey,
    UnsafeKeyPath,
    provision,
    provision_for_development,
)
from verdictflow.platform.reference import load_reference
from verdictflow.platform.settings import Settings

HOSTILE = [
    "../x", "../../forged-org", "../keys/orgs/bbs", "orgs/../bbs", "bbs/../bbs", "bbs/x",
    "/tmp/abs", "/", ".", "..", "", "a" * 65, "BBS", "Bbs", "bbs ", " bbs", "bbs\n",
    "bb_s", "bb.s", "-bbs", "bbs-", "b--s", "bbs\x00", "bøs", "bbs\\x", "~", "*", "bb?",
]
KEY_ID_HOSTILE = ["../x", "/etc/passwd", "", ".", "A" * 16, "0" * 15, "0" * 17, "0" * 15 + "g"]

READS: dict[str, Callable[[FileKeyStore, str], object]] = {
    "org_keys": lambda s, o: s.org_keys(o),
    "org_decryption_keys": lambda s, o: s.org_decryption_keys(o),
    "org_verification_keys": lambda s, o: s.org_verification_keys(o),
    "org_decryption_key": lambda s, o: s.org_decryption_key(o, "0" * 16),
    "org_verification_key": lambda s, o: s.org_verification_key(o, "0" * 16),
}
WRITES: dict[str, Callable[[FileKeyStore, str], object]] = {
    "rotate_org_keys": lambda s, o: s.rotate_org_keys(o),
    "provision_org_keys": lambda s, o: s.provision_org_keys(o),
    "provision": lambda s, o: provision(s, ["bbs", o]),
}


def snapshot(root: Path) -> dict[str, tuple[str, int, bytes]]:
    """Every entry under root: kind, permission bits, contents (or link target)."""
    seen: dict[str, tuple[str, int, bytes]] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in [*dirnames, *filenames]:
            p = Path(dirpath) / name
            st = p.lstat()
            if stat.S_ISLNK(st.st_mode):
                seen[str(p)] = ("link", 0, os.readlink(p).encode())
            elif stat.S_ISDIR(st.st_mode):
                seen[str(p)] = ("dir", stat.S_IMODE(st.st_mode), b"")
            else:
                seen[str(p)] = ("file", stat.S_IMODE(st.st_mode), p.read_bytes())
    seen[str(root)] = ("dir", stat.S_IMODE(root.stat().st_mode), b"")
    return seen


@pytest.fixture
def world(tmp_path: Path) -> tuple[FileKeyStore, Path]:
    """A provisioned store deep in a tree, with folders around it a bad path could reach."""
    (tmp_path / "outside").mkdir(mode=0o755)
    os.chmod(tmp_path / "outside", 0o755)
    os.chmod(tmp_path, 0o755)
    state = tmp_path / "state"
    state.mkdir()
    os.chmod(state, 0o755)
    store = FileKeyStore(state / "keys")  # development mode: generates platform secrets
    provision(store, ["bbs"])
    return store, tmp_path


@pytest.mark.parametrize("method", [*READS, *WRITES])
def test_hostile_organisation_ids_are_refused_before_any_file_is_touched(
        world: tuple[FileKeyStore, Path], method: str) -> None:
    store, root = world
    call = {**READS, **WRITES}[method]
    before = snapshot(root)
    for bad in HOSTILE:
        with pytest.raises(InvalidKeyId) as refused:
            call(store, bad)
        if len(bad) > 1:
            assert bad not in str(refused.value)  # a hostile id is not echoed into logs
    assert snapshot(root) == before


@pytest.mark.parametrize("bad", [None, 5, b"bbs", ["bbs"]])
def test_ids_that_are_not_strings_are_refused(world: tuple[FileKeyStore, Path],
                                              bad: object) -> None:
    store, _ = world
    with pytest.raises(InvalidKeyId):
        store.org_keys(bad)  # type: ignore[arg-type]


def test_hostile_key_ids_are_refused_before_any_file_is_touched(
        world: tuple[FileKeyStore, Path]) -> None:
    store, root = world
    before = snapshot(root)
    for bad in KEY_ID_HOSTILE:
        for lookup in (store.org_decryption_key, store.org_verification_key):
            with pytest.raises(InvalidKeyId) as refused:
                lookup("bbs", bad)
            if len(bad) > 1:
                assert bad not in str(refused.value)
    assert snapshot(root) == before


@pytest.mark.parametrize("generate", [True, False], ids=["development", "production"])
@pytest.mark.parametrize("method", list(READS))
def test_an_unknown_organisation_gets_no_keys(world: tuple[FileKeyStore, Path],
                                              method: str, generate: bool) -> None:
    store, root = world
    store = FileKeyStore(store.dir, generate=generate)
    before = snapshot(root)
    with pytest.raises(MissingKey, match="'forged-org'"):  # a safe id may be named
        READS[method](store, "forged-org")
    assert snapshot(root) == before
    assert not (store.dir / "orgs" / "forged-org").exists()


def test_a_key_id_the_organisation_does_not_hold_is_missing(
        world: tuple[FileKeyStore, Path]) -> None:
    store, _ = world
    held = store.org_keys("bbs")
    assert store.org_verification_key("bbs", held.signing_key_id) is not None
    assert store.org_decryption_key("bbs", held.encryption_key_id) is not None
    with pytest.raises(MissingKey, match="0123456789abcdef"):
        store.org_verification_key("bbs", "0123456789abcdef")
    with pytest.raises(MissingKey):  # a signing key is no encryption key
        store.org_decryption_key("bbs", held.signing_key_id)


@pytest.mark.parametrize("method", [*READS, *WRITES])
def test_a_symlinked_organisation_folder_leading_outside_is_refused(
        world: tuple[FileKeyStore, Path], method: str) -> None:
    store, root = world
    target = root / "outside" / "evil"
    target.mkdir()
    (store.dir / "orgs" / "evil").symlink_to(target, target_is_directory=True)
    before = snapshot(root)
    with pytest.raises(UnsafeKeyPath):
        {**READS, **WRITES}[method](store, "evil")
    assert snapshot(root) == before
    assert list(target.iterdir()) == []


def test_a_symlinked_key_file_or_orgs_folder_is_refused(world: tuple[FileKeyStore, Path]) -> None:
    store, root = world
    outside = root / "outside" / "signing.pem"
    (store.dir / "orgs" / "bbs" / "signing.pem").rename(outside)
    (store.dir / "orgs" / "bbs" / "signing.pem").symlink_to(outside)
    with pytest.raises(UnsafeKeyPath):
        store.org_keys("bbs")
    with pytest.raises(UnsafeKeyPath):
        store.org_verification_keys("bbs")

    orgs = store.dir / "orgs"
    orgs.rename(root / "outside" / "orgs")
    orgs.symlink_to(root / "outside" / "orgs", target_is_directory=True)
    with pytest.raises(UnsafeKeyPath):
        store.org_decryption_keys("bbs")


def test_a_key_file_holding_the_other_kind_of_key_is_refused(
        world: tuple[FileKeyStore, Path]) -> None:
    store, _ = world
    org_dir = store.dir / "orgs" / "bbs"
    signing = (org_dir / "signing.pem").read_bytes()
    (org_dir / "encryption.pem.retired-abc123").write_bytes(signing)
    with pytest.raises(KeyStoreError, match="encryption key file holds another kind"):
        store.org_decryption_keys("bbs")
    assert len(store.org_verification_keys("bbs")) == 1  # the signing keys still read

    (org_dir / "encryption.pem").write_bytes(signing)
    with pytest.raises(KeyStoreError, match="tampered"):
        store.org_keys("bbs")


def test_a_store_reached_through_a_symlink_still_works(tmp_path: Path) -> None:
    real = tmp_path / "real-state"
    real.mkdir()
    (tmp_path / "state").symlink_to(real, target_is_directory=True)
    store = FileKeyStore(tmp_path / "state" / "keys")
    provision(store, ["bbs"])
    assert store.org_keys("bbs").org_id == "bbs"


def test_provision_checks_every_id_before_writing(tmp_path: Path) -> None:
    with pytest.raises(InvalidKeyId):
        provision(FileKeyStore(tmp_path / "keys"), ["bbs", "../x"])
    assert list(tmp_path.iterdir()) == []


def test_left_over_temporary_files_are_not_taken_for_retired_keys(
        world: tuple[FileKeyStore, Path]) -> None:
    store, _ = world
    (store.dir / "orgs" / "bbs" / "encryption.pem.4242.tmp").write_bytes(b"half written")
    assert len(store.org_decryption_keys("bbs")) == 1
    store.rotate_org_keys("bbs")
    assert len(store.org_decryption_keys("bbs")) == 2


def test_development_provisioning_covers_the_reference_organisations(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, environment="test")
    orgs = [o.id for o in load_reference(settings).partnerships.housing_organisations]
    made = provision_for_development(settings)
    assert {f"orgs/{o}/signing.pem" for o in orgs} <= set(made)
    store = FileKeyStore(settings.keys_dir, generate=False)
    assert {store.org_keys(o).org_id for o in orgs} == set(orgs)
    assert provision_for_development(settings) == []  # idempotent


def test_production_is_never_provisioned_implicitly(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, environment="production")
    assert provision_for_development(settings) == []
    assert not settings.keys_dir.exists()
