"""What crosses the municipality follow-up workflow's boundary. Plain dataclasses, like
the case's (``.importlinter`` keeps them import-light); fields added later get defaults.
Ids and the basis only: the municipality's task says which case and which law, nothing of
the person or the verdict."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FollowUpInput:
    case_id: str
    notification_id: str  # followup.notification_id(case_id): one per case, ever
    municipality_id: str
    area_id: str
    partnership_id: str | None
    basis: str  # a FollowUpBasis: "barnets lov § 39" or "barnets lov § 38"
    due_on: str  # when the municipality's task is due (ISO date)


@dataclass
class MunicipalityNotice:
    """The ``notify_municipality`` activity: the event on ``municipality.notifications.v1``
    and the read-model row, both idempotent on ``notification_id``."""

    notification_id: str
    case_id: str
    municipality_id: str
    area_id: str
    basis: str
    at: str


@dataclass
class FollowUpWithdrawal:
    """The ``withdraw`` signal: the verdict was overturned, nothing is left to follow up."""

    reason: str


@dataclass
class FollowUpResult:
    case_id: str
    status: str  # done | withdrawn
    outcome: str | None = None  # a FollowUpMeasure
