"""Temporal payload codec: every payload Temporal stores is AES-256-GCM ciphertext.

The key id travels in the payload metadata, so keys can rotate: new payloads use the
primary key, older ones still open with the key that sealed them. An unknown key id is
a configuration error, not a transient one, so it fails the task instead of retrying
forever on a payload that will never open.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"


class UnknownCodecKey(Exception):
    pass


class EncryptionCodec(PayloadCodec):
    def __init__(self, primary_key_id: str, keys: dict[str, bytes]) -> None:
        if primary_key_id not in keys:
            raise UnknownCodecKey(f"primary codec key {primary_key_id!r} is not among the keys")
        self._primary = primary_key_id
        self._ciphers = {kid: AESGCM(key) for kid, key in keys.items()}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._decrypt(p) for p in payloads]

    def _encrypt(self, payload: Payload) -> Payload:
        nonce = os.urandom(12)
        data = nonce + self._ciphers[self._primary].encrypt(
            nonce, payload.SerializeToString(), self._primary.encode()
        )
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID: self._primary.encode()}, data=data
        )

    def _decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        kid = payload.metadata.get(KEY_ID, b"").decode()
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise UnknownCodecKey(f"payload sealed with unknown codec key {kid!r}")
        try:
            plain = cipher.decrypt(payload.data[:12], payload.data[12:], kid.encode())
        except InvalidTag as exc:
            raise UnknownCodecKey(f"payload does not open with codec key {kid!r}") from exc
        return Payload.FromString(plain)
