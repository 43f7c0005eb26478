"""The trace id that follows one message from Kafka through Temporal into the logs.

It is the CloudEvent's own id when that is a plain token: an operator holding the event
(or its dead letter) finds every line it caused. The id is written by the producer, so
an id that is not a plain token, or that contains a CPR-shaped number, is replaced by a
digest of itself: a trace id goes into Temporal headers and logs, never personal data.
"""

from __future__ import annotations

import hashlib
import re

from verdictflow.domain.identity import has_cpr_shaped

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")


def trace_id_for(event_id: str) -> str:
    if _PLAIN.fullmatch(event_id) and not has_cpr_shaped(event_id):
        return event_id
    return "h-" + hashlib.sha256(event_id.encode()).hexdigest()[:32]
