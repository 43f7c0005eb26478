"""Dead letters that may hold personal data are kept, but encrypted.

A message on ``police.verdicts.v1`` may carry a CPR number in plaintext; that topic is
access-controlled and short-lived, its dead-letter twin need not be. So the original
bytes are sealed with the platform's codec key before they are dead-lettered: nothing is
dropped, and an operator can open and replay it (``verdictflow dlq show``).
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from verdictflow.keys import KeyStore

SEALED_HEADER = "dlq-sealed-key-id"


def seal_dead_letter(value: bytes, keys: KeyStore) -> tuple[bytes, list[tuple[str, bytes]]]:
    kid, all_keys = keys.codec_keys()
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(all_keys[kid]).encrypt(nonce, value, b"dead-letter")
    return sealed, [(SEALED_HEADER, kid.encode())]


def open_dead_letter(value: bytes, headers: dict[str, bytes], keys: KeyStore) -> bytes:
    kid = headers.get(SEALED_HEADER)
    if kid is None:
        return value
    _, all_keys = keys.codec_keys()
    return AESGCM(all_keys[kid.decode()]).decrypt(value[:12], value[12:], b"dead-letter")
