"""Bar charts drawn on the server as inline SVG: no script, no chart library.

Each chart is a list of labelled values; the SVG carries ``role="img"`` with a title and a
description, and the page shows the same numbers in a table beside it for screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 300
BAR_SPACE = 300
VALUE_WIDTH = 50


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


@dataclass(frozen=True)
class BarChart:
    """Geometry for the template: one row per bar, widths scaled to the largest value."""

    chart_id: str
    title: str
    bars: list[Bar]

    @property
    def width(self) -> int:
        return LABEL_WIDTH + BAR_SPACE + VALUE_WIDTH

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * (BAR_HEIGHT + GAP) + GAP

    def rows(self) -> list[dict[str, Any]]:
        top = max((b.value for b in self.bars), default=0) or 1
        out = []
        for i, b in enumerate(self.bars):
            y = GAP + i * (BAR_HEIGHT + GAP)
            w = round(BAR_SPACE * b.value / top)
            out.append({"label": b.label, "value": b.value, "y": y, "text_y": y + 16,
                        "x": LABEL_WIDTH, "w": w, "value_x": LABEL_WIDTH + w + 6,
                        "h": BAR_HEIGHT})
        return out


def _count(figures: dict[str, Any], *path: str) -> int:
    value: Any = figures
    for key in path:
        value = value.get(key, {}) if isinstance(value, dict) else {}
    if isinstance(value, dict):  # e.g. decisions by outcome: the sum
        return sum(_count(value, k) for k in value)
    return int(value) if isinstance(value, int | float) else 0


def area_chart(area: dict[str, Any], period: str, chart_id: str) -> BarChart:
    """The period's figures of one area from the report JSON (``partnership_report``)."""
    f = area["figures"][period]
    bars = [
        Bar("Domme registreret", _count(f, "registered")),
        Bar("Videregivet", _count(f, "disclosed")),
        Bar("Afgørelser truffet", _count(f, "decisions")),
        Bar("Aktive spærringer ved periodens slut", _count(f, "active_blocks_at_end")),
        Bar("Afvisninger efter § 28", _count(f, "refusals_28")),
        Bar("Underretninger til kommunen", _count(f, "municipality_notifications")),
    ]
    name = str(area["name"])
    return BarChart(chart_id, name[:1].upper() + name[1:], bars)
