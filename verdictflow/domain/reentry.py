"""Re-entry under udlejningsbekendtgørelsen § 28, and what may be told under § 63 e.

A housing organisation may, exceptionally and with reasonable grounds, refuse an applicant
whose lease in the SAME area (as the municipality judged the departments one boligområde)
was terminated on one of the listed grounds within two years before the move-in date,
counted from the termination date; not when a court found the termination unjustified, the
tenant objected and the landlord did not sue in time, or the conviction was overturned
(almenlejeloven § 92, stk. 4) [BEK28][UPDAY]. What one organisation may learn of that
termination is almenboligloven § 63 e's minimum: the tenant's name and address and the fact
that the lease was ended on one of those grounds, and only to decide on an applicant [63E].

Pure: the API and the CLI apply these rules to the read model's rows.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date

from verdictflow.domain.case import LiftReason, add_years
from verdictflow.domain.verdict import Person

# The block's own ground when the case did not name one (blocks from before grounds were
# carried): the crime ground the platform's cases are about [DL90].
DEFAULT_GROUND = "almenlejeloven § 90, stk. 1, nr. 10"
LEGAL_BASIS = "udlejningsbekendtgørelsen § 28; almenboligloven § 63 e"
# A block lifted for one of these never allows a refusal, whatever the dates [BEK28]: the
# termination fell away. A block that merely ran out ("expired") still tells the truth
# about a move-in date inside its two years.
FELL_AWAY = frozenset({LiftReason.COURT_FOUND_UNJUSTIFIED, LiftReason.NOT_SUED_IN_TIME,
                       LiftReason.OVERTURNED})
MIN_GROUNDS, MAX_GROUNDS = 10, 2000


@dataclass(frozen=True)
class RecordedTermination:
    """A termination as the read model holds it: ids, dates and state, nothing personal."""

    block_id: str
    case_id: str
    area_id: str
    terminated_on: date
    lift_reason: str | None = None  # None while the block is active


def in_window(terminated_on: date, move_in: date, years: int) -> bool:
    """Within ``years`` before the move-in date, counted from the termination date."""
    return add_years(move_in, -years) <= terminated_on <= move_in


def qualifying(terminations: list[RecordedTermination], area_ids: set[str], move_in: date,
               years: int) -> RecordedTermination | None:
    """The termination an applicant may be refused on in ``area_ids``, or None: the most
    recent one (one is enough to decide; telling of more would tell more than § 63 e
    needs)."""
    found = [t for t in terminations
             if t.area_id in area_ids and t.lift_reason not in FELL_AWAY
             and in_window(t.terminated_on, move_in, years)]
    return max(found, key=lambda t: (t.terminated_on, t.block_id), default=None)


def _digest(prefix: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return prefix + base64.b32encode(digest[:15]).decode().lower()


def check_id_for(person_ref: str, org_id: str, block_id: str, move_in: date) -> str:
    """The opaque id of a positive answer, which a refusal can rest on."""
    return _digest("rchk-", person_ref, org_id, block_id, move_in.isoformat())


def refusal_id_for(person_ref: str, org_id: str, area_id: str, move_in: date) -> str:
    """One refusal per applicant, organisation, area and move-in date: refusing twice is
    refusing once (and reported once)."""
    return _digest("rref-", person_ref, org_id, area_id, move_in.isoformat())


def areas_of_org(departments: list[tuple[str, str]], org_id: str) -> set[str]:
    """The areas an organisation lets homes in, from (organisation, area) of each
    department: § 28 and § 63 e reach no further than the municipality's boligområde."""
    return {area for org, area in departments if org == org_id}


def lease_address(person: Person) -> str:
    """The address of the terminated lease as one line: the lease's own address when the
    verdict gives one, else the registered address."""
    household = person.household
    a = household.lease_address if household and household.lease_address else \
        person.registered_address
    return f"{a.street}, {a.postcode} {a.city}"


def grounds_problem(grounds: str) -> str | None:
    try:
        grounds.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: valid JSON, but no text to seal
        return "the reasonable grounds are not text (UTF-8)"
    if not MIN_GROUNDS <= len(grounds.strip()) <= MAX_GROUNDS:
        return (f"reasonable grounds of {MIN_GROUNDS} to {MAX_GROUNDS} characters are "
                "required (udlejningsbekendtgørelsen § 28)")
    return None
