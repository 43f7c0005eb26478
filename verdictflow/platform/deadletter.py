"""Dead letters: nothing is dropped, nothing personal is left readable, nothing is too large.

A message on ``police.verdicts.v1`` may carry a CPR number in plaintext; that topic is
access-controlled and short-lived, its dead-letter twin need not be. So the original
bytes are sealed with the platform's codec key before they are dead-lettered, and an
operator can open them again (``open_dead_letter``).

A record that cannot be copied whole (near the broker's size limit, once sealed and with
the reason in its headers) is dead-lettered as a *reference*: original topic, partition,
offset, size, SHA-256 and the reason. The original stays readable at that offset for as
long as its topic keeps it (the README says how long the police topic must), so nothing is
lost either way.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable

from aiokafka.errors import MessageSizeTooLargeError, RecordTooLargeError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from verdictflow.domain.topics import dlq
from verdictflow.platform.kafka import KAFKA_MAX_MESSAGE_BYTES, EventPublisher, Record
from verdictflow.platform.keys import KeyStore
from verdictflow.platform.metrics import dead_lettered

SEALED_HEADER = "dlq-sealed-key-id"
KIND_HEADER = "dlq-kind"  # "copy" (the original bytes, maybe sealed) or "reference"
# What a copy may weigh with its headers: the rest of a request is Kafka's own framing.
MAX_COPY_BYTES = KAFKA_MAX_MESSAGE_BYTES - 16 * 1024

Headers = list[tuple[str, bytes]]
Sealer = Callable[[bytes], tuple[bytes, Headers]]


def seal_dead_letter(value: bytes, keys: KeyStore) -> tuple[bytes, Headers]:
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


def origin_headers(record: Record, reason: str) -> Headers:
    return [
        ("dlq-reason", reason.encode()),
        ("dlq-original-topic", record.topic.encode()),
        ("dlq-original-partition", str(record.partition).encode()),
        ("dlq-original-offset", str(record.offset).encode()),
    ]


def reference_to(record: Record, reason: str) -> tuple[bytes, Headers]:
    """A small record that says where the original is and how to know it when found."""
    value = record.value or b""
    original = {
        "topic": record.topic, "partition": record.partition, "offset": record.offset,
        "size": len(value), "sha256": hashlib.sha256(value).hexdigest(),
    }
    body = json.dumps({"dead_letter": "reference", "reason": reason, "original": original})
    return body.encode(), [*origin_headers(record, reason), (KIND_HEADER, b"reference")]


def _size(value: bytes, headers: Headers, key: bytes | None) -> int:
    return len(value) + len(key or b"") + sum(len(k) + len(v) for k, v in headers)


class DeadLetters:
    """Writes a record that can never be applied to ``<topic>.dlq``, with its reason.

    ``seal`` encrypts the copy (for topics that may carry personal data). The original's
    own headers travel along with a copy; a reference carries only ours.
    """

    def __init__(self, publisher: EventPublisher, seal: Sealer | None = None) -> None:
        self.publisher = publisher
        self.seal = seal
        self.copies = 0
        self.references = 0

    async def __call__(self, record: Record, reason: str) -> None:
        await self._write(record, reason)
        dead_lettered(record.topic, reason)  # by reason code: the text names ids

    async def _write(self, record: Record, reason: str) -> None:
        value = record.value or b""
        headers = [*(record.headers or []), *origin_headers(record, reason),
                   (KIND_HEADER, b"copy")]
        if self.seal is not None:
            value, sealed_headers = self.seal(value)
            headers += sealed_headers
        if _size(value, headers, record.key) <= MAX_COPY_BYTES:
            try:
                await self.publisher.publish_raw(dlq(record.topic), record.key, value, headers)
                self.copies += 1
                return
            except (MessageSizeTooLargeError, RecordTooLargeError):
                pass  # the broker's limit is lower than ours: fall back to a reference
        reference, ref_headers = reference_to(record, reason)
        key = record.key if record.key is None or len(record.key) <= 1024 else None
        await self.publisher.publish_raw(dlq(record.topic), key, reference, ref_headers)
        self.references += 1
