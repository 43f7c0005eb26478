"""Deterministic sample verdicts for the demo and the tests.

Every person is fake: names start with "Testperson" and are distinctive, CPR numbers
are DDMMYY-99NN with plausible birth dates, and offence descriptions are distinctive
too, so tests can scan Kafka, Temporal and the database for them and prove that no
personal data leaked. Dates are relative to ``today`` so the policy's two-year rule
behaves the same on every run; event ids are uuid5 of the sample key, so sending a
sample twice is a repeat, not a new case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from verdictflow.domain.partnerships import Partnerships
from verdictflow.domain.sample_specs import SPECS, Spec
from verdictflow.domain.topics import (
    VERDICT_APPEALED,
    VERDICT_FINALIZED,
    VERDICT_OVERTURNED,
    VERDICT_REGISTERED,
)
from verdictflow.domain.verdict import Verdict, change_from_data, verdict_from_data, with_change

_NAMESPACE = uuid.UUID("3b8f6f0e-6a43-4d7c-9a7e-5d0c1f2a9e61")
_PREFIX = {
    "kbh-vestegn": ("KBV", "0100"),
    "sydsjaelland-lolland-falster": ("SSL", "0300"),
    "midt-vestsjaelland": ("MVS", "0400"),
}
_COURT = {
    "kbh-vestegn": "Retten i Glostrup",
    "sydsjaelland-lolland-falster": "Retten i Næstved",
    "midt-vestsjaelland": "Retten i Holbæk",
}
_CHANGE_TYPES = {
    "appealed": VERDICT_APPEALED,
    "finalized": VERDICT_FINALIZED,
    "overturned": VERDICT_OVERTURNED,
}


@dataclass(frozen=True)
class SampleVerdict:
    key: str
    title: str
    verdict_id: str
    partnership_id: str | None
    person_name: str
    cpr: str
    offence_description: str
    events: list[dict[str, Any]]  # CloudEvents to send, in order (a repeat keeps its id)
    # Under policy v2, which new cases start on: eligible | disclose_other_ground |
    # manual_review | not_eligible | overturned
    expected_outcome: str
    expected_assessment: str  # what v2 gives for the verdict as it finally stands
    expected_outcome_v1: str  # the same under v1: eligible | not_eligible | manual_review | ...
    expected_assessment_v1: str


def _event(
    key: str, n: int, type_: str, district: str, at: date, subject: str, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid5(_NAMESPACE, f"sample:{key}:{n}")),
        "source": f"urn:dk:politi:{district}",
        "type": type_,
        "time": f"{at.isoformat()}T13:30:00Z",
        "subject": subject,
        "datacontenttype": "application/json",
        "data": data,
    }


def _address(ps: Partnerships, spec: Spec) -> dict[str, str]:
    if spec.department_id is None:
        assert spec.home is not None
        return dict(zip(("street", "postcode", "city"), spec.home, strict=True))
    dep = ps.department(spec.department_id)
    if dep is None:
        raise ValueError(f"sample {spec.key}: unknown department {spec.department_id!r}")
    return {"street": f"{dep.streets[0]} {spec.house}", "postcode": dep.postcode, "city": dep.city}


def _scene(ps: Partnerships, spec: Spec) -> dict[str, Any]:
    if spec.scene is not None:  # (street, postcode, city, lat, lon)
        street, postcode, city, lat, lon = spec.scene
        out: dict[str, Any] = {"street": street, "postcode": postcode, "city": city}
        if lat is not None:
            out.update(lat=lat, lon=lon)
        return out
    dep = ps.department(spec.department_id or "")
    assert dep is not None, spec.key
    # A few dozen metres from the department's property: inside its area.
    return {
        "street": f"{dep.streets[0]} 2",
        "postcode": dep.postcode,
        "city": dep.city,
        "lat": round(dep.property.lat + 0.0003, 6),
        "lon": round(dep.property.lon - 0.0004, 6),
    }


def _build(ps: Partnerships, spec: Spec, n: int, today: date) -> SampleVerdict:
    decided = today - timedelta(days=spec.age_days)
    prefix, code = _PREFIX[spec.district]
    verdict_id = f"{prefix}-{decided.year}-{900100 + n:06d}"
    cpr = spec.birth.strftime("%d%m%y") + f"99{n:02d}"
    data = {
        "verdict_id": verdict_id,
        "police_district": spec.district,
        "case_reference": f"{code}-70111-{90100 + n:05d}-{decided:%y}",
        "court": _COURT[spec.district],
        "decided_on": decided.isoformat(),
        "final": spec.final,
        "person": {"cpr": cpr, "name": spec.name, "registered_address": _address(ps, spec)},
        "offences": [
            {"law": law, "section": section, "description": spec.description,
             **spec.offence_facts}
            for law, section in spec.offences
        ],
        "sentence": dict(spec.sentence),
        "crime_scene": _scene(ps, spec),
    }
    events = [_event(spec.key, 0, VERDICT_REGISTERED, spec.district, decided, verdict_id, data)]
    if spec.duplicate:
        events.append(events[0])
    for i, (kind, days_ago, extra) in enumerate(spec.changes, start=1):
        on = today - timedelta(days=days_ago)
        change = {
            "verdict_id": verdict_id,
            "decided_on": decided.isoformat() if kind == "appealed" else on.isoformat(),
            **extra,
        }
        events.append(
            _event(spec.key, i, _CHANGE_TYPES[kind], spec.district, on, verdict_id, change)
        )
    # _address has refused an unknown department already.
    dep = ps.department(spec.department_id) if spec.department_id else None
    area = ps.area(dep.area_id) if dep else None
    return SampleVerdict(
        key=spec.key,
        title=spec.title,
        verdict_id=verdict_id,
        partnership_id=area.partnership_id if area else None,
        person_name=spec.name,
        cpr=cpr,
        offence_description=spec.description,
        events=events,
        expected_outcome=spec.outcome_v2 or spec.outcome,
        expected_assessment=spec.assessment or spec.outcome_v2 or spec.outcome,
        expected_outcome_v1=spec.outcome,
        expected_assessment_v1=spec.assessment or spec.outcome,
    )


def sample_verdicts(partnerships: Partnerships, today: date | None = None) -> list[SampleVerdict]:
    """About twenty verdicts across all partnerships; deterministic for a given ``today``."""
    today = today or date.today()
    return [_build(partnerships, spec, n, today) for n, spec in enumerate(SPECS, start=1)]


def final_verdict(sample: SampleVerdict) -> Verdict:
    """The verdict as it stands after its appeal judgment (an overturn is not applied)."""
    seen: set[str] = set()
    verdict: Verdict | None = None
    for e in sample.events:
        if e["id"] in seen:
            continue
        seen.add(e["id"])
        if e["type"] == VERDICT_REGISTERED:
            verdict = verdict_from_data(e["data"])
        elif e["type"] == VERDICT_FINALIZED and verdict is not None:
            verdict = with_change(verdict, change_from_data(e["id"], e["type"], e["data"]))
    assert verdict is not None, sample.key
    return verdict
