"""Key material behind one interface.

``FileKeyStore`` is the embedded default: keys are generated at first use under
``$VF_STATE_DIR/keys`` with owner-only permissions. A KMS or HSM implementation replaces
it by providing the same methods; nothing else in the code reads key files.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from verdictflow.casekeys import CaseKeyStore


def key_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def _raw_public(key: X25519PublicKey | Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


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
    def codec_keys(self) -> tuple[str, dict[str, bytes]]:
        """The primary key id and every key (id → 32 bytes) still allowed to decrypt."""

    def rotate_codec_key(self) -> str: ...

    def case_keys(self) -> CaseKeyStore:
        """Per-case data keys, wrapped by the master key (crypto-shredding)."""

    def pseudonym_key(self) -> bytes: ...

    def platform_signing(self) -> tuple[str, Ed25519PrivateKey]: ...

    def dev_idp_signing(self) -> tuple[str, Ed25519PrivateKey]:
        """The development identity provider's token signing key (kid, key)."""

    def org_keys(self, org_id: str) -> OrgKeys: ...

    def rotate_org_keys(self, org_id: str) -> OrgKeys: ...

    def org_decryption_keys(self, org_id: str) -> dict[str, X25519PrivateKey]: ...

    def org_verification_keys(self, org_id: str) -> dict[str, Ed25519PublicKey]: ...


class MissingKey(Exception):
    """Outside development keys are provisioned (``verdictflow keys init``), never invented."""


class FileKeyStore:
    def __init__(self, directory: Path, *, generate: bool = True) -> None:
        self.dir = directory
        self.generate = generate
        self._lock = Lock()
        self._case_keys: CaseKeyStore | None = None

    # -- files -------------------------------------------------------------
    def _missing(self, path: Path) -> None:
        if not self.generate:
            raise MissingKey(f"key file {path} is missing; provision keys with "
                             "`verdictflow keys init` (generation at start is for development)")

    def _write_secret(self, path: Path, data: bytes) -> None:
        # mkdir(parents=True) gives intermediate folders the default mode: make each ours.
        for folder in reversed([path.parent, *path.parent.parents]):
            if folder == self.dir or self.dir in folder.parents:
                folder.mkdir(exist_ok=True, mode=0o700)
                os.chmod(folder, 0o700)
            elif not folder.exists():
                folder.mkdir(mode=0o700)
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
        path = self.dir / name
        with self._lock:
            if not path.exists():
                self._missing(path)
                self._write_secret(path, secrets.token_bytes(size))
            return path.read_bytes()

    def _private_pem(self, name: str, generate) -> bytes:
        path = self.dir / name
        with self._lock:
            if not path.exists():
                self._missing(path)
                pem = generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
                self._write_secret(path, pem)
            return path.read_bytes()

    # -- codec ---------------------------------------------------------------
    def codec_keys(self) -> tuple[str, dict[str, bytes]]:
        codec_dir = self.dir / "codec"
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
        """The key-encryption key that wraps every case's data key."""
        return "m1", {"m1": self._secret("master.key")}

    def case_keys(self) -> CaseKeyStore:
        if self._case_keys is None:
            self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._case_keys = CaseKeyStore(self.dir / "case-keys.db", self.master_keys)
        return self._case_keys

    # -- others --------------------------------------------------------------
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

    def org_keys(self, org_id: str) -> OrgKeys:
        enc = load_pem_private_key(
            self._private_pem(f"orgs/{org_id}/encryption.pem", X25519PrivateKey.generate), None
        )
        sig = load_pem_private_key(
            self._private_pem(f"orgs/{org_id}/signing.pem", Ed25519PrivateKey.generate), None
        )
        assert isinstance(enc, X25519PrivateKey) and isinstance(sig, Ed25519PrivateKey)
        return OrgKeys(org_id=org_id, encryption=enc, signing=sig)

    def _all_versions(self, org_id: str, name: str) -> list:  # noqa: ANN401 - private keys
        self.org_keys(org_id)  # the current ones exist (or MissingKey)
        files = sorted((self.dir / "orgs" / org_id).glob(f"{name}.pem*"))
        return [load_pem_private_key(f.read_bytes(), None) for f in files]

    def org_decryption_keys(self, org_id: str) -> dict[str, X25519PrivateKey]:
        """Current and retired keys: disclosures sealed before a rotation still open."""
        return {key_id(_raw_public(k.public_key())): k
                for k in self._all_versions(org_id, "encryption")}

    def org_verification_keys(self, org_id: str) -> dict[str, Ed25519PublicKey]:
        """Current and retired receipt keys, so receipts signed before a rotation verify."""
        return {key_id(_raw_public(k.public_key())): k.public_key()
                for k in self._all_versions(org_id, "signing")}

    def rotate_org_keys(self, org_id: str) -> OrgKeys:
        org_dir = self.dir / "orgs" / org_id
        for name in ("encryption.pem", "signing.pem"):
            path = org_dir / name
            if path.exists():
                path.rename(path.with_suffix(f".pem.retired-{secrets.token_hex(3)}"))
        return self.org_keys(org_id)


def keystore_for(settings) -> FileKeyStore:  # noqa: ANN001 - Settings, kept import-light
    return FileKeyStore(settings.keys_dir, generate=settings.environment != "production")


def provision(store: FileKeyStore, org_ids: list[str]) -> list[str]:
    """Creates every key that is missing (``verdictflow keys init``); returns what it made."""
    before = {p for p in store.dir.rglob("*") if p.is_file()} if store.dir.exists() else set()
    generating = FileKeyStore(store.dir, generate=True)
    generating.codec_keys()
    generating.pseudonym_key()
    generating.master_keys()
    generating.platform_signing()
    for org in org_ids:
        generating.org_keys(org)
    after = {p for p in store.dir.rglob("*") if p.is_file()}
    return sorted(str(p.relative_to(store.dir)) for p in after - before)
