"""Re-entry block look-ups: may this applicant be refused in this area?

Udlejningsbekendtgørelsen § 28 lets a housing organisation refuse, for two years, an
applicant whose lease in the same area was terminated; any partner letting in the area
can ask. The question comes with a CPR number, the answer is computed on the keyed
pseudonym, and only blocks in the asking organisation's own partnership areas are told.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from verdictflow.domain.partnerships import Partnerships
from verdictflow.platform.database import Database
from verdictflow.platform.readmodel import ReentryBlockRecord


def partnership_areas_of(partnerships: Partnerships, org_id: str) -> set[str]:
    org = partnerships.org(org_id)
    if org is None:
        return set()
    areas: set[str] = set()
    for dep in org.departments:
        p = partnerships.partnership_of_area(dep.area_id)
        areas |= {a.id for a in p.areas} if p else {dep.area_id}
    return areas


def active_blocks(db: Database, person_ref: str, area_ids: set[str],
                  today: date) -> list[ReentryBlockRecord]:
    if not area_ids:
        return []
    with db.session() as s:
        q = select(ReentryBlockRecord).where(
            ReentryBlockRecord.person_ref == person_ref,
            ReentryBlockRecord.status == "active",
            ReentryBlockRecord.area_id.in_(area_ids),  # type: ignore[attr-defined]
            ReentryBlockRecord.placed_on <= today,
            ReentryBlockRecord.expires_on > today,
        )
        return list(s.exec(q))
