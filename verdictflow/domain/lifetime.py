"""A case's life after its process ended: late events, damages, retention.

A case stays reachable from registration until its personal data is destroyed. After
its last stage it still answers a late overturn (the disclosure is retracted) and owes
the tenant damages and rehousing if the basis of a termination fell away after the
tenant moved out (almenlejeloven § 92 stk. 4 as amended by L 178, [L178]). Then
retention ends it: at the block's expiry for a terminated tenant, else
``retention_after_close_years`` after closing ([retention_after_close] in domain.md:
storage limitation, unconfirmed).

Pure: the workflow asks these questions with its own clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from verdictflow.domain.case import add_years
from verdictflow.domain.cloudevents import event_id
from verdictflow.domain.verdict import Sentence

# The actor named in the audit log when a case purges itself.
RETENTION_ACTOR = "retention"


def purge_due(closed_at: datetime, retention_years: int,
              block_expires_on: date | None = None) -> datetime:
    """When a case closed at ``closed_at`` is purged.

    A block that ran its course keeps the data until it expires, and not a day longer;
    without one, the data is kept ``retention_years`` after the case closed.
    """
    if block_expires_on is not None:
        return max(closed_at, datetime.combine(block_expires_on, time.min, UTC))
    return datetime.combine(add_years(closed_at.date(), retention_years), closed_at.timetz())


def damages_owed(moved_out_on: date, basis_fell_away_on: date) -> bool:
    """§ 92 stk. 4 ([L178]): damages and genhusning only if the tenant had moved out
    (the termination date passed) before the basis fell away."""
    return moved_out_on < basis_fell_away_on


def sanction_changed(acted_on: Sentence, final: Sentence | None) -> bool:
    """A final judgment whose sanction differs from the one the case acted on (it may no
    longer be custodial: the nr. 10 ground may have fallen away)."""
    return final is not None and final != acted_on


def retraction_event_id(disclosure_id: str) -> str:
    """The event id of a disclosure's retraction (what a deletion receipt names)."""
    return event_id(retraction_key(disclosure_id))


def retraction_key(disclosure_id: str) -> str:
    return f"retraction:{disclosure_id}"


def deletion_receipt_key(disclosure_id: str) -> str:
    return f"deletion:{disclosure_id}"
