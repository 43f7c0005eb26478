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
)


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
class Person:
    cpr: str
    name: str
    registered_address: Address

    def __repr__(self) -> str:  # keeps the person out of tracebacks and debug logs
        return "Person(<redacted>)"


@dataclass(frozen=True)
class Offence:
    law: str
    section: str
    description: str = ""


@dataclass(frozen=True)
class Sentence:
    kind: str
    days: int | None = None
    amount_dkk: int | None = None


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
        Offence(law=o["law"], section=str(o["section"]), description=o.get("description", ""))
        for o in items
    ]


def _sentence(d: dict[str, Any]) -> Sentence:
    return Sentence(kind=d["kind"], days=d.get("days"), amount_dkk=d.get("amount_dkk"))


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
