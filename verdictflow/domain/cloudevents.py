"""CloudEvents 1.0 envelopes for what the platform emits.

Event ids are derived from what the event is about (uuid5 of a stable key), so an
activity that is retried after publishing re-emits the *same* event and consumers,
who act once per id, act once.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from verdictflow.domain.topics import PLATFORM_SOURCE

_NAMESPACE = uuid.UUID("6f1c1a4e-3f5d-4c1e-9a55-0e3c3f6e2b10")


def event_id(idempotency_key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, idempotency_key))


def cloud_event(
    *,
    type: str,
    subject: str,
    data: dict[str, Any],
    time: str,
    idempotency_key: str,
    source: str = PLATFORM_SOURCE,
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id(idempotency_key),
        "source": source,
        "type": type,
        "time": time,
        "subject": subject,
        "datacontenttype": "application/json",
        "data": data,
    }


def encode(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
