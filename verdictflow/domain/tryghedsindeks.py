"""Politiets Tryghedsindeks per area, as a partnership imports it from a CSV file.

The agreements measure their goal in the police's Tryghedsindeks (seed 001: "Trygheden
måles i Politiets Tryghedsindeks"), a yearly survey since 2013 [TRYG]. verdictflow does not
compute these figures; it keeps the ones a partnership imports, with their source, and
shows them beside the case figures. Pure: the file's text in, rows or problems out.

The file: a header with ``area_id,year,indicator,value,source`` (any order, more columns
ignored), one figure a row; lines starting with ``#`` are comments. Every row must be
good or nothing is imported: a half-imported year would read as a whole one.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass

from verdictflow.domain.figures import IndexRow

COLUMNS = ("area_id", "year", "indicator", "value", "source")
FIRST_YEAR = 2013  # the first Tryghedsindeks [TRYG]
LAST_YEAR = 2100
MAX_ROWS = 100_000
MAX_SOURCE = 200
# Indicators are names of measures (tryghed_andel, nabolagsproblemer_indeks), never text.
INDICATOR = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Parsed:
    rows: list[IndexRow]
    problems: list[str]  # "line N: reason"

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_index_csv(text: str, known_areas: set[str]) -> Parsed:
    """The rows of a Tryghedsindeks file, every area checked against ``known_areas``."""
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        return Parsed([], ["the file has no header and no rows"])
    reader = csv.reader(io.StringIO("\n".join(line for _, line in numbered)))
    records = list(reader)
    header_line = numbered[0][0]
    header = [h.strip() for h in records[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return Parsed([], [f"line {header_line}: the header lacks {', '.join(missing)} "
                           f"(expected {','.join(COLUMNS)})"])
    if len(records) - 1 > MAX_ROWS:
        return Parsed([], [f"more than {MAX_ROWS} rows"])
    at = {c: header.index(c) for c in COLUMNS}
    rows: list[IndexRow] = []
    problems: list[str] = []
    seen: dict[tuple[str, int, str], int] = {}
    for (line, _), record in zip(numbered[1:], records[1:], strict=True):
        row, problem = _row(record, at, known_areas)
        if row is not None:
            key = (row.area_id, row.year, row.indicator)
            if key in seen:
                problem = f"the same area, year and indicator as line {seen[key]}"
                row = None
            else:
                seen[key] = line
        if problem:
            problems.append(f"line {line}: {problem}")
        elif row is not None:
            rows.append(row)
    return Parsed(rows if not problems else [], problems)


def _row(record: list[str], at: dict[str, int],
         known_areas: set[str]) -> tuple[IndexRow | None, str | None]:
    if len(record) < len(set(at.values())) or max(at.values()) >= len(record):
        return None, f"{len(record)} fields, the header has more"
    get = {c: record[i].strip() for c, i in at.items()}
    if get["area_id"] not in known_areas:
        # Never echo an unknown value at length: it is whatever the file says.
        return None, f"unknown area {get['area_id'][:64]!r} (not in the reference data)"
    try:
        year = int(get["year"])
    except ValueError:
        return None, "the year is not a whole number"
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None, f"the year {year} is outside {FIRST_YEAR}-{LAST_YEAR}"
    if not INDICATOR.match(get["indicator"]):
        return None, ("the indicator is not a measure's name (lowercase letters, digits, "
                      "'_', '.', '-'; at most 64)")
    try:
        value = float(get["value"].replace(",", "."))
    except ValueError:
        return None, "the value is not a number"
    if not math.isfinite(value):
        return None, "the value is not a finite number"
    source = get["source"]
    if not source or len(source) > MAX_SOURCE:
        return None, f"the source is empty or longer than {MAX_SOURCE} characters"
    return IndexRow(get["area_id"], year, get["indicator"], value, source), None
