"""Where the reference data comes from: the seed documents a partnership is built from,
the parties they name, and which values they do not give.

A verdict is sealed to the organisations of the partnership its person lives in, so an
organisation that is not a party to the agreement would receive criminal-offence data
(GDPR art. 10) without a basis. The data therefore keeps what a seed says apart from
what was filled in to make the landscape work ("illustrative"), and the loader refuses
a recipient that is neither a named party nor marked illustrative. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, cast

PartyKind = Literal["police", "municipality", "housing_organisation", "other"]
PARTY_KINDS: tuple[PartyKind, ...] = ("police", "municipality", "housing_organisation", "other")


@dataclass(frozen=True)
class Illustrative:
    """The values of one object that the seed documents do not give.

    In the file, ``"illustrative": true`` marks the whole object, a list of field names
    marks those fields; absent (or ``false``) means everything in it is the seeds' own.
    """

    whole: bool = False
    fields: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.whole or bool(self.fields)

    def covers(self, field: str) -> bool:
        return self.whole or field in self.fields

    def to_json(self) -> bool | list[str]:
        """The file's form: ``true``, the list of fields, or ``false``."""
        if self.whole:
            return True
        return list(self.fields) if self.fields else False

    def label(self) -> str:
        """For people: "" when nothing is illustrative."""
        if self.whole:
            return "[illustrative]"
        return f"[illustrative: {', '.join(self.fields)}]" if self.fields else ""


NOTHING_ILLUSTRATIVE = Illustrative()


def parse_illustrative(raw: Mapping[str, Any], fields: Iterable[str], where: str) -> Illustrative:
    """Reads an object's ``illustrative``; a field name it does not have is refused, so a
    typo cannot leave an invented value looking like the seeds' own."""
    value = raw.get("illustrative", False)
    if value is True or value is False:
        return Illustrative(whole=value)
    if isinstance(value, list) and all(isinstance(f, str) for f in value):
        unknown = sorted(set(value) - set(fields))
        if unknown:
            raise ValueError(f"{where}: 'illustrative' names unknown fields {unknown}")
        return Illustrative(fields=tuple(value))
    raise ValueError(f"{where}: 'illustrative' is true, false or a list of field names")


@dataclass(frozen=True)
class SourceDocument:
    """A seed document: its file name under the seeds folder, its title, its date (ISO,
    as precise as the document gives it, or None)."""

    document: str
    title: str
    date: str | None = None


@dataclass(frozen=True)
class Party:
    """A party to a partnership as its seed names it, and the reference entry (police
    district, municipality or housing organisation id) it is taken to be; ``ref`` is None
    for a party the data has no entry for (e.g. "skoler og klubber i området")."""

    name: str
    kind: PartyKind
    ref: str | None = None
    illustrative: Illustrative = NOTHING_ILLUSTRATIVE


def parse_source(raw: Mapping[str, Any]) -> SourceDocument:
    date = raw.get("date")
    return SourceDocument(
        str(raw["document"]), str(raw["title"]), None if date is None else str(date)
    )


def parse_party(raw: Mapping[str, Any], where: str) -> Party:
    kind = raw.get("kind")
    if kind not in PARTY_KINDS:
        raise ValueError(f"{where}: party {raw.get('name')!r} has unknown kind {kind!r}")
    ref = raw.get("ref")
    return Party(
        name=str(raw["name"]),
        kind=cast(PartyKind, kind),
        ref=None if ref is None else str(ref),
        illustrative=parse_illustrative(raw, ("ref",), f"{where}: party {raw['name']!r}"),
    )


def party_problems(
    partnership_id: str,
    parties: list[Party],
    police_district: str,
    municipality_ids: list[str],
    housing_org_ids: list[str],
    illustrative_org_ids: set[str],
) -> list[str]:
    """A partnership's parties against its references: each party's ref is one of the
    partnership's own, and every organisation disclosures go to is a named party or an
    organisation marked illustrative."""
    where = f"partnership {partnership_id!r}"
    if not parties:
        return [f"{where}: names no parties"]
    own: dict[PartyKind, list[str]] = {
        "police": [police_district],
        "municipality": municipality_ids,
        "housing_organisation": housing_org_ids,
        "other": [],
    }
    out = [
        f"{where}: party {p.name!r} refers to {p.ref!r}, not one of its {p.kind} ids"
        for p in parties
        if p.ref is not None and p.ref not in own[p.kind]
    ]
    out += [
        f"{where}: party {p.name!r} is marked illustrative as a whole; a party is one the "
        "seed names (mark only its 'ref' when the link to our data is a reading)"
        for p in parties
        if p.illustrative.whole
    ]
    named = {p.ref for p in parties if p.kind == "housing_organisation"}
    out += [
        f"{where}: housing organisation {o!r} is neither a party nor marked illustrative"
        for o in housing_org_ids
        if o not in named and o not in illustrative_org_ids
    ]
    out += [
        f"{where}: party {o!r} is marked illustrative, but the seed names it"
        for o in sorted(named & illustrative_org_ids, key=str)
    ]
    return out


class Named(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def illustrative(self) -> Illustrative: ...


def shown(obj: Named) -> str:
    """A name as an explanation prints it: marked when the seeds do not give it (Danish,
    like the explanations), so an invented organisation never reads as a party."""
    return f"{obj.name} (illustrativ)" if obj.illustrative.covers("name") else obj.name
