"""The reference data the pages name things by (organisations, areas, partnerships)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from verdictflow.domain.partnerships import Partnerships, load_partnerships
from verdictflow.platform.settings import Settings


@lru_cache
def _load(path: str) -> Partnerships:
    return load_partnerships(Path(path).read_text(encoding="utf-8"))


def partnerships_of(settings: Settings) -> Partnerships:
    return _load(str(settings.partnerships_file))


def area_name(ps: Partnerships, area_id: str | None) -> str:
    area = ps.area(area_id) if area_id else None
    return area.name if area else (area_id or "–")


def org_name(ps: Partnerships, org_id: str) -> str:
    """A housing organisation, police district or municipality by its id."""
    for find in (ps.org, ps.police_district, ps.municipality):
        found = find(org_id)
        if found is not None:
            return found.name
    return org_id
