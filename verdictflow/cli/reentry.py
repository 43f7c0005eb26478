"""``verdictflow reentry``: § 28 checks and refusals from a terminal.

The same rules and audit as ``POST /reentry-checks`` and ``POST /reentry-refusals``
(``services.api.reentry_checks``). The CPR number and the reasonable grounds are read from
standard input or a hidden prompt, never from the command line: arguments show in process
lists (``ps``) and shell history.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # imported where used: the command's help needs no settings
    from services.api.reentry_checks import ReentryDesk

reentry_app = typer.Typer(
    help="Re-entry under udlejningsbekendtgørelsen § 28 (almenboligloven § 63 e). The CPR "
    "number (and a refusal's grounds) are read from stdin or a prompt, never from arguments: "
    "those would show in process lists and shell history.",
    no_args_is_help=True)

ORG = typer.Option("--org", help="The housing organisation asking (its areas are searched).")
AREA = typer.Option("--area", help="One of the organisation's areas (default: all of them).")
ACTOR = typer.Option("--actor", help="Who asks (audited).")


def _move_in(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("a date YYYY-MM-DD") from None


def _read_cpr() -> str:
    if sys.stdin.isatty():
        return str(typer.prompt("Ansøgerens CPR-nummer", hide_input=True))
    return sys.stdin.readline().strip()


def _read_grounds() -> str:
    if sys.stdin.isatty():
        return str(typer.prompt("Rimelig grund til afvisningen"))
    return sys.stdin.read().strip()


def _desk() -> ReentryDesk:
    from services.api.reentry_checks import ReentryDesk
    from verdictflow.platform.keys import keystore_for
    from verdictflow.platform.readmodel import read_model_database
    from verdictflow.platform.settings import get_settings

    settings = get_settings()
    return ReentryDesk.of(settings, keystore_for(settings), read_model_database(settings))


@reentry_app.command("check")
def check(
    org: Annotated[str, ORG],
    move_in: Annotated[str, typer.Option("--move-in", help="The move-in date, YYYY-MM-DD.")],
    area: Annotated[str | None, AREA] = None,
    actor: Annotated[str, ACTOR] = "operator",
) -> None:
    """Was the applicant's lease terminated in our area within two years before move-in?

    Reads the CPR number from stdin or a hidden prompt, never from the command line (it
    would show in process lists and shell history). Audited.
    """
    from services.api.reentry_checks import ReentryProblem
    from services.api.reentry_checks import check as run_check

    when = _move_in(move_in)
    try:
        found = run_check(_desk(), cpr=_read_cpr(), org_id=org, actor=actor, move_in=when,
                          area_id=area)
    except ReentryProblem as e:
        print(f"✗ {e}")
        raise typer.Exit(1) from None
    if found is None:
        print("no recorded termination")
        return
    print(f"recorded termination (check {found.check_id})")
    print(f"  name:          {found.name or '(not recorded)'}")
    print(f"  address:       {found.address or '(not recorded)'}")
    print(f"  ground:        {found.ground}")
    print(f"  terminated on: {found.terminated_on.isoformat()}")


@reentry_app.command("refuse")
def refuse(
    org: Annotated[str, ORG],
    check_id: Annotated[str | None, typer.Option("--check", help="The positive check it "
                                                 "rests on (then stdin holds the grounds).")]
    = None,
    move_in: Annotated[str | None, typer.Option("--move-in", help="Instead of --check: the "
                                                "move-in date (stdin: the CPR number on the "
                                                "first line, then the grounds).")] = None,
    area: Annotated[str | None, AREA] = None,
    actor: Annotated[str, ACTOR] = "operator",
) -> None:
    """Records a § 28 refusal and reports the fact to the area's municipality.

    The CPR number and the grounds come from stdin or a prompt, never from the command line
    (it would show in process lists and shell history). Audited.
    """
    from services.api.reentry_checks import ReentryProblem
    from services.api.reentry_checks import refuse as run_refuse

    if (check_id is None) == (move_in is None):
        raise typer.BadParameter("give either --check or --move-in")
    when = _move_in(move_in) if move_in else None
    cpr = _read_cpr() if when else None
    try:
        refusal, new = run_refuse(_desk(), org_id=org, actor=actor, grounds=_read_grounds(),
                                  check_id=check_id, cpr=cpr, move_in=when, area_id=area)
    except ReentryProblem as e:
        print(f"✗ {e}")
        raise typer.Exit(1) from None
    print(f"{'✓ refused' if new else '= already refused'}: {refusal.refusal_id} "
          f"(area {refusal.area_id}, reported to {refusal.municipality_id})")
