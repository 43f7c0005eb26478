"""The verdict as the police contract describes it, as plain dataclasses.

These travel as Temporal payloads (always through the encrypting codec) and are the
input of the eligibility policy. ``Person`` is criminal-offence data about an
identified person: it never leaves an encrypted payload or a sealed disclosure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SENTENCE_KINDS = (
    "unconditional_custody",
    "conditional_custody",
    "fine",
    "community_service",
    "youth_sanction",
    "acquittal",
    # Added 2026-11-25 (optional in the contract): liberty-depriving measures and the
    # partly conditional sentence that verdicts used to be dead-lettered for.
    "partly_conditional_custody",
    "committal_order",
    "treatment_order",
    "forvaring",
)
HOUSEHOLD_ROLES = ("tenant", "household_member")


@dataclass(frozen=True)
class Address:
    street: str
    postcode: str
    city: str


@dataclass(frozen=True)
class CrimeScene:
    street: str
    postcode: str
    city: str
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Household:
    """The person's own place in the lease; nothing about the other members."""

    role: str  # HOUSEHOLD_ROLES
    lease_address: Address | None = None  # when the lease is not the registered address
    # Added 2026-12-05: whether anyone under 18 lives in the household (the municipality's
    # follow-up, barnets lov § 38); None: not stated. A yes/no, nothing about who.
    minors_in_household: bool | None = None


@dataclass(frozen=True)
class Person:
    cpr: str
    name: str
    registered_address: Address
    household: Household | None = None  # defaults: histories from before 2026-11-25 decode

    def __repr__(self) -> str:  # keeps the person out of tracebacks and debug logs
        return "Person(<redacted>)"


@dataclass(frozen=True)
class Offence:
    law: str
    section: str
    description: str = ""
    intent_to_pass_on: bool | None = None  # EUL § 3; None: not stated
    victim_role: str | None = None  # "housing_org_employee" | "other"; None: not stated


@dataclass(frozen=True)
class Sentence:
    kind: str
    days: int | None = None
    amount_dkk: int | None = None
    unconditional_days: int | None = None  # partly_conditional_custody


@dataclass(frozen=True)
class Verdict:
    verdict_id: str
    police_district: str
    case_reference: str
    court: str
    decided_on: str  # ISO date of the court decision
    final: bool
    person: Person
    offences: list[Offence]
    sentence: Sentence
    crime_scene: CrimeScene
    offence_date: str | None = None  # ISO date the offence was committed, when given

    def __repr__(self) -> str:
        return f"Verdict(verdict_id={self.verdict_id!r}, <details redacted>)"


@dataclass(frozen=True)
class VerdictChange:
    """appealed / finalized / overturned: the verdict id, the date, and what changed."""

    event_id: str
    type: str
    verdict_id: str
    decided_on: str
    offences: list[Offence] | None = None
    sentence: Sentence | None = None
    court: str | None = None

    def __repr__(self) -> str:
        return f"VerdictChange(type={self.type!r}, verdict_id={self.verdict_id!r})"


def _address(d: dict[str, Any]) -> Address:
    return Address(street=d["street"], postcode=d["postcode"], city=d["city"])


def _offences(items: list[dict[str, Any]]) -> list[Offence]:
    return [
        Offence(
            law=o["law"],
            section=str(o["section"]),
            description=o.get("description", ""),
            intent_to_pass_on=o.get("intent_to_pass_on"),
            victim_role=o.get("victim_role"),
        )
        for o in items
    ]


def _sentence(d: dict[str, Any]) -> Sentence:
    return Sentence(
        kind=d["kind"],
        days=d.get("days"),
        amount_dkk=d.get("amount_dkk"),
        unconditional_days=d.get("unconditional_days"),
    )


def _household(d: dict[str, Any] | None) -> Household | None:
    if d is None:
        return None
    lease = d.get("lease_address")
    return Household(role=d["role"], lease_address=_address(lease) if lease else None,
                     minors_in_household=d.get("minors_in_household"))


def verdict_from_data(data: dict[str, Any]) -> Verdict:
    """Builds a ``Verdict`` from a ``registered`` payload already validated by its schema."""
    person = data["person"]
    scene = data["crime_scene"]
    return Verdict(
        verdict_id=data["verdict_id"],
        police_district=data["police_district"],
        case_reference=data["case_reference"],
        court=data["court"],
        decided_on=data["decided_on"],
        final=bool(data["final"]),
        person=Person(
            cpr=person["cpr"],
            name=person["name"],
            registered_address=_address(person["registered_address"]),
            household=_household(person.get("household")),
        ),
        offences=_offences(data["offences"]),
        sentence=_sentence(data["sentence"]),
        crime_scene=CrimeScene(
            street=scene["street"],
            postcode=scene["postcode"],
            city=scene["city"],
            lat=scene.get("lat"),
            lon=scene.get("lon"),
        ),
        offence_date=data.get("offence_date"),
    )


def change_from_data(event_id: str, event_type: str, data: dict[str, Any]) -> VerdictChange:
    return VerdictChange(
        event_id=event_id,
        type=event_type,
        verdict_id=data["verdict_id"],
        decided_on=data["decided_on"],
        offences=_offences(data["offences"]) if "offences" in data else None,
        sentence=_sentence(data["sentence"]) if "sentence" in data else None,
        court=data.get("court"),
    )


def with_change(verdict: Verdict, change: VerdictChange) -> Verdict:
    """The verdict as it stands after an appeal judgment (finalized may change the outcome)."""
    from dataclasses import replace

    return replace(
        verdict,
        final=True,
        decided_on=change.decided_on,
        offences=change.offences if change.offences is not None else verdict.offences,
        sentence=change.sentence if change.sentence is not None else verdict.sentence,
        court=change.court or verdict.court,
    )
