"""A partnership's yearly figures: what its cases did, per area, per quarter and year.

The partnerships evaluate once a year (the Slagelse agreement: "evalueres ... én gang
årligt", seed 001) against the police's Tryghedsindeks [TRYG]. These are the case side of
that evaluation: counts of ids and durations, never a person. Pure: the rows come from the
read model (``verdictflow.platform.figures``), the numbers are made here.

Definitions (each figure belongs to the period in which its event happened, by the Danish
calendar day):

- ``registered``, ``disclosed``: cases whose first ``registered`` / ``disclosed`` stage
  falls in the period.
- ``eligibility``: cases by the assessment's outcome, on the day it was first recorded.
- ``decisions``: decided cases by the housing organisation's outcome and the ground the
  case was disclosed on (its eligibility: ``eligible`` is § 90, stk. 1, nr. 10).
- ``days_registration_to_disclosure``, ``days_disclosure_to_decision``: median and p90
  (nearest rank) in days, of the cases disclosed / decided in the period.
- ``overdue_tasks``: per task kind, tasks open past their due day at the period's end, and
  tasks decided in the period after their due day.
- ``active_blocks_at_end``: re-entry blocks in force at the period's end.
- ``refusals_28``: § 28 refusals with their refusal day in the period.
- ``municipality_notifications``: notifications created in the period for the area's cases.
- ``stages_entered``: every stage entered in the period by name, known or not.

A period's end is its last day or ``as_of`` (the day the report is made), the earlier.
Cases recorded before the stage history existed cannot be dated: they are counted under
``not_counted``, never guessed.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

ALL_AREAS = "all"
YEAR = "year"
CASE_SOURCE = "verdictflow read model"
TRYG_LABEL = ("Politiets Tryghedsindeks: the police's figures as imported "
              "(verdictflow report import-tryghedsindeks), each with its source; "
              "not computed from cases")
CSV_COLUMNS = ("partnership_id", "year", "area_id", "period", "figure", "key", "value",
               "source")


@dataclass(frozen=True)
class StageRow:
    """One stage change of a case (``case_stages``): ids and a stage, no person."""

    case_id: str
    seq: int
    stage: str
    at: datetime  # timezone-aware, for durations
    day: date  # the Danish calendar day of ``at``, for periods
    area_id: str | None = None
    eligibility: str | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class TaskRow:
    case_id: str
    kind: str
    status: str  # open | done | withdrawn
    created_on: date
    due_on: date | None
    closed_on: date | None


@dataclass(frozen=True)
class BlockRow:
    area_id: str
    placed_on: date
    expires_on: date
    lifted_on: date | None


@dataclass(frozen=True)
class RefusalRow:
    area_id: str
    refused_on: date


@dataclass(frozen=True)
class NotificationRow:
    case_id: str
    created_on: date


@dataclass(frozen=True)
class IndexRow:
    """A Tryghedsindeks figure of an area (imported, the police's)."""

    area_id: str
    year: int
    indicator: str
    value: float
    source: str


@dataclass(frozen=True)
class ReportInput:
    partnership_id: str
    partnership_name: str
    year: int
    as_of: date
    areas: list[tuple[str, str]]  # (id, name), in the reference data's order
    stages: list[StageRow]
    # Every case of the partnership whose area is known (from its history or, for cases
    # recorded before the history, from the case row): tasks and notifications use it.
    case_areas: dict[str, str]
    cases_without_history: int = 0
    tasks: list[TaskRow] = field(default_factory=list)
    blocks: list[BlockRow] = field(default_factory=list)
    refusals: list[RefusalRow] = field(default_factory=list)
    notifications: list[NotificationRow] = field(default_factory=list)
    index: list[IndexRow] = field(default_factory=list)


@dataclass(frozen=True)
class Period:
    name: str
    start: date
    end: date


def periods_of(year: int) -> list[Period]:
    """The four quarters and the year."""
    starts = [date(year, m, 1) for m in (1, 4, 7, 10)]
    ends = [_day_before(s) for s in starts[1:]] + [date(year, 12, 31)]
    quarters = [Period(f"Q{i + 1}", s, e) for i, (s, e) in enumerate(zip(starts, ends,
                                                                          strict=True))]
    return [*quarters, Period(YEAR, date(year, 1, 1), date(year, 12, 31))]


def _day_before(d: date) -> date:
    return date.fromordinal(d.toordinal() - 1)


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def p90(values: list[float]) -> float | None:
    """The 90th percentile by nearest rank: a value that occurred, no interpolation."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[math.ceil(0.9 * len(ordered)) - 1], 2)


def _days(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 86400


@dataclass
class _Case:
    rows: list[StageRow]

    def first(self, stage: str) -> StageRow | None:
        return next((r for r in self.rows if r.stage == stage), None)

    def assessed(self) -> StageRow | None:
        return next((r for r in self.rows if r.eligibility is not None), None)

    def last(self, attr: str) -> str | None:
        values = [getattr(r, attr) for r in self.rows if getattr(r, attr) is not None]
        return values[-1] if values else None


def _summary(values: list[float]) -> dict[str, Any]:
    return {"cases": len(values), "median": median(values), "p90": p90(values)}


def _case_figures(cases: list[_Case], p: Period) -> dict[str, Any]:
    def within(row: StageRow | None) -> bool:
        return row is not None and p.start <= row.day <= p.end

    eligibility: Counter[str] = Counter()
    decisions: dict[str, Counter[str]] = {}
    stages: Counter[str] = Counter()
    to_disclosure: list[float] = []
    to_decision: list[float] = []
    registered = disclosed = 0
    for case in cases:
        reg, dis, dec = case.first("registered"), case.first("disclosed"), case.first("decided")
        registered += within(reg)
        if dis is not None and within(dis):
            disclosed += 1
            if reg is not None:
                to_disclosure.append(_days(dis.at, reg.at))
        assessed = case.assessed()
        if assessed is not None and within(assessed):
            eligibility[assessed.eligibility or ""] += 1
        if dec is not None and within(dec):
            ground = case.last("eligibility") or "unknown"
            decisions.setdefault(dec.outcome or "unknown", Counter())[ground] += 1
            if dis is not None:
                to_decision.append(_days(dec.at, dis.at))
        stages.update(r.stage for r in case.rows if within(r))
    return {
        "registered": registered,
        "disclosed": disclosed,
        "eligibility": dict(sorted(eligibility.items())),
        "decisions": {o: dict(sorted(c.items())) for o, c in sorted(decisions.items())},
        "days_registration_to_disclosure": _summary(to_disclosure),
        "days_disclosure_to_decision": _summary(to_decision),
        "stages_entered": dict(sorted(stages.items())),
    }


def _task_figures(tasks: list[TaskRow], p: Period, end: date) -> dict[str, Any]:
    out: dict[str, dict[str, int]] = {}
    for t in tasks:
        if t.due_on is None:
            continue
        fig = out.setdefault(t.kind, {"open_past_due_at_end": 0, "decided_after_due": 0})
        open_at_end = t.created_on <= end and (t.closed_on is None or t.closed_on > end)
        if open_at_end and t.due_on < end:
            fig["open_past_due_at_end"] += 1
        if (t.status == "done" and t.closed_on is not None and p.start <= t.closed_on <= p.end
                and t.closed_on > t.due_on):
            fig["decided_after_due"] += 1
    return dict(sorted(out.items()))


def _figures(inp: ReportInput, areas: set[str], p: Period,
             cases: dict[str, _Case]) -> dict[str, Any]:
    end = min(p.end, inp.as_of)
    in_area = [c for cid, c in cases.items() if inp.case_areas.get(cid) in areas]
    figures = _case_figures(in_area, p)
    figures["overdue_tasks"] = _task_figures(
        [t for t in inp.tasks if inp.case_areas.get(t.case_id) in areas], p, end)
    figures["active_blocks_at_end"] = sum(
        1 for b in inp.blocks
        if b.area_id in areas and b.placed_on <= end < b.expires_on
        and (b.lifted_on is None or b.lifted_on > end))
    figures["refusals_28"] = sum(
        1 for r in inp.refusals if r.area_id in areas and p.start <= r.refused_on <= p.end)
    figures["municipality_notifications"] = sum(
        1 for n in inp.notifications
        if inp.case_areas.get(n.case_id) in areas and p.start <= n.created_on <= p.end)
    return figures


def _index_of(inp: ReportInput, area_id: str) -> list[dict[str, Any]]:
    # The report's year and the one before: the agreement measures the development.
    rows = [r for r in inp.index
            if r.area_id == area_id and r.year in (inp.year - 1, inp.year)]
    return [{"year": r.year, "indicator": r.indicator, "value": r.value, "source": r.source}
            for r in sorted(rows, key=lambda r: (r.year, r.indicator))]


def partnership_figures(inp: ReportInput) -> dict[str, Any]:
    """The report as a JSON-ready dict (the CSV is ``report_csv`` of it)."""
    by_case: dict[str, list[StageRow]] = {}
    for row in inp.stages:
        by_case.setdefault(row.case_id, []).append(row)
    cases = {cid: _Case(sorted(rows, key=lambda r: r.seq)) for cid, rows in by_case.items()}
    periods = periods_of(inp.year)
    area_ids = {a for a, _ in inp.areas}
    areas = []
    for area_id, name in [*inp.areas, (ALL_AREAS, "alle områder")]:
        scope = area_ids if area_id == ALL_AREAS else {area_id}
        areas.append({
            "area_id": area_id,
            "name": name,
            "figures": {p.name: _figures(inp, scope, p, cases) for p in periods},
            "tryghedsindeks": [] if area_id == ALL_AREAS else _index_of(inp, area_id),
        })
    without_area = sum(1 for cid in cases if inp.case_areas.get(cid) not in area_ids)
    partial = sum(1 for c in cases.values()
                  if inp.case_areas.get(c.rows[0].case_id) in area_ids
                  and c.first("registered") is None)
    return {
        "partnership_id": inp.partnership_id,
        "partnership": inp.partnership_name,
        "year": inp.year,
        "as_of": inp.as_of.isoformat(),
        "source": CASE_SOURCE,
        "periods": [{"period": p.name, "from": p.start.isoformat(), "to": p.end.isoformat()}
                    for p in periods],
        "areas": areas,
        "not_counted": {
            "cases_without_history": inp.cases_without_history,
            "cases_without_registration_in_history": partial,
            "cases_without_area": without_area,
        },
        "not_counted_explained": {
            "cases_without_history": "recorded before the stage history existed: their "
            "stages cannot be dated, so they are in no count or duration (their tasks, "
            "blocks and notifications are counted)",
            "cases_without_registration_in_history": "the history begins after "
            "registration: counted where their recorded stages fall, not as registered, "
            "no registration-to-disclosure time",
            "cases_without_area": "no area of this partnership recorded (e.g. not placed "
            "by the assessment): in no area's figures",
        },
        "tryghedsindeks_label": TRYG_LABEL,
    }


def _flatten(prefix: str, value: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flatten(f"{prefix}/{k}" if prefix else str(k), v)
    else:
        yield prefix, value


def report_rows(report: dict[str, Any]) -> list[tuple[str, ...]]:
    """The report as CSV rows (``CSV_COLUMNS``): one figure a row, the same numbers."""
    head = (report["partnership_id"], str(report["year"]))
    rows: list[tuple[str, ...]] = []

    def cell(v: Any) -> str:
        return "" if v is None else str(v)

    for area in report["areas"]:
        for period, figures in area["figures"].items():
            for name, value in figures.items():
                for key, v in _flatten("", value):
                    rows.append((*head, area["area_id"], period, name, key, cell(v),
                                 report["source"]))
        for ix in area["tryghedsindeks"]:
            rows.append((*head, area["area_id"], str(ix["year"]), "tryghedsindeks",
                         ix["indicator"], cell(ix["value"]), ix["source"]))
    for key, n in report["not_counted"].items():
        rows.append((*head, ALL_AREAS, YEAR, "not_counted", key, cell(n), report["source"]))
    return rows


def report_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(report_rows(report))
    return out.getvalue()


EARLIEST_YEAR = 2000


def year_problem(year: int, today: date, valid_from: str | None) -> str | None:
    """Why there are no figures for ``year``, or None: a year not begun, or before the
    partnership (where its seed dates it)."""
    if year > today.year:
        return f"the year {year} has not begun"
    if year < EARLIEST_YEAR:
        return f"no figures before {EARLIEST_YEAR}"
    if valid_from and year < date.fromisoformat(valid_from).year:
        return f"the partnership began on {valid_from}"
    return None
