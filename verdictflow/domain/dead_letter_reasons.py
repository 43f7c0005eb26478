"""Why a record was dead-lettered, as a code from a fixed set.

A dead letter's reason is text with ids in it ("no open case c-… for this event"): right
for the operator reading one letter, wrong as a metric label, where every distinct value
is a new series kept forever and a label must never carry data. The code is the reason's
kind, from its fixed opening (``services.ingest``, ``services.gateway`` and
``verdictflow.platform.delivery`` write these openings).
"""

from __future__ import annotations

# Opening of the reason text → code. Ordered: the first match wins.
_OPENINGS: tuple[tuple[str, str], ...] = (
    ("invalid event", "invalid_event"),
    ("receipt refused", "receipt_refused"),
    ("receipt from an unknown organisation", "unknown_organisation"),
    ("no open case", "no_open_case"),
    ("case ", "case_unanswered"),  # "case c-… could not say what it sent"
    ("temporal refused", "temporal_refused"),
    ("could not be handled after", "handler_failed"),
    ("keyed to this organisation but addressed to another", "misaddressed"),
    ("retraction refused", "retraction_refused"),
    ("disclosure refused", "disclosure_refused"),
)
OTHER = "other"
REASON_CODES = frozenset(code for _, code in _OPENINGS) | {OTHER}


def reason_code(reason: str) -> str:
    """The bounded code of a dead letter's reason; ``other`` for any text not known here."""
    lowered = reason.strip().lower()
    for opening, code in _OPENINGS:
        if lowered.startswith(opening):
            return code
    return OTHER
