"""The partnership landscape as reference data: police districts, municipalities,
partnerships, their housing areas ("boligområder") and the housing organisations'
departments ("afdelinger").

Which area counts is for the local police to decide (almenboligloven § 63 d; BL), so
areas are data with a polygon, never code. Each partnership carries the parties and
the source documents (the seeds) it is built from; what the seeds do not give is marked
illustrative (``verdictflow.domain.provenance``). Pure: ``load_partnerships`` takes the
text or the parsed dict; reading the file is the caller's business.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass, fields
from datetime import date
from functools import cached_property
from typing import Any

from verdictflow.domain.geo import Point, point_in_polygon
from verdictflow.domain.provenance import (
    NOTHING_ILLUSTRATIVE,
    Illustrative,
    Party,
    SourceDocument,
    parse_illustrative,
    parse_party,
    parse_source,
    party_problems,
)
from verdictflow.domain.verdict import Address, Person


@dataclass(frozen=True)
class PoliceDistrict:
    id: str
    name: str


@dataclass(frozen=True)
class Municipality:
    id: str
    name: str
    code: str
    police_district: str


@dataclass(frozen=True)
class GeoPoint:
    lat: float
    lon: float

    def as_tuple(self) -> Point:
        return (self.lat, self.lon)


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    municipality_id: str
    partnership_id: str
    polygon: list[list[float]]  # [[lat, lon], ...]
    illustrative: Illustrative = NOTHING_ILLUSTRATIVE


@dataclass(frozen=True)
class Department:
    id: str
    name: str
    housing_org_id: str
    area_id: str
    streets: list[str]
    postcode: str
    city: str
    property: GeoPoint  # the "ejendom" the 1 km rule of § 90, stk. 1, nr. 10 measures from
    illustrative: Illustrative = NOTHING_ILLUSTRATIVE


@dataclass(frozen=True)
class HousingOrganisation:
    id: str
    name: str
    departments: list[Department]
    note: str = ""
    illustrative: Illustrative = NOTHING_ILLUSTRATIVE


@dataclass(frozen=True)
class Partnership:
    id: str
    name: str
    police_district: str
    municipality_ids: list[str]
    housing_org_ids: list[str]  # the recipients of disclosures
    areas: list[Area]
    note: str = ""
    description: str = ""  # what the seed calls the collaboration
    parties: tuple[Party, ...] = ()  # exactly those its seed names, in the seed's wording
    sources: tuple[SourceDocument, ...] = ()
    # ISO dates (strings: the landscape crosses Temporal's JSON payloads); None where the
    # seed gives no date.
    valid_from: str | None = None
    valid_to: str | None = None
    illustrative: Illustrative = NOTHING_ILLUSTRATIVE
    # Wait for the final verdict before disclosing (True), or act before finality as the law
    # allows since 1 July 2022 [L178] (False). No seed says either: illustrative in the file.
    await_finality: bool = True


_HOUSE_NUMBER = re.compile(r"\s\d+\s*[a-zæøå]?\b.*$")
_IGNORED = re.compile(r"[\s.\-]+")


def street_name(street: str) -> str:
    """The street name of an address line, normalised for matching.

    ``"Strandesplanaden 12, 3. tv"`` and ``" strandesplanaden  "`` both give
    ``"strandesplanaden"``; house number, floor and door are dropped, and case,
    whitespace, dots and hyphens do not count ("Schackenborg Vænge" is
    "Schackenborgvænge").
    """
    text = unicodedata.normalize("NFC", street).split(",", 1)[0].casefold().strip()
    return _IGNORED.sub("", _HOUSE_NUMBER.sub("", text))


def _postcode(value: str) -> str:
    return re.sub(r"\s+", "", value)


@dataclass(frozen=True)
class _Index:
    """The landscape's lookups by id, and departments by (street name, postcode)."""

    district: dict[str, PoliceDistrict]
    municipality: dict[str, Municipality]
    partnership: dict[str, Partnership]
    area: dict[str, Area]
    org: dict[str, HousingOrganisation]
    department: dict[str, Department]
    street: dict[tuple[str, str], list[Department]]

    @classmethod
    def of(cls, ps: Partnerships) -> _Index:
        departments = {d.id: d for o in ps.housing_organisations for d in o.departments}
        street: dict[tuple[str, str], list[Department]] = {}
        for dep in departments.values():
            for line in dep.streets:
                street.setdefault((street_name(line), _postcode(dep.postcode)), []).append(dep)
        return cls(
            district={d.id: d for d in ps.police_districts},
            municipality={m.id: m for m in ps.municipalities},
            partnership={p.id: p for p in ps.partnerships},
            area={a.id: a for p in ps.partnerships for a in p.areas},
            org={o.id: o for o in ps.housing_organisations},
            department=departments,
            street=street,
        )


@dataclass(frozen=True)
class Partnerships:
    version: str
    police_districts: list[PoliceDistrict]
    municipalities: list[Municipality]
    partnerships: list[Partnership]
    housing_organisations: list[HousingOrganisation]
    note: str = ""

    @cached_property
    def _index(self) -> _Index:
        # Not a dataclass field: the index stays out of asdict(), eq and Temporal payloads,
        # and needs no write to a frozen instance (cached_property fills __dict__ directly).
        return _Index.of(self)

    # Lookups by id: None when unknown, so callers decide what a miss means.
    def police_district(self, id: str) -> PoliceDistrict | None:
        return self._index.district.get(id)

    def municipality(self, id: str) -> Municipality | None:
        return self._index.municipality.get(id)

    def partnership(self, id: str) -> Partnership | None:
        return self._index.partnership.get(id)

    def area(self, id: str) -> Area | None:
        return self._index.area.get(id)

    def org(self, id: str) -> HousingOrganisation | None:
        return self._index.org.get(id)

    def department(self, id: str) -> Department | None:
        return self._index.department.get(id)

    def partnership_of_area(self, area_id: str) -> Partnership | None:
        area = self.area(area_id)
        return self.partnership(area.partnership_id) if area else None

    def areas(self) -> list[Area]:
        return list(self._index.area.values())

    def departments(self) -> list[Department]:
        return list(self._index.department.values())

    def departments_in_area(self, area_id: str) -> list[Department]:
        return [d for d in self.departments() if d.area_id == area_id]

    def find_department_by_address(self, address: Address) -> Department | None:
        """The department whose street list holds the address's street, in the same postcode."""
        key = (street_name(address.street), _postcode(address.postcode))
        hits = self._index.street.get(key)
        return hits[0] if hits else None

    def partnership_of_person(self, person: Person) -> Partnership | None:
        """The partnership whose area holds the person's lease: the lease address the verdict
        names (``household.lease_address``), else the registered address, as policy v2
        finds the lease. None when no department's streets match."""
        hh = person.household
        address = hh.lease_address if hh and hh.lease_address else person.registered_address
        dep = self.find_department_by_address(address)
        return self.partnership_of_area(dep.area_id) if dep else None

    def area_of(self, point: Point) -> Area | None:
        for area in self.areas():
            if point_in_polygon(point, area.polygon):
                return area
        return None

    def _partnership_id_of_area(self, area_id: str) -> str | None:
        area = self.area(area_id)
        return area.partnership_id if area else None

    def to_json_dict(self) -> dict[str, Any]:
        """Everything a partner may see about the landscape (no personal data in here).

        Every object carries ``illustrative`` in the file's form (true, a list of the
        fields the seeds do not give, or false), so nothing invented reads as fact.
        """
        return {
            "version": self.version,
            "note": self.note,
            "police_districts": [asdict(d) for d in self.police_districts],
            "municipalities": [asdict(m) for m in self.municipalities],
            "partnerships": [self._partnership_json(p) for p in self.partnerships],
        }

    def _partnership_json(self, p: Partnership) -> dict[str, Any]:
        party_orgs = {x.ref for x in p.parties if x.kind == "housing_organisation"}
        return {
            "id": p.id,
            "name": p.name,
            "description": p.description,
            "illustrative": p.illustrative.to_json(),
            "police_district": asdict(self._index.district[p.police_district]),
            "municipalities": [asdict(self._index.municipality[m]) for m in p.municipality_ids],
            "parties": [_with_illustrative(x) for x in p.parties],
            "valid_from": p.valid_from,
            "valid_to": p.valid_to,
            "await_finality": p.await_finality,
            "sources": [asdict(s) for s in p.sources],
            "areas": [_with_illustrative(a) for a in p.areas],
            "housing_organisations": [
                {
                    "id": o.id,
                    "name": o.name,
                    "party": o.id in party_orgs,
                    "illustrative": o.illustrative.to_json(),
                    "note": o.note,
                    "departments": [
                        _with_illustrative(d)
                        for d in o.departments
                        if self._partnership_id_of_area(d.area_id) == p.id
                    ],
                }
                for o in (self._index.org[i] for i in p.housing_org_ids)
            ],
            "note": p.note,
        }


def _with_illustrative(obj: Area | Department | Party) -> dict[str, Any]:
    out = asdict(obj)
    out["illustrative"] = obj.illustrative.to_json()
    return out


# -- cross-checks: a typo in an id fails at load time instead of silently sending a verdict
# nowhere (or to the wrong organisation).
def reference_problems(ps: Partnerships) -> list[str]:
    out: list[str] = []
    ids: dict[str, list[str]] = {
        "police district": [d.id for d in ps.police_districts],
        "municipality": [m.id for m in ps.municipalities],
        "partnership": [p.id for p in ps.partnerships],
        "area": [a.id for p in ps.partnerships for a in p.areas],
        "housing organisation": [o.id for o in ps.housing_organisations],
        "department": [d.id for o in ps.housing_organisations for d in o.departments],
    }
    for kind, values in ids.items():
        dupes = sorted({v for v in values if values.count(v) > 1})
        out += [f"duplicate {kind} id {v!r}" for v in dupes]
    for m in ps.municipalities:
        if not ps.police_district(m.police_district):
            out.append(f"municipality {m.id!r}: unknown police district {m.police_district!r}")
    for p in ps.partnerships:
        if not ps.police_district(p.police_district):
            out.append(f"partnership {p.id!r}: unknown police district {p.police_district!r}")
        out += [
            f"partnership {p.id!r}: unknown municipality {m!r}"
            for m in p.municipality_ids
            if not ps.municipality(m)
        ]
        out += [
            f"partnership {p.id!r}: unknown housing organisation {o!r}"
            for o in p.housing_org_ids
            if not ps.org(o)
        ]
        for a in p.areas:
            if a.municipality_id not in p.municipality_ids:
                out.append(
                    f"area {a.id!r}: municipality {a.municipality_id!r} not in its partnership"
                )
            if len(a.polygon) < 3:
                out.append(f"area {a.id!r}: a polygon needs at least 3 points")
    illustrative_orgs = {o.id for o in ps.housing_organisations if o.illustrative.whole}
    for p in ps.partnerships:
        out += party_problems(
            p.id, list(p.parties), p.police_district, p.municipality_ids, p.housing_org_ids,
            illustrative_orgs,
        )
        if not p.sources:
            out.append(f"partnership {p.id!r}: names no source document")
        if p.valid_from and p.valid_to and p.valid_to < p.valid_from:
            out.append(f"partnership {p.id!r}: valid_to is before valid_from")
    for d in ps.departments():
        area = ps.area(d.area_id)
        partnership = ps.partnership(area.partnership_id) if area else None
        if area is None:
            out.append(f"department {d.id!r}: unknown area {d.area_id!r}")
        elif partnership is None:
            # An area's partnership is the one it was loaded under; only a hand-built
            # landscape can miss it.
            out.append(f"area {area.id!r}: unknown partnership {area.partnership_id!r}")
        elif d.housing_org_id not in partnership.housing_org_ids:
            out.append(
                f"department {d.id!r}: its organisation is not in "
                f"partnership {area.partnership_id!r}"
            )
    return out


def _field_names(cls: type[Any]) -> list[str]:
    return [f.name for f in fields(cls)]


def _date(value: Any, where: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValueError(f"{where}: {value!r} is not an ISO date") from None


def _await_finality(value: Any, where: str) -> bool:
    if not isinstance(value, bool):  # "false" in quotes would otherwise read as True
        raise ValueError(f"{where}: await_finality must be true or false, not {value!r}")
    return value


def _department(o: dict[str, Any], d: dict[str, Any]) -> Department:
    return Department(
        id=d["id"],
        name=d["name"],
        housing_org_id=o["id"],
        area_id=d["area_id"],
        streets=list(d["streets"]),
        postcode=str(d["postcode"]),
        city=d["city"],
        property=GeoPoint(float(d["property"]["lat"]), float(d["property"]["lon"])),
        illustrative=parse_illustrative(d, _field_names(Department), f"department {d['id']!r}"),
    )


def _area(p: dict[str, Any], a: dict[str, Any]) -> Area:
    return Area(
        id=a["id"],
        name=a["name"],
        municipality_id=a["municipality_id"],
        partnership_id=p["id"],
        polygon=[[float(lat), float(lon)] for lat, lon in a["polygon"]],
        illustrative=parse_illustrative(a, _field_names(Area), f"area {a['id']!r}"),
    )


def _partnership(p: dict[str, Any]) -> Partnership:
    where = f"partnership {p['id']!r}"
    return Partnership(
        id=p["id"],
        name=p["name"],
        police_district=p["police_district"],
        municipality_ids=list(p["municipality_ids"]),
        housing_org_ids=list(p["housing_org_ids"]),
        note=p.get("note", ""),
        description=p.get("description", ""),
        parties=tuple(parse_party(x, where) for x in p.get("parties", [])),
        sources=tuple(parse_source(x) for x in p.get("sources", [])),
        valid_from=_date(p.get("valid_from"), where),
        valid_to=_date(p.get("valid_to"), where),
        illustrative=parse_illustrative(p, _field_names(Partnership), where),
        areas=[_area(p, a) for a in p["areas"]],
        await_finality=_await_finality(p.get("await_finality", True), where),
    )


def load_partnerships(source: str | bytes | dict[str, Any]) -> Partnerships:
    """Builds and cross-checks the reference data; raises ``ValueError`` on a broken reference."""
    raw: dict[str, Any] = json.loads(source) if isinstance(source, (str, bytes)) else source
    orgs = [
        HousingOrganisation(
            id=o["id"],
            name=o["name"],
            note=o.get("note", ""),
            departments=[_department(o, d) for d in o["departments"]],
            illustrative=parse_illustrative(
                o, _field_names(HousingOrganisation), f"housing organisation {o['id']!r}"
            ),
        )
        for o in raw["housing_organisations"]
    ]
    note = raw.get("note", "")
    result = Partnerships(
        version=str(raw.get("version", "")),
        # The file's header may be a list of paragraphs (JSON has no comments).
        note=" ".join(note) if isinstance(note, list) else str(note),
        police_districts=[PoliceDistrict(d["id"], d["name"]) for d in raw["police_districts"]],
        municipalities=[
            Municipality(m["id"], m["name"], str(m["code"]), m["police_district"])
            for m in raw["municipalities"]
        ],
        partnerships=[_partnership(p) for p in raw["partnerships"]],
        housing_organisations=orgs,
    )
    problems = reference_problems(result)
    if problems:
        raise ValueError("partnership reference data: " + "; ".join(problems))
    return result
