"""`verdictflow partnerships`: the reference data as a person reads it, each partnership
with its source document, validity and parties, and every value the seeds do not give
marked ``[illustrative]`` on its line (``--json`` carries the same marks as data)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from verdictflow.domain.provenance import Illustrative


def _mark(value: bool | list[str]) -> str:
    ill = Illustrative(whole=True) if value is True else Illustrative(fields=tuple(value or ()))
    label = ill.label()
    return f" {label}" if label else ""


def _validity(p: dict[str, Any]) -> str:
    if p["valid_from"] is None and p["valid_to"] is None:
        return "not given in the source"
    return f"from {p['valid_from'] or '(not given)'} to {p['valid_to'] or '(until further notice)'}"


def describe(data: dict[str, Any]) -> Iterator[str]:
    """The lines of the text output, from ``Partnerships.to_json_dict()``."""
    yield "Values the seed documents do not give are marked [illustrative]."
    for p in data["partnerships"]:
        yield f"{p['id']}: {p['name']}{_mark(p['illustrative'])}"
        yield f"  description: {p['description']}"
        for s in p["sources"]:
            date = f" ({s['date']})" if s["date"] else ""
            yield f"  source: {s['document']}: \u201c{s['title']}\u201d{date}"
        yield f"  validity: {_validity(p)}"
        finality = ("waits for the final verdict" if p.get("await_finality", True)
                    else "acts before finality (L 178, from 1 July 2022)")
        ill = p["illustrative"]
        marked = ill is True or (isinstance(ill, list) and "await_finality" in ill)
        yield f"  await finality: {finality}{' [illustrative]' if marked else ''}"
        yield f"  police district: {p['police_district']['name']}"
        yield "  municipalities: " + ", ".join(m["name"] for m in p["municipalities"])
        for party in p["parties"]:
            ref = f" -> {party['ref']}" if party["ref"] else ""
            yield f"  party ({party['kind']}): {party['name']}{ref}{_mark(party['illustrative'])}"
        for a in p["areas"]:
            yield f"  area {a['id']}: {a['name']}{_mark(a['illustrative'])}"
        for o in p["housing_organisations"]:
            role = "party" if o["party"] else "not a party"
            yield f"  organisation {o['id']}: {o['name']} ({role}){_mark(o['illustrative'])}"
            for d in o["departments"]:
                streets = ", ".join(d["streets"])
                yield (f"    department {d['id']}: {d['name']}, {streets}, {d['postcode']} "
                       f"{d['city']}{_mark(d['illustrative'])}")
        if p["note"]:
            yield f"  note: {p['note']}"
