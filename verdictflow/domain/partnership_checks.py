"""Cross-checks of the partnership reference data, so a typo in an id fails at load time
instead of silently sending a verdict nowhere (or to the wrong organisation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from verdictflow.domain.partnerships import Partnerships


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
    for d in ps.departments():
        area = ps.area(d.area_id)
        if area is None:
            out.append(f"department {d.id!r}: unknown area {d.area_id!r}")
        elif d.housing_org_id not in ps.partnership(area.partnership_id).housing_org_ids:
            out.append(
                f"department {d.id!r}: its organisation is not in "
                f"partnership {area.partnership_id!r}"
            )
    return out
