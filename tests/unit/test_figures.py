"""The pure side of the partnership figures: percentiles, periods, bucketing, the index file."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from verdictflow.domain.figures import (
    CSV_COLUMNS,
    ReportInput,
    StageRow,
    TaskRow,
    median,
    p90,
    partnership_figures,
    periods_of,
    report_csv,
    report_rows,
    year_problem,
)
from verdictflow.domain.tryghedsindeks import parse_index_csv


def test_median_and_nearest_rank_p90() -> None:
    assert median([]) is None and p90([]) is None
    assert median([3.0]) == 3.0 and p90([3.0]) == 3.0
    assert median([1.0, 2.0, 3.0, 10.0]) == 2.5
    # Nearest rank: the ceil(0.9 n)-th smallest value, one that occurred.
    assert p90([float(i) for i in range(1, 11)]) == 9.0
    assert p90([float(i) for i in range(1, 12)]) == 10.0
    assert p90([5.0, 1.0]) == 5.0
    assert median([1.0 / 3, 2.0 / 3]) == 0.5 and p90([1.0 / 3]) == 0.33


def test_quarters_cover_the_year_without_gaps() -> None:
    ps = periods_of(2024)  # a leap year
    assert [(p.name, p.start.isoformat(), p.end.isoformat()) for p in ps] == [
        ("Q1", "2024-01-01", "2024-03-31"), ("Q2", "2024-04-01", "2024-06-30"),
        ("Q3", "2024-07-01", "2024-09-30"), ("Q4", "2024-10-01", "2024-12-31"),
        ("year", "2024-01-01", "2024-12-31")]


def _row(case: str, seq: int, stage: str, day: str, **kw: str | None) -> StageRow:
    at = datetime.fromisoformat(f"{day}T10:00:00+00:00")
    return StageRow(case, seq, stage, at, at.date(), **kw)


def _input(stages: list[StageRow], **kw: object) -> ReportInput:
    return ReportInput(partnership_id="p", partnership_name="P", year=2025,
                       as_of=date(2025, 12, 31), areas=[("a1", "A1"), ("a2", "A2")],
                       stages=stages, **kw)  # type: ignore[arg-type]


def test_each_event_counts_in_the_period_it_happened_and_unknown_stages_are_counted() -> None:
    stages = [
        _row("c1", 1, "registered", "2025-03-30"),
        _row("c1", 2, "disclosed", "2025-04-02", area_id="a1", eligibility="eligible"),
        _row("c1", 3, "decided", "2025-07-02", area_id="a1", eligibility="eligible",
             outcome="terminate"),
        _row("c1", 4, "termination_noticed", "2025-07-03", area_id="a1"),
    ]
    report = partnership_figures(_input(stages, case_areas={"c1": "a1"}))
    q = {p: report["areas"][0]["figures"][p] for p in ("Q1", "Q2", "Q3", "year")}
    assert (q["Q1"]["registered"], q["Q1"]["disclosed"]) == (1, 0)
    assert (q["Q2"]["registered"], q["Q2"]["disclosed"]) == (0, 1)
    assert q["Q2"]["eligibility"] == {"eligible": 1}
    assert q["Q2"]["days_registration_to_disclosure"] == {"cases": 1, "median": 3.0,
                                                          "p90": 3.0}
    assert q["Q3"]["decisions"] == {"terminate": {"eligible": 1}}
    assert q["Q3"]["days_disclosure_to_decision"]["median"] == 91.0
    assert q["Q3"]["stages_entered"] == {"decided": 1, "termination_noticed": 1}
    assert q["year"]["registered"] == q["year"]["disclosed"] == 1
    assert report["areas"][1]["figures"]["year"]["registered"] == 0  # a2
    assert report["areas"][2]["area_id"] == "all"


def test_a_retried_or_reordered_history_counts_once_by_seq() -> None:
    rows = [_row("c1", 2, "disclosed", "2025-01-05", area_id="a1", eligibility="eligible"),
            _row("c1", 1, "registered", "2025-01-01")]
    report = partnership_figures(_input(rows, case_areas={"c1": "a1"}))
    year = report["areas"][0]["figures"]["year"]
    assert year["days_registration_to_disclosure"]["median"] == 4.0


def test_overdue_tasks_at_the_period_end_and_as_of() -> None:
    tasks = [TaskRow("c1", "decision", "open", date(2025, 3, 1), date(2025, 3, 15), None),
             TaskRow("c1", "review", "done", date(2025, 3, 1), date(2025, 3, 15),
                     date(2025, 4, 20))]
    report = partnership_figures(_input([], case_areas={"c1": "a1"}, tasks=tasks))
    f = report["areas"][0]["figures"]
    assert f["Q1"]["overdue_tasks"] == {
        "decision": {"open_past_due_at_end": 1, "decided_after_due": 0},
        "review": {"open_past_due_at_end": 1, "decided_after_due": 0}}
    assert f["Q2"]["overdue_tasks"]["review"] == {"open_past_due_at_end": 0,
                                                  "decided_after_due": 1}
    # A report made on 10 March: the task is not yet past due "at the end".
    early = partnership_figures(ReportInput(**{**_input([], case_areas={"c1": "a1"},
                                                        tasks=tasks).__dict__,
                                               "as_of": date(2025, 3, 10)}))
    assert early["areas"][0]["figures"]["Q1"]["overdue_tasks"]["decision"][
        "open_past_due_at_end"] == 0


def test_cases_without_history_registration_or_area_are_reported_not_guessed() -> None:
    rows = [_row("c1", 3, "disclosed", "2025-02-01", area_id="a1", eligibility="eligible"),
            _row("c2", 1, "registered", "2025-02-01"),
            _row("c2", 2, "not_eligible", "2025-02-01", eligibility="not_eligible")]
    report = partnership_figures(_input(rows, case_areas={"c1": "a1"},
                                        cases_without_history=4))
    assert report["not_counted"] == {"cases_without_history": 4,
                                     "cases_without_registration_in_history": 1,
                                     "cases_without_area": 1}
    year = report["areas"][0]["figures"]["year"]
    assert (year["registered"], year["disclosed"]) == (0, 1)
    assert year["days_registration_to_disclosure"]["cases"] == 0


def test_csv_carries_every_number_of_the_json() -> None:
    rows = [_row("c1", 1, "registered", "2025-01-01"),
            _row("c1", 2, "decided", "2025-01-09", area_id="a2", eligibility="eligible",
                 outcome="warn")]
    report = partnership_figures(_input(rows, case_areas={"c1": "a2"}))
    parsed = list(csv.reader(io.StringIO(report_csv(report))))
    assert tuple(parsed[0]) == CSV_COLUMNS
    assert [tuple(r) for r in parsed[1:]] == report_rows(report)
    by = {(r[2], r[3], r[4], r[5]): r[6] for r in parsed[1:]}
    assert by[("a2", "Q1", "decisions", "warn/eligible")] == "1"
    assert by[("a2", "Q1", "days_disclosure_to_decision", "median")] == ""  # no disclosure
    assert by[("all", "year", "not_counted", "cases_without_area")] == "0"


def test_year_problems() -> None:
    today = date(2026, 12, 5)
    assert year_problem(2026, today, "2017-09-01") is None
    assert year_problem(2027, today, None) == "the year 2027 has not begun"
    assert year_problem(2016, today, "2017-09-01") == "the partnership began on 2017-09-01"
    assert year_problem(1999, today, None) == "no figures before 2000"


# -- the Tryghedsindeks file ------------------------------------------------------------
AREAS = {"motalavej", "ringparken"}
GOOD = """# illustrative
area_id,year,indicator,value,source
motalavej,2025,tryghed_andel,71.5,Illustrative
ringparken,2025,tryghed_andel,64,Illustrative
"""


def test_a_good_file_parses() -> None:
    parsed = parse_index_csv(GOOD, AREAS)
    assert parsed.ok
    assert [(r.area_id, r.year, r.indicator, r.value) for r in parsed.rows] == [
        ("motalavej", 2025, "tryghed_andel", 71.5), ("ringparken", 2025, "tryghed_andel", 64.0)]


@pytest.mark.parametrize(("line", "reason"), [
    ("nowhere,2025,tryghed_andel,1,S", "unknown area 'nowhere'"),
    ("motalavej,twenty,tryghed_andel,1,S", "the year is not a whole number"),
    ("motalavej,2010,tryghed_andel,1,S", "the year 2010 is outside"),
    ("motalavej,2025,Anders And,1,S", "the indicator is not a measure's name"),
    ("motalavej,2025,tryghed_andel,lots,S", "the value is not a number"),
    ("motalavej,2025,tryghed_andel,nan,S", "not a finite number"),
    ("motalavej,2025,tryghed_andel,1,", "the source is empty"),
    ("motalavej,2025", "fields, the header has more"),
    ("motalavej,2025,tryghed_andel,2,S", "the same area, year and indicator as line 3"),
])
def test_a_bad_row_is_refused_with_its_line_and_nothing_is_imported(line: str,
                                                                      reason: str) -> None:
    parsed = parse_index_csv(GOOD + line + "\n", AREAS)
    assert not parsed.ok and parsed.rows == []
    assert len(parsed.problems) == 1
    assert parsed.problems[0].startswith("line 5: ") and reason in parsed.problems[0]


def test_a_file_without_the_columns_is_refused() -> None:
    parsed = parse_index_csv("area,year\nmotalavej,2025\n", AREAS)
    assert parsed.problems == ["line 1: the header lacks area_id, indicator, value, source "
                               "(expected area_id,year,indicator,value,source)"]
    assert parse_index_csv("", AREAS).problems == ["the file has no header and no rows"]


def test_stage_rows_are_timezone_aware() -> None:
    # The platform hands aware datetimes; a duration across DST is real hours.
    a = datetime(2025, 3, 29, 12, tzinfo=UTC)
    b = datetime(2025, 3, 31, 12, tzinfo=UTC)
    rows = [StageRow("c", 1, "registered", a, a.date()),
            StageRow("c", 2, "disclosed", b, b.date(), area_id="a1", eligibility="eligible")]
    year = partnership_figures(_input(rows, case_areas={"c": "a1"}))["areas"][0]["figures"]
    assert year["Q1"]["days_registration_to_disclosure"]["median"] == 2.0
