"""A housing organisation asks the police about a resident (disclosure on request).

Almenboligloven § 63 d lets the police disclose on the housing organisation's request as
well as on their own initiative [BRO], and since 1 July 2022 (L 178) they *must* disclose,
on the landlord's request, a judgment covered by almenlejeloven § 90, stk. 1, nr. 10
[L178][BL-VID]. A request names the person (CPR number, turned into the pseudonym at once),
the area and a reason; it stays open for a period the partnership sets (no law gives one),
and ends at the first disclosure made under it, at the police's refusal, or when the period
runs out. Pure: the request workflow and the API apply these rules.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from verdictflow.domain.partnerships import Partnerships
from verdictflow.domain.policy import Eligibility, EligibilityDecision

MIN_REASON, MAX_REASON = 10, 1000


class RequestState(StrEnum):
    OPEN = "open"  # the police look at it; verdicts registered meanwhile are matched
    ANSWERED = "answered"  # a disclosure was made under it: the requester has a task
    REFUSED = "refused"  # the police district refused it
    EXPIRED = "expired"  # the period ran out with nothing disclosed under it


@dataclass(frozen=True)
class OpenRequest:
    """What a case needs of an open request to know whether it applies."""

    request_id: str
    org_id: str
    area_id: str


def request_id_for(person_ref: str, org_id: str, area_id: str, on: date) -> str:
    """One request per person, organisation, area and day: asking twice is asking once. A
    digest of the pseudonym, so the id (it shows in Temporal's UI) says nothing of anyone."""
    digest = hashlib.sha256("\x1f".join((person_ref, org_id, area_id, on.isoformat()))
                            .encode()).digest()
    return "req-" + base64.b32encode(digest[:15]).decode().lower()


def request_workflow_id(request_id: str) -> str:
    return f"request-{request_id}"


def request_problem(ps: Partnerships, org_id: str, area_id: str, reason: str,
                    today: date) -> str | None:
    """Why a request cannot be made, or None: an organisation asks only about its own
    areas, in a partnership in force, and says why."""
    area = ps.area(area_id)
    if area is None:
        return f"unknown area {area_id!r}"
    if not any(d.housing_org_id == org_id for d in ps.departments_in_area(area_id)):
        return f"organisation {org_id!r} lets no homes in area {area_id!r}"
    partnership = ps.partnership(area.partnership_id)
    if partnership is None or org_id not in partnership.housing_org_ids:
        return f"organisation {org_id!r} is not a recipient in the area's partnership"
    if partnership.valid_from and today.isoformat() < partnership.valid_from:
        return f"the partnership {partnership.id!r} is in force from {partnership.valid_from}"
    if partnership.valid_to and today.isoformat() > partnership.valid_to:
        return f"the partnership {partnership.id!r} ended on {partnership.valid_to}"
    if not MIN_REASON <= len(reason.strip()) <= MAX_REASON:
        return f"a reason of {MIN_REASON} to {MAX_REASON} characters is required"
    return None


def applicable_request(requests: list[OpenRequest],
                       decision: EligibilityDecision) -> OpenRequest | None:
    """The request the verdict answers: one from the organisation of the person's lease, for
    the area the lease is in. Another organisation's question is not this landlord's."""
    for r in sorted(requests, key=lambda r: r.request_id):
        if (decision.housing_org_id, decision.area_id) == (r.org_id, r.area_id):
            return r
    return None


def outcome_with(decision: EligibilityDecision, request: OpenRequest | None) -> Eligibility:
    """The outcome the case acts on: with the landlord's request, the 2022 duty's."""
    if request is not None and decision.on_request is not None:
        return decision.on_request
    return decision.outcome
