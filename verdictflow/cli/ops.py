"""``verdictflow ops``: what needs a person now, and re-driving the dead letters."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from temporalio.client import Client

    from verdictflow.platform.ops import Overview
    from verdictflow.platform.settings import Settings

ops_app = typer.Typer(
    help="What needs a person: overdue tasks, receipts overdue, failing activities, dead "
    "letters, ingest lag. Ids only.", invoke_without_command=True)
ops_dlq_app = typer.Typer(help="Dead letters, all of a topic at once.", no_args_is_help=True)
ops_app.add_typer(ops_dlq_app, name="dlq")


@ops_app.callback()
def ops(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
) -> None:
    """The overview (see README, Operating)."""
    if ctx.invoked_subcommand is not None:
        return
    from verdictflow.platform.ops import overview
    from verdictflow.platform.readmodel import read_model_database
    from verdictflow.platform.settings import get_settings

    settings = get_settings()
    db = read_model_database(settings)

    async def main() -> Overview:
        return await overview(settings, db, await _client(settings))

    try:
        result = asyncio.run(main())
    finally:
        db.dispose()
    if as_json:
        print(json.dumps(dataclasses.asdict(result), ensure_ascii=False, indent=2))
        return
    for line in describe(result, settings.receipt_timeout_seconds):
        print(line)


async def _client(settings: Settings) -> Client | None:
    from verdictflow.platform.keys import keystore_for
    from verdictflow.platform.temporal import connect

    try:
        return await asyncio.wait_for(connect(settings, keystore_for(settings)), 10)
    except Exception:  # noqa: BLE001 - the overview says Temporal is away
        return None


def describe(o: Overview, receipt_timeout_seconds: int) -> list[str]:
    lines = [f"Overdue tasks: {len(o.overdue_tasks)}"]
    lines += [f"  {t.task_id}  {t.kind:<8} {t.org_id}  due {t.due_on} "
              f"({t.days_overdue} d overdue)  case {t.case_id}" for t in o.overdue_tasks]
    lines.append(f"Receipts overdue (past {receipt_timeout_seconds} s): "
                 f"{len(o.receipts_overdue)}")
    lines += [f"  {r.case_id}  to {r.housing_org_id}  disclosed {r.disclosed_at} "
              f"({r.waiting_seconds // 60} min)" for r in o.receipts_overdue]
    lines.append(f"Failing activities: {len(o.failing_activities)}")
    lines += [f"  {a.workflow_id}  {a.workflow_type}.{a.activity_type}  attempt {a.attempt}"
              f"  {a.failure_type or ''}" for a in o.failing_activities]
    lines.append("Dead letters:")
    lines += [f"  {d.topic}.dlq: {d.depth}" + (
        f", oldest {d.oldest_position} [{d.oldest_reason_code}] {d.oldest_reason}"
        if d.depth else "") for d in o.dead_letters]
    lines.append("Ingest lag:")
    lines += [f"  {g.topic}[{g.partition}]: {g.lag} (end {g.end_offset}, committed "
              f"{g.committed if g.committed is not None else '-'})" for g in o.ingest_lag]
    lines += [f"✗ {part} unavailable: {why}" for part, why in o.unavailable.items()]
    return lines


@ops_dlq_app.command("replay")
def dlq_replay_all(
    topic: Annotated[str, typer.Argument(help="The source topic, e.g. police.verdicts.v1")],
    actor: Annotated[str, typer.Option(help="Who orders the replay (audited).")] = "operator",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Re-drive every dead letter of TOPIC that can be read now, each once (recorded)."""
    from verdictflow.platform.dlq import DeadLetterError, replay_all
    from verdictflow.platform.keys import keystore_for
    from verdictflow.platform.readmodel import read_model_database
    from verdictflow.platform.settings import get_settings

    settings = get_settings()
    db = read_model_database(settings)
    try:
        report = asyncio.run(replay_all(settings, keystore_for(settings), db, topic, actor))
    except DeadLetterError as exc:
        print(f"✗ {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    finally:
        db.dispose()
    if as_json:
        print(json.dumps(dataclasses.asdict(report), indent=2))
        return
    print(f"✓ replayed {len(report.replayed)} to {topic}: {' '.join(report.replayed)}")
    print(f"  replayed before (left alone): {len(report.before)}")
    if report.failed_again:
        print(f"  failed again after a replay (look at their reasons): "
              f"{' '.join(report.failed_again)}")
    for position, why in report.unreadable.items():
        print(f"  not readable now {position}: {why}")
