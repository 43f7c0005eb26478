"""``verdictflow policy``: the eligibility policy files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from verdictflow.domain.policy_check import check_policy_text

policy_app = typer.Typer(help="Eligibility policy files (v1, v2).", no_args_is_help=True)


@policy_app.command("check")
def check(file: Annotated[Path, typer.Argument(help="A policy JSON file.")]) -> None:
    """Validates a policy file before a partnership deploys it; exit 1 on any problem."""
    try:
        text = file.read_bytes()
    except OSError as e:
        print(f"{file}: cannot read it ({e.strerror})")
        raise typer.Exit(1) from None
    result = check_policy_text(text)
    for line in result.found:
        print(f"  {line}")
    for problem in result.problems:
        print(f"problem: {problem}")
    print(f"{file}: {'ok' if result.ok else f'{len(result.problems)} problem(s)'}")
    if not result.ok:
        raise typer.Exit(1)
