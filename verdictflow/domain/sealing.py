"""The sealed-disclosure format: encrypted to one housing organisation, signed by the platform.

Sealing: an ephemeral X25519 key agrees a secret with the recipient's public key; HKDF-SHA256
turns it into an AES-256-GCM key; the header (format, disclosure id, case id, recipient and
its key id) is bound as associated data so a disclosure cannot be replayed to another case
or recipient. The platform signs header + ciphertext with Ed25519, so the recipient can tell
it came from us before it decrypts anything.

Pure computation, no I/O: the same code serves the worker (seal) and the gateway (open).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

FORMAT = "vf-sealed-disclosure/1"
ALGORITHM = "X25519+HKDF-SHA256+AES-256-GCM;Ed25519"


class SealError(Exception):
    """A sealed disclosure that must not be trusted; the message says why."""


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _unb64(s: str, what: str) -> bytes:
    try:
        return base64.b64decode(s, validate=True)
    except (ValueError, TypeError) as exc:
        raise SealError(f"{what} is not valid base64") from exc


def _raw(public: X25519PublicKey) -> bytes:
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class SealedDisclosure:
    format: str
    algorithm: str
    disclosure_id: str
    case_id: str
    recipient_org: str
    recipient_key_id: str
    signer_key_id: str
    ephemeral_public_key: str
    nonce: str
    ciphertext: str
    signature: str = ""

    def header(self) -> bytes:
        """Associated data: what the ciphertext is bound to."""
        return _canonical(
            {
                "format": self.format,
                "algorithm": self.algorithm,
                "disclosure_id": self.disclosure_id,
                "case_id": self.case_id,
                "recipient_org": self.recipient_org,
                "recipient_key_id": self.recipient_key_id,
            }
        )

    def signed_bytes(self) -> bytes:
        fields = asdict(self)
        fields.pop("signature")
        return _canonical(fields)

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    def digest(self) -> str:
        """What a receipt commits to: the whole sealed object, signature included."""
        return sealed_digest(self.to_dict())

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SealedDisclosure:
        try:
            sealed = cls(**{k: str(d[k]) for k in cls.__dataclass_fields__})
        except KeyError as exc:
            raise SealError(f"sealed disclosure lacks field {exc.args[0]!r}") from exc
        if sealed.format != FORMAT or sealed.algorithm != ALGORITHM:
            raise SealError("unknown sealed-disclosure format or algorithm")
        return sealed


def sealed_digest(sealed: dict[str, str]) -> str:
    """SHA-256 of a sealed disclosure in its wire form (what the gateway receipts)."""
    return hashlib.sha256(_canonical(sealed)).hexdigest()


def _json_object(plaintext: bytes) -> dict[str, Any]:
    # Authenticated, so ours; but only objects are ever sealed, and the caller indexes it.
    opened = json.loads(plaintext)
    if not isinstance(opened, dict):
        raise SealError("the opened content is not a JSON object")
    return opened


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _content_key(shared: bytes, ephemeral: bytes, recipient: bytes, header: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral + recipient,
        info=b"verdictflow disclosure v1|" + header,
    ).derive(shared)


def seal_disclosure(
    content: dict[str, Any],
    *,
    disclosure_id: str,
    case_id: str,
    recipient_org: str,
    recipient_key_id: str,
    recipient_public: X25519PublicKey,
    signer: Ed25519PrivateKey,
    signer_key_id: str,
) -> SealedDisclosure:
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = _raw(ephemeral.public_key())
    unsigned = SealedDisclosure(
        format=FORMAT,
        algorithm=ALGORITHM,
        disclosure_id=disclosure_id,
        case_id=case_id,
        recipient_org=recipient_org,
        recipient_key_id=recipient_key_id,
        signer_key_id=signer_key_id,
        ephemeral_public_key=_b64(ephemeral_raw),
        nonce="",
        ciphertext="",
    )
    header = unsigned.header()
    key = _content_key(
        ephemeral.exchange(recipient_public), ephemeral_raw, _raw(recipient_public), header
    )
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, _canonical(content), header)
    sealed = SealedDisclosure(
        **{**asdict(unsigned), "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}
    )
    signature = signer.sign(sealed.signed_bytes())
    return SealedDisclosure(**{**asdict(sealed), "signature": _b64(signature)})


def verify_disclosure(sealed: SealedDisclosure, platform_public: Ed25519PublicKey) -> None:
    try:
        platform_public.verify(_unb64(sealed.signature, "signature"), sealed.signed_bytes())
    except InvalidSignature as exc:
        raise SealError("signature does not verify: not from the platform, or altered") from exc


def open_disclosure(
    sealed: SealedDisclosure,
    *,
    recipient_org: str,
    recipient_key_id: str,
    recipient_private: X25519PrivateKey,
    platform_public: Ed25519PublicKey,
) -> dict[str, Any]:
    """Verifies, checks it is meant for us, decrypts. Raises ``SealError`` with the reason."""
    verify_disclosure(sealed, platform_public)
    if sealed.recipient_org != recipient_org:
        raise SealError("sealed for another housing organisation")
    if sealed.recipient_key_id != recipient_key_id:
        raise SealError(
            f"sealed to key {sealed.recipient_key_id!r}, which this recipient does not hold")
    ephemeral_raw = _unb64(sealed.ephemeral_public_key, "ephemeral key")
    try:
        ephemeral = X25519PublicKey.from_public_bytes(ephemeral_raw)
    except ValueError as exc:
        raise SealError("ephemeral key is malformed") from exc
    header = sealed.header()
    key = _content_key(
        recipient_private.exchange(ephemeral),
        ephemeral_raw,
        _raw(recipient_private.public_key()),
        header,
    )
    try:
        plaintext = AESGCM(key).decrypt(
            _unb64(sealed.nonce, "nonce"), _unb64(sealed.ciphertext, "ciphertext"), header
        )
    except InvalidTag as exc:
        raise SealError("decryption failed: wrong key, or the ciphertext was altered") from exc
    return _json_object(plaintext)


# -- instructions: what the platform tells a gateway to do (today: delete a disclosure) ---
# Anyone who can write to the disclosures topic could otherwise make a gateway erase its
# copy. The platform signs every instruction, bound to the disclosure and the recipient,
# and the gateway acts only on one that verifies. The format field keeps these signatures
# apart from the platform's signatures over sealed disclosures.
INSTRUCTION_FORMAT = "vf-instruction/1"
INSTRUCTION_FIELDS = ("format", "instruction", "disclosure_id", "case_id", "recipient_org",
                      "reason", "issued_at", "signer_key_id")


def sign_instruction(fields: dict[str, str], signer: Ed25519PrivateKey) -> str:
    if fields.get("format") != INSTRUCTION_FORMAT or set(fields) != set(INSTRUCTION_FIELDS):
        raise SealError(f"an instruction has exactly the fields {', '.join(INSTRUCTION_FIELDS)}")
    return _b64(signer.sign(_canonical(fields)))


def verify_instruction(data: dict[str, Any], recipient_org: str,
                       platform_public: Ed25519PublicKey) -> dict[str, str]:
    """The signed fields of an instruction meant for ``recipient_org``; ``SealError`` if not."""
    fields = {k: data.get(k) for k in INSTRUCTION_FIELDS}
    if fields["format"] != INSTRUCTION_FORMAT or not all(isinstance(v, str) for v in
                                                         fields.values()):
        raise SealError("not a signed instruction (unsigned, or an older format)")
    if fields["recipient_org"] != recipient_org:
        raise SealError("the instruction is for another housing organisation")
    try:
        platform_public.verify(_unb64(str(data.get("signature", "")), "instruction signature"),
                               _canonical(fields))
    except InvalidSignature as exc:
        raise SealError("instruction signature does not verify: not from the platform, "
                        "or altered") from exc
    return fields  # type: ignore[return-value]  # every value was checked to be a str


def sign_receipt(fields: dict[str, str], signer: Ed25519PrivateKey) -> str:
    return _b64(signer.sign(_canonical(fields)))


def verify_receipt(fields: dict[str, str], signature: str, public: Ed25519PublicKey) -> None:
    try:
        public.verify(_unb64(signature, "receipt signature"), _canonical(fields))
    except InvalidSignature as exc:
        raise SealError("receipt signature does not verify") from exc


# -- the inner layer: personal data under the case's data key ------------------------
# Inside the recipient's seal, the personal part of a disclosure is sealed once more
# under the case's data key. The recipient's key proves it is theirs; the case key is
# released per read by the platform (and audited), and destroying it at purge makes
# every stored copy (Kafka segments, the gateway's copy, the read model) unreadable.


def seal_case_layer(personal: dict[str, Any], case_id: str, case_key: bytes) -> dict[str, str]:
    kid = f"case:{case_id}"
    nonce = os.urandom(12)
    ciphertext = AESGCM(case_key).encrypt(nonce, _canonical(personal), kid.encode())
    return {"key_id": kid, "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}


def open_case_layer(layer: dict[str, str], case_id: str, case_key: bytes) -> dict[str, Any]:
    kid = f"case:{case_id}"
    if layer.get("key_id") != kid:
        raise SealError("the personal part belongs to another case")
    try:
        plain = AESGCM(case_key).decrypt(
            _unb64(layer["nonce"], "nonce"), _unb64(layer["ciphertext"], "ciphertext"),
            kid.encode())
    except (InvalidTag, KeyError) as exc:
        raise SealError("the personal part does not open with the case key") from exc
    return _json_object(plain)
