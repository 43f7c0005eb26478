"""The sealed-disclosure format: only the recipient opens it, any change is refused."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from verdictflow.domain.sealing import (
    SealedDisclosure,
    SealError,
    open_disclosure,
    seal_disclosure,
    sign_receipt,
    verify_receipt,
)

CONTENT = {"person": {"cpr": "0101901234", "name": "Test Testesen"}, "offences": ["§ 244"]}


@pytest.fixture
def parties() -> dict:
    return {"org": X25519PrivateKey.generate(), "other": X25519PrivateKey.generate(),
            "platform": Ed25519PrivateKey.generate()}


def seal(parties: dict, **kw: object) -> SealedDisclosure:
    args = dict(disclosure_id="case-a-d1", case_id="case-a", recipient_org="bbs",
                recipient_key_id="kid-bbs", recipient_public=parties["org"].public_key(),
                signer=parties["platform"], signer_key_id="kid-platform")
    args.update(kw)
    return seal_disclosure(CONTENT, **args)


def open_as_bbs(sealed: SealedDisclosure, parties: dict, key: str = "org") -> dict:
    return open_disclosure(sealed, recipient_org="bbs", recipient_key_id="kid-bbs",
                           recipient_private=parties[key],
                           platform_public=parties["platform"].public_key())


def test_the_recipient_opens_what_was_sealed(parties: dict) -> None:
    sealed = seal(parties)
    assert open_as_bbs(sealed, parties) == CONTENT
    wire = str(sealed.to_dict())
    assert "0101901234" not in wire and "Testesen" not in wire


def test_round_trip_through_the_wire_format(parties: dict) -> None:
    sealed = SealedDisclosure.from_dict(seal(parties).to_dict())
    assert open_as_bbs(sealed, parties) == CONTENT


def test_a_wrong_key_is_refused(parties: dict) -> None:
    with pytest.raises(SealError, match="wrong key"):
        open_as_bbs(seal(parties), parties, key="other")


def flip_bit(b64: str, index: int = 5) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize("field", ["ciphertext", "nonce", "ephemeral_public_key"])
def test_a_flipped_bit_anywhere_is_refused(parties: dict, field: str) -> None:
    sealed = seal(parties)
    tampered = replace(sealed, **{field: flip_bit(getattr(sealed, field))})
    with pytest.raises(SealError, match="signature does not verify"):
        open_as_bbs(tampered, parties)


def test_a_re_signed_tampering_still_fails_decryption(parties: dict) -> None:
    """Even with the platform's key, the ciphertext is bound to its header (AAD)."""
    sealed = seal(parties)
    moved = replace(sealed, case_id="case-b", signature="")
    resigned = replace(moved, signature=base64.b64encode(
        parties["platform"].sign(moved.signed_bytes())).decode())
    with pytest.raises(SealError, match="decryption failed"):
        open_as_bbs(resigned, parties)


def test_sealed_for_another_organisation_is_refused(parties: dict) -> None:
    sealed = seal(parties, recipient_org="pab")
    with pytest.raises(SealError, match="another housing organisation"):
        open_as_bbs(sealed, parties)


def test_a_signature_by_someone_else_is_refused(parties: dict) -> None:
    sealed = seal(parties, signer=Ed25519PrivateKey.generate())
    with pytest.raises(SealError, match="signature"):
        open_as_bbs(sealed, parties)


def test_unknown_format_is_refused(parties: dict) -> None:
    d = seal(parties).to_dict()
    with pytest.raises(SealError, match="format"):
        SealedDisclosure.from_dict({**d, "format": "something-else/9"})
    d.pop("nonce")
    with pytest.raises(SealError, match="nonce"):
        SealedDisclosure.from_dict(d)


def test_receipts_are_signed_and_verified() -> None:
    org = Ed25519PrivateKey.generate()
    fields = {"disclosure_id": "case-a-d1", "digest": "ab" * 32}
    signature = sign_receipt(fields, org)
    verify_receipt(fields, signature, org.public_key())
    with pytest.raises(SealError):
        verify_receipt({**fields, "digest": "cd" * 32}, signature, org.public_key())
