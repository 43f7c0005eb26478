"""The key backup format: a key store's files sealed under a passphrase. Pure, no I/O.

    MAGIC | header length (4 bytes, big-endian) | header (JSON) | AES-256-GCM ciphertext

The header names the format version, the KDF (scrypt) with its parameters and salt, and
the nonce; it is the associated data of the ciphertext, so a changed parameter fails like
a changed byte of the body. The plaintext is a sequence of members, each a path (2-byte
length, UTF-8) and its bytes (8-byte length). A wrong passphrase and a damaged archive
look alike to AES-GCM: both are ``UnreadableArchive``, and nothing is returned.
"""

from __future__ import annotations

import json
import os
import re
import struct
import unicodedata
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"VFKEYBAK"
FORMAT_VERSION = 1
MIN_PASSPHRASE = 12
_HEADER_MAX = 4096
_MEMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}(?:/[A-Za-z0-9][A-Za-z0-9._-]{0,99}){0,3}")


@dataclass(frozen=True)
class ScryptCost:
    """OWASP's floor for scrypt (N=2^17, r=8, p=1): 128 MiB and about 0.4 s here."""

    n: int = 2**17
    r: int = 8
    p: int = 1

    def check(self) -> None:
        # A crafted header must not make a restore allocate gigabytes.
        if not (2**10 <= self.n <= 2**20 and self.n & (self.n - 1) == 0
                and 1 <= self.r <= 32 and 1 <= self.p <= 16 and 128 * self.n * self.r <= 2**30):
            raise UnreadableArchive("the archive asks for scrypt parameters out of bounds")


class ArchiveError(ValueError):
    pass


class UnreadableArchive(ArchiveError):
    """Not an archive of ours, a wrong passphrase, or a damaged or altered file."""


class WeakPassphrase(ArchiveError):
    pass


def check_passphrase(passphrase: str) -> None:
    if len(passphrase.strip()) < MIN_PASSPHRASE:
        raise WeakPassphrase(f"the passphrase must have at least {MIN_PASSPHRASE} characters")


def check_member(name: str) -> str:
    """A relative path of at most four safe parts: nothing that climbs out or is hidden."""
    if not _MEMBER.fullmatch(name):
        raise ArchiveError("an archive member has an unsafe or unexpected path")
    return name


def pack(members: dict[str, bytes], passphrase: str, *, cost: ScryptCost | None = None) -> bytes:
    check_passphrase(passphrase)
    cost = cost or ScryptCost()
    cost.check()
    salt, nonce = os.urandom(16), os.urandom(12)
    header = json.dumps({
        "format": FORMAT_VERSION,
        "kdf": {"name": "scrypt", "n": cost.n, "r": cost.r, "p": cost.p, "salt": salt.hex()},
        "cipher": {"name": "aes-256-gcm", "nonce": nonce.hex()},
    }, sort_keys=True).encode()
    prefix = MAGIC + struct.pack(">I", len(header)) + header
    body = b"".join(_member(name, data) for name, data in sorted(members.items()))
    return prefix + AESGCM(_derive(passphrase, salt, cost)).encrypt(nonce, body, prefix)


def unpack(archive: bytes, passphrase: str) -> dict[str, bytes]:
    prefix, header = read_header(archive)
    kdf, cipher = header["kdf"], header["cipher"]
    cost = ScryptCost(kdf["n"], kdf["r"], kdf["p"])
    cost.check()
    key = _derive(passphrase, bytes.fromhex(kdf["salt"]), cost)
    try:
        body = AESGCM(key).decrypt(bytes.fromhex(cipher["nonce"]), archive[len(prefix):], prefix)
    except InvalidTag:
        raise UnreadableArchive("the archive does not open: wrong passphrase, or the file "
                                "is damaged or altered") from None
    return _members(body)


def read_header(archive: bytes) -> tuple[bytes, dict[str, Any]]:
    """The authenticated prefix and the parsed header; checked only for shape here."""
    if not archive.startswith(MAGIC) or len(archive) < len(MAGIC) + 4:
        raise UnreadableArchive("not a verdictflow key backup")
    (size,) = struct.unpack(">I", archive[len(MAGIC):len(MAGIC) + 4])
    if size > _HEADER_MAX or len(archive) < len(MAGIC) + 4 + size:
        raise UnreadableArchive("the archive's header is damaged")
    prefix = archive[:len(MAGIC) + 4 + size]
    try:
        header = json.loads(prefix[len(MAGIC) + 4:])
        version = header["format"]
    except (ValueError, KeyError, TypeError) as exc:
        raise UnreadableArchive("the archive's header is damaged") from exc
    if version != FORMAT_VERSION:
        raise UnreadableArchive(f"archive format {version!r} is not supported "
                                f"(this version reads {FORMAT_VERSION})")
    try:
        kdf, cipher = header["kdf"], header["cipher"]
        known = (kdf["name"] == "scrypt" and cipher["name"] == "aes-256-gcm"
                 and all(type(kdf[k]) is int for k in ("n", "r", "p"))
                 and len(bytes.fromhex(kdf["salt"])) >= 16
                 and len(bytes.fromhex(cipher["nonce"])) == 12)
    except (ValueError, KeyError, TypeError) as exc:
        raise UnreadableArchive("the archive's header is damaged") from exc
    if not known:
        raise UnreadableArchive("the archive uses a KDF or cipher this version does not know")
    return prefix, header


def _derive(passphrase: str, salt: bytes, cost: ScryptCost) -> bytes:
    # NFC: the same passphrase typed on another system gives the same bytes.
    secret = unicodedata.normalize("NFC", passphrase).encode()
    return Scrypt(salt=salt, length=32, n=cost.n, r=cost.r, p=cost.p).derive(secret)


def _member(name: str, data: bytes) -> bytes:
    raw = check_member(name).encode()
    return struct.pack(">H", len(raw)) + raw + struct.pack(">Q", len(data)) + data


def _members(body: bytes) -> dict[str, bytes]:
    # Authenticated, so damage cannot reach here; still parsed as if it could.
    members: dict[str, bytes] = {}
    at = 0
    try:
        while at < len(body):
            (n,) = struct.unpack_from(">H", body, at)
            name = check_member(body[at + 2:at + 2 + n].decode())
            (size,) = struct.unpack_from(">Q", body, at + 2 + n)
            start = at + 10 + n
            if name in members or start + size > len(body):
                raise ArchiveError("the archive's contents are inconsistent")
            members[name] = body[start:start + size]
            at = start + size
    except (struct.error, UnicodeDecodeError) as exc:
        raise ArchiveError("the archive's contents are inconsistent") from exc
    return members
