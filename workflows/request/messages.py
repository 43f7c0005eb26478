"""What crosses the disclosure request workflow's boundary. Plain dataclasses, like the
case's (``.importlinter`` keeps them import-light); fields added later get defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.case.messages import OpenTask


@dataclass
class RequestInput:
    request_id: str
    org_id: str  # the housing organisation that asks
    area_id: str
    police_district: str  # the area's partnership's: it reviews the request
    person_ref: str  # the pseudonym: the CPR number never reaches the workflow
    reason: str  # the requester's words, for the police; only in encrypted payloads
    requested_by: str
    requested_on: str
    open_until: str
    review_deadline_days: int


@dataclass
class RequestAnswered:
    """The ``answered`` signal: a case disclosed to the requester under this request."""

    case_id: str
    disclosure_id: str


@dataclass
class MatchedCase:
    """A case of the same person already registered when the request came."""

    case_id: str
    stage: str
    housing_org_id: str | None = None
    area_id: str | None = None


@dataclass
class RequestDetails:
    """The ``details`` query: what the requester and the reviewing district see."""

    request_id: str
    state: str  # a RequestState
    org_id: str
    area_id: str
    police_district: str
    requested_on: str
    open_until: str
    reason: str
    answered_by_case: str | None = None
    matched_cases: list[MatchedCase] = field(default_factory=list)
    open_task: OpenTask | None = None


@dataclass
class RequestResult:
    request_id: str
    state: str
    answered_by_case: str | None = None


# -- its activities ---------------------------------------------------------------------


@dataclass
class RequestRecord:
    """The request's row in the read model (ids, dates and state: never the reason)."""

    request_id: str
    org_id: str
    area_id: str
    police_district: str
    person_ref: str
    state: str
    requested_on: str
    open_until: str
    answered_by_case: str | None = None


@dataclass
class RequestLookup:
    """Cases or open requests of one person (by pseudonym)."""

    person_ref: str
    today: str
