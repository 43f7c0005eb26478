"""Temporal payload codec: every payload Temporal stores is AES-256-GCM ciphertext.

Payloads of a case's workflows (the case and its re-entry block) are sealed under that
case's own data key, so purging the case shreds its history; anything else under the
platform key. The key id travels in the payload metadata (``case:<case id>`` or a platform
key id), so a payload says how to open it whatever context it is read in, and platform
keys can rotate: new payloads use the primary, older ones still open with theirs.

An unknown key id is a configuration error, and a purged case stays purged: both fail
the decode at once instead of retrying forever on a payload that will never open.

A case purges itself (``workflows/case/workflow.py``): after its key is destroyed the
worker still writes the purge activity's result and the workflow's result, both ids and
counts only. The worker's codec (``seal_after_purge``) seals those under the platform
key; every other process refuses to encode for a purged case (``CasePurged``), so nothing
a client sends a purged case (a late event's sentence, say) is ever written under a key
that was not destroyed with the case.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec, SerializationContext, WithSerializationContext
from temporalio.exceptions import ApplicationError

from verdictflow.domain.identity import case_of_workflow
from verdictflow.platform.casekeys import CaseKeyDestroyed, CaseKeyUnknown

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
CASE_PREFIX = "case:"


class PayloadUnreadable(ApplicationError):
    """Non-retryable: a payload that does not open now never will, so no retry loop."""

    def __init__(self, message: str) -> None:
        super().__init__(message, type=type(self).__name__, non_retryable=True)

    def __str__(self) -> str:
        return self.message


class UnknownCodecKey(PayloadUnreadable):
    pass


class CasePurged(PayloadUnreadable, CaseKeyDestroyed):
    pass


class CaseKeyMissing(PayloadUnreadable, CaseKeyUnknown):
    pass


class CaseKeys(Protocol):
    def key(self, case_id: str, *, create: bool = False) -> bytes: ...


class EncryptionCodec(PayloadCodec, WithSerializationContext):
    def __init__(self, primary_key_id: str, keys: dict[str, bytes],
                 case_keys: CaseKeys | None = None, case_id: str | None = None,
                 *, seal_after_purge: bool = False) -> None:
        if primary_key_id not in keys:
            raise UnknownCodecKey(f"primary codec key {primary_key_id!r} is not among the keys")
        self._primary = primary_key_id
        self._keys = keys
        self._ciphers = {kid: AESGCM(key) for kid, key in keys.items()}
        self._case_keys = case_keys
        self._case_id = case_id
        self._seal_after_purge = seal_after_purge

    def with_context(self, context: SerializationContext) -> EncryptionCodec:
        if self._case_keys is None:
            return self
        case_id = case_of_workflow(getattr(context, "workflow_id", None))
        if case_id == self._case_id:
            return self
        return EncryptionCodec(self._primary, self._keys, self._case_keys, case_id,
                               seal_after_purge=self._seal_after_purge)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        kid, cipher = self._sealing_key()
        return [self._encrypt(p, kid, cipher) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._decrypt(p) for p in payloads]

    def _sealing_key(self) -> tuple[str, AESGCM]:
        if self._case_id and self._case_keys is not None:
            try:
                key = self._case_keys.key(self._case_id, create=True)
            except CaseKeyDestroyed as exc:
                if not self._seal_after_purge:
                    raise CasePurged(str(exc)) from exc
                # Only the worker gets here, with the purged case's last words (see above).
                return self._primary, self._ciphers[self._primary]
            return CASE_PREFIX + self._case_id, AESGCM(key)
        return self._primary, self._ciphers[self._primary]

    def _opening_key(self, kid: str) -> AESGCM:
        if kid.startswith(CASE_PREFIX):
            if self._case_keys is None:
                raise UnknownCodecKey(f"payload sealed with a case key ({kid}), no case keys here")
            try:
                return AESGCM(self._case_keys.key(kid[len(CASE_PREFIX):]))
            except CaseKeyDestroyed as exc:
                raise CasePurged(str(exc)) from exc
            except CaseKeyUnknown as exc:
                raise CaseKeyMissing(str(exc)) from exc
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise UnknownCodecKey(f"payload sealed with unknown codec key {kid!r}")
        return cipher

    @staticmethod
    def _encrypt(payload: Payload, kid: str, cipher: AESGCM) -> Payload:
        nonce = os.urandom(12)
        data = nonce + cipher.encrypt(nonce, payload.SerializeToString(), kid.encode())
        return Payload(metadata={"encoding": ENCODING, KEY_ID: kid.encode()}, data=data)

    def _decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        kid = payload.metadata.get(KEY_ID, b"").decode()
        cipher = self._opening_key(kid)
        try:
            plain = cipher.decrypt(payload.data[:12], payload.data[12:], kid.encode())
        except InvalidTag as exc:
            raise UnknownCodecKey(f"payload does not open with codec key {kid!r}") from exc
        return Payload.FromString(plain)
