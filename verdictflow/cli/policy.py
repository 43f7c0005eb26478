"""``verdictflow policy``: the eligibility policy files."""

from __future__ import annotations

import asyncio
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


@policy_app.command("explain")
def explain(
    case_id: Annotated[str, typer.Argument(metavar="CASE_ID", help="The case id (case-…).")],
    actor: Annotated[str, typer.Option(help="Who asks (audited).")] = "operator",
) -> None:
    """The case's assessment as a caseworker reads it, rule by rule (audited)."""
    from verdictflow.cli.explain import CannotExplain, check_case_id, explain_case
    from verdictflow.platform.keys import keystore_for
    from verdictflow.platform.readmodel import read_model_database
    from verdictflow.platform.settings import get_settings
    from verdictflow.platform.temporal import connect

    settings = get_settings()
    keys = keystore_for(settings)

    async def lines() -> list[str]:
        check_case_id(case_id)
        client = await connect(settings, keys)
        return await explain_case(client, read_model_database(settings), case_id, actor)

    try:
        print("\n".join(asyncio.run(lines())))
    except CannotExplain as e:
        print(f"✗ {e}")
        raise typer.Exit(1) from None
