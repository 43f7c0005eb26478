"""``verdictflow report``: a partnership's yearly figures, and the Tryghedsindeks import."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

report_app = typer.Typer(
    help="A partnership's yearly figures (per area, per quarter and year), beside Politiets "
    "Tryghedsindeks.", invoke_without_command=True)


class Format(StrEnum):
    CSV = "csv"
    JSON = "json"


@report_app.callback()
def report(
    ctx: typer.Context,
    partnership: Annotated[str | None, typer.Option(help="The partnership id.")] = None,
    year: Annotated[int | None, typer.Option(help="The calendar year.")] = None,
    format: Annotated[Format, typer.Option("--format", help="csv or json.")] = Format.CSV,
    output: Annotated[Path | None, typer.Option(help="Write to FILE, not stdout.")] = None,
) -> None:
    """Counts of cases and durations, never a person: see README, Partnership figures."""
    if ctx.invoked_subcommand is not None:
        return
    if partnership is None or year is None:
        print("give --partnership ID and --year YYYY (or a subcommand: import-tryghedsindeks)")
        raise typer.Exit(2)
    from verdictflow.domain.figures import report_csv, year_problem
    from verdictflow.platform.figures import partnership_report, today
    from verdictflow.platform.readmodel import read_model_database
    from verdictflow.platform.reference import load_reference
    from verdictflow.platform.settings import get_settings

    settings = get_settings()
    found = load_reference(settings).partnerships.partnership(partnership)
    if found is None:
        print(f"✗ no partnership {partnership!r} in the reference data "
              "(verdictflow partnerships)")
        raise typer.Exit(1)
    if problem := year_problem(year, today(), found.valid_from):
        print(f"✗ {problem}")
        raise typer.Exit(1)
    figures = partnership_report(read_model_database(settings), found, year)
    text = (report_csv(figures) if format == Format.CSV
            else json.dumps(figures, ensure_ascii=False, indent=2) + "\n")
    if output is None:
        print(text, end="")
    else:
        output.write_text(text, encoding="utf-8")
        print(f"wrote {output}")


@report_app.command("import-tryghedsindeks")
def import_tryghedsindeks(
    file: Annotated[Path, typer.Argument(help="CSV: area_id,year,indicator,value,source.")],
) -> None:
    """Imports the police's Tryghedsindeks figures per area; all rows or none (exit 1)."""
    from verdictflow.domain.tryghedsindeks import parse_index_csv
    from verdictflow.platform.figures import import_index
    from verdictflow.platform.readmodel import read_model_database
    from verdictflow.platform.reference import load_reference
    from verdictflow.platform.settings import get_settings

    settings = get_settings()
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        print(f"{file}: cannot read it ({e})")
        raise typer.Exit(1) from None
    areas = {a.id for a in load_reference(settings).partnerships.areas()}
    parsed = parse_index_csv(text, areas)
    for problem in parsed.problems:
        print(f"refused: {problem}")
    if not parsed.ok:
        print(f"{file}: nothing imported ({len(parsed.problems)} problem(s))")
        raise typer.Exit(1)
    added, changed = import_index(read_model_database(settings), parsed.rows)
    print(f"{file}: {len(parsed.rows)} row(s): {added} added, {changed} changed, "
          f"{len(parsed.rows) - added - changed} unchanged")
