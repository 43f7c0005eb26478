"""Key material behind one interface.

``FileKeyStore`` is the embedded default: keys live under ``$VF_STATE_DIR/keys`` with
owner-only permissions. A KMS or HSM implementation replaces it by providing the same
methods; nothing else in the code reads key files.

Organisation ids reach this module from the network (a receipt names its signer), so
they are checked against a strict pattern before they become part of a path, the path
must stay inside the key directory, and reading never creates: organisation keys come
only from ``provision`` (``verdictflow keys init``) and ``rotate_org_keys``.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Protocol, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from verdictflow.platform.casekeys import DEFAULT_MAX_ENTRIES, DEFAULT_TTL_SECONDS, CaseKeyStore

if TYPE_CHECKING:
    from verdictflow.platform.settings import Settings

# The shape of the ids in verdictflow/config/partnerships.json and of key_id().
ORG_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ORG_ID_MAX = 64
KEY_ID = re.compile(r"[0-9a-f]{16}")
_RETIRED = re.compile(r"\.pem\.retired-[0-9a-f]{6}")
K = TypeVar("K")


def key_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def _raw_public(key: X25519PublicKey | Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


class KeyStoreError(Exception):
    pass


class InvalidKeyId(KeyStoreError, ValueError):
    """An id no key of ours can have. The message never repeats it: it may be hostile."""


class MissingKey(KeyStoreError):
    """Keys are provisioned (``verdictflow keys init``), never invented for an input."""


class UnsafeKeyPath(KeyStoreError):
    """A key path leads out of the key directory (a symbolic link): the store is tampered."""


def checked_org_id(org_id: object) -> str:
    if not (isinstance(org_id, str) and len(org_id) <= ORG_ID_MAX and ORG_ID.fullmatch(org_id)):
        raise InvalidKeyId("invalid organisation id: expected lowercase letters, digits and "
                           f"single hyphens, at most {ORG_ID_MAX} characters")
    return org_id


def checked_key_id(kid: object) -> str:
    if not (isinstance(kid, str) and KEY_ID.fullmatch(kid)):
        raise InvalidKeyId("invalid key id: expected 16 lowercase hexadecimal digits")
    return kid


@dataclass(frozen=True)
class OrgKeys:
    """A housing organisation's keys: X25519 to receive disclosures, Ed25519 to sign receipts."""

    org_id: str
    encryption: X25519PrivateKey
    signing: Ed25519PrivateKey

    @property
    def encryption_key_id(self) -> str:
        return key_id(_raw_public(self.encryption.public_key()))

    @property
    def signing_key_id(self) -> str:
        return key_id(_raw_public(self.signing.public_key()))


class KeyStore(Protocol):
    """Organisation lookups raise InvalidKeyId for an id of the wrong shape and MissingKey
    for one that is not provisioned: both are the input's fault, never worth a retry."""

    def codec_keys(self) -> tuple[str, dict[str, bytes]]:
        """The primary key id and every key (id → 32 bytes) still allowed to decrypt."""

    def rotate_codec_key(self) -> str: ...

    def case_keys(self) -> CaseKeyStore:
        """Per-case data keys, wrapped by the master key (crypto-shredding)."""

    def pseudonym_key(self) -> bytes: ...

    def platform_signing(self) -> tuple[str, Ed25519PrivateKey]: ...

    def dev_idp_signing(self) -> tuple[str, Ed25519PrivateKey]:
        """The development identity provider's token signing key (kid, key)."""

    def org_keys(self, org_id: str) -> OrgKeys:
        """The organisation's current keys; read only."""

    def rotate_org_keys(self, org_id: str) -> OrgKeys:
        """New current keys (created here, an operator's act); the old ones are retired."""

    def org_decryption_keys(self, org_id: str) -> dict[str, X25519PrivateKey]: ...

    def org_verification_keys(self, org_id: str) -> dict[str, Ed25519PublicKey]: ...

    def org_decryption_key(self, org_id: str, kid: str) -> X25519PrivateKey: ...

    def org_verification_key(self, org_id: str, kid: str) -> Ed25519PublicKey: ...


class FileKeyStore:
    def __init__(self, directory: Path, *, generate: bool = True,
                 case_key_ttl_seconds: float = DEFAULT_TTL_SECONDS,
                 case_key_max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        """``generate``: create platform secrets at first use (development only)."""
        self.dir = directory
        self.generate = generate
        self._lock = Lock()
        self._case_keys: CaseKeyStore | None = None
        self._case_key_ttl = case_key_ttl_seconds
        self._case_key_max = case_key_max_entries
        self._master: tuple[str, dict[str, bytes]] | None = None

    # -- files -------------------------------------------------------------
    def _inside(self, path: Path) -> Path:
        root = self.dir.resolve()
        real = path.resolve()
        if real != root and root not in real.parents:
            raise UnsafeKeyPath(f"a path in the key store {self.dir} leads outside it "
                                "(a symbolic link?): refusing to use it")
        return path

    def _missing(self, path: Path) -> None:
        if not self.generate:
            raise MissingKey(f"key file {path} is missing; provision keys with "
                             "`verdictflow keys init` (generation at start is for development)")

    def _make_folders(self, folder: Path) -> None:
        """Every folder from the key directory down to ``folder``, owner-only."""
        for above in reversed(self.dir.parents):
            if not above.exists():
                above.mkdir(mode=0o700, exist_ok=True)
        current = self.dir
        for part in ("", *folder.relative_to(self.dir).parts):
            current = current / part
            current.mkdir(exist_ok=True, mode=0o700)
            os.chmod(current, 0o700)  # mkdir's mode is masked by the umask

    def _write_secret(self, path: Path, data: bytes) -> None:
        self._make_folders(self._inside(path).parent)
        tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        # Two processes may create the same key at first start: the first rename wins
        # and everyone reads that one back.
        if not path.exists():
            os.replace(tmp, path)
        else:
            tmp.unlink()

    def _secret(self, name: str, size: int = 32) -> bytes:
        path = self._inside(self.dir / name)
        with self._lock:
            if not path.exists():
                self._missing(path)
                self._write_secret(path, secrets.token_bytes(size))
            return path.read_bytes()

    def _private_pem(
        self, name: str, generate: Callable[[], X25519PrivateKey | Ed25519PrivateKey]
    ) -> bytes:
        path = self._inside(self.dir / name)
        with self._lock:
            if not path.exists():
                self._missing(path)
                self._write_secret(path, _pem(generate()))
            return path.read_bytes()

    # -- codec ---------------------------------------------------------------
    def codec_keys(self) -> tuple[str, dict[str, bytes]]:
        codec_dir = self._inside(self.dir / "codec")
        primary_file = codec_dir / "primary"
        if not primary_file.exists():
            self._missing(primary_file)
            self.rotate_codec_key()
        primary = primary_file.read_text().strip()
        keys = {p.stem: p.read_bytes() for p in codec_dir.glob("*.key")}
        return primary, keys

    def rotate_codec_key(self) -> str:
        """A new primary; older keys stay to decrypt what they sealed."""
        kid = "k" + secrets.token_hex(4)
        self._write_secret(self.dir / "codec" / f"{kid}.key", secrets.token_bytes(32))
        primary = self.dir / "codec" / "primary"
        tmp = primary.with_suffix(".tmp")
        tmp.write_text(kid)
        os.replace(tmp, primary)
        return kid

    # -- per-case data keys --------------------------------------------------
    def master_keys(self) -> tuple[str, dict[str, bytes]]:
        """The key-encryption key that wraps every case's data key; read once per process
        (it never changes while one runs: there is no master rotation yet)."""
        if self._master is None:
            self._master = ("m1", {"m1": self._secret("master.key")})
        return self._master

    def case_keys(self) -> CaseKeyStore:
        if self._case_keys is None:
            self._make_folders(self.dir)
            self._case_keys = CaseKeyStore(self._inside(self.dir / "case-keys.db"),
                                           self.master_keys,
                                           ttl_seconds=self._case_key_ttl,
                                           max_entries=self._case_key_max)
        return self._case_keys

    # -- platform ------------------------------------------------------------
    def pseudonym_key(self) -> bytes:
        return self._secret("pseudonym.key")

    def platform_signing(self) -> tuple[str, Ed25519PrivateKey]:
        pem = self._private_pem("platform-signing.pem", Ed25519PrivateKey.generate)
        key = load_pem_private_key(pem, None)
        assert isinstance(key, Ed25519PrivateKey)
        return key_id(_raw_public(key.public_key())), key

    def dev_idp_signing(self) -> tuple[str, Ed25519PrivateKey]:
        # Apart from the platform key: a token signer is a different trust (who may act),
        # and production never has this file (tokens come from the partners' IdP there).
        pem = self._private_pem("dev-idp/signing.pem", Ed25519PrivateKey.generate)
        key = load_pem_private_key(pem, None)
        assert isinstance(key, Ed25519PrivateKey)
        return key_id(_raw_public(key.public_key())), key

    # -- housing organisations -------------------------------------------------
    def _org_dir(self, org_id: str) -> Path:
        return self._inside(self.dir / "orgs" / checked_org_id(org_id))

    def org_keys(self, org_id: str) -> OrgKeys:
        org_dir = self._org_dir(org_id)
        return OrgKeys(org_id=org_id,
                       encryption=self._encryption_key(org_dir / "encryption.pem", org_id),
                       signing=self._signing_key(org_dir / "signing.pem", org_id))

    def _encryption_key(self, path: Path, org_id: str) -> X25519PrivateKey:
        key = self._read_org_key(path, org_id, "encryption")
        if not isinstance(key, X25519PrivateKey):
            raise _another_kind(org_id, "encryption")
        return key

    def _signing_key(self, path: Path, org_id: str) -> Ed25519PrivateKey:
        key = self._read_org_key(path, org_id, "signing")
        if not isinstance(key, Ed25519PrivateKey):
            raise _another_kind(org_id, "signing")
        return key

    def _read_org_key(self, path: Path, org_id: str, name: str) -> PrivateKeyTypes:
        if not self._inside(path).is_file():
            raise MissingKey(f"organisation {org_id!r} has no {name} key; provision it with "
                             "`verdictflow keys init` (an unknown organisation gets none)")
        return load_pem_private_key(path.read_bytes(), None)

    def _key_files(self, org_id: str, name: str) -> list[Path]:
        """The files of the current key and of every retired one of that name."""
        self.org_keys(org_id)  # the current ones exist (or MissingKey)
        org_dir = self._org_dir(org_id)
        return sorted(f for f in org_dir.iterdir()
                      if f.name == f"{name}.pem"
                      or (f.name.startswith(name) and _RETIRED.fullmatch(f.name[len(name):])))

    def org_decryption_keys(self, org_id: str) -> dict[str, X25519PrivateKey]:
        """Current and retired keys: disclosures sealed before a rotation still open."""
        return {key_id(_raw_public(k.public_key())): k
                for k in (self._encryption_key(f, org_id)
                          for f in self._key_files(org_id, "encryption"))}

    def org_verification_keys(self, org_id: str) -> dict[str, Ed25519PublicKey]:
        """Current and retired receipt keys, so receipts signed before a rotation verify."""
        return {key_id(_raw_public(k.public_key())): k.public_key()
                for k in (self._signing_key(f, org_id)
                          for f in self._key_files(org_id, "signing"))}

    def org_decryption_key(self, org_id: str, kid: str) -> X25519PrivateKey:
        """The key a disclosure names; InvalidKeyId or MissingKey if there is none such."""
        checked_org_id(org_id)
        checked_key_id(kid)
        return _named(self.org_decryption_keys(org_id), org_id, kid)

    def org_verification_key(self, org_id: str, kid: str) -> Ed25519PublicKey:
        """The key a receipt names; InvalidKeyId or MissingKey if there is none such."""
        checked_org_id(org_id)
        checked_key_id(kid)
        return _named(self.org_verification_keys(org_id), org_id, kid)

    def provision_org_keys(self, org_id: str) -> OrgKeys:
        """Creates what is missing of the organisation's keys (``verdictflow keys init``)."""
        org_dir = self._org_dir(org_id)
        with self._lock:
            for name, generate in (("encryption.pem", X25519PrivateKey.generate),
                                   ("signing.pem", Ed25519PrivateKey.generate)):
                if not (org_dir / name).exists():
                    self._write_secret(org_dir / name, _pem(generate()))
        return self.org_keys(org_id)

    def rotate_org_keys(self, org_id: str) -> OrgKeys:
        org_dir = self._org_dir(org_id)
        for name in ("encryption.pem", "signing.pem"):
            path = org_dir / name
            if path.exists():
                path.rename(path.with_suffix(f".pem.retired-{secrets.token_hex(3)}"))
        return self.provision_org_keys(org_id)


def _another_kind(org_id: str, name: str) -> KeyStoreError:
    return KeyStoreError(f"organisation {org_id!r}: its {name} key file holds another kind "
                         "of key: the store is tampered")


def _pem(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def _named(keys: dict[str, K], org_id: str, kid: str) -> K:
    if kid not in keys:
        raise MissingKey(f"organisation {org_id!r} holds no key {kid!r}")
    return keys[kid]


def keystore_for(settings: Settings) -> FileKeyStore:
    return FileKeyStore(settings.keys_dir, generate=settings.environment != "production",
                        case_key_ttl_seconds=settings.case_key_cache_seconds,
                        case_key_max_entries=settings.case_key_cache_entries)


def provision(store: FileKeyStore, org_ids: list[str]) -> list[str]:
    """Creates every key that is missing (``verdictflow keys init``); returns what it made."""
    before = {p for p in store.dir.rglob("*") if p.is_file()} if store.dir.exists() else set()
    for org in org_ids:  # all ids checked before anything is written
        checked_org_id(org)
    generating = FileKeyStore(store.dir, generate=True)
    generating.codec_keys()
    generating.pseudonym_key()
    generating.master_keys()
    generating.platform_signing()
    for org in org_ids:
        generating.provision_org_keys(org)
    after = {p for p in store.dir.rglob("*") if p.is_file()}
    return sorted(str(p.relative_to(store.dir)) for p in after - before)


def provision_for_development(settings: Settings) -> list[str]:
    """Keys for every organisation in the reference data, where the embedded system starts.

    Outside production only: there ``verdictflow keys init`` is an operator's step.
    """
    if settings.environment == "production":
        return []
    from verdictflow.platform.reference import load_reference

    orgs = [o.id for o in load_reference(settings).partnerships.housing_organisations]
    return provision(keystore_for(settings), orgs)
