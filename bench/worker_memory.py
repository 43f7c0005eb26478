"""What a cached case workflow costs the worker in memory: RSS at 0, 500, ... open cases.

One process hosts a worker of the real workflows (sandbox on, the worker's data converter)
with the stand-in activities of ``tests/workflows/fakes.py``, on a local Temporal dev server
of its own (a free port). Cases are opened to ``awaiting_decision`` (disclosed, receipted,
the caseworker's task open: what ``bench/cases.py --open-cases`` holds), step by step, and
after each step it prints one JSON line: the process's RSS, and with ``--tracemalloc`` the
Python allocations that grew since the step before, by file (what a cached case is made of;
the rest of RSS growth is the SDK's native core and the allocator).

    .venv/bin/python -m bench.worker_memory --steps 0,500,1000,2000

Not a test: a measurement that prints figures with their conditions.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def grown_by_file(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot,
                  cases: int) -> dict[str, float]:
    """KB per case that each file's allocations grew by (the top ten)."""
    stats = after.compare_to(before, "filename")
    top = sorted(stats, key=lambda s: s.size_diff, reverse=True)[:10]
    repo = str(Path(__file__).resolve().parents[1]) + "/"
    return {str(s.traceback[0].filename).replace(repo, "").split("site-packages/")[-1]:
            round(s.size_diff / 1024 / max(cases, 1), 2) for s in top}


async def main(args: argparse.Namespace) -> None:
    from temporalio.testing import WorkflowEnvironment
    from temporalio.worker import Worker

    from infra.temporal import register_search_attributes
    from services.worker import WORKFLOWS, worker_options
    from tests.workflows.fakes import FakeActivities
    from tests.workflows.test_case_workflow import awaiting_decision
    from verdictflow.platform.keys import FileKeyStore, provision
    from verdictflow.platform.reference import load_reference
    from verdictflow.platform.settings import Settings
    from verdictflow.platform.temporal import data_converter

    state = Path(tempfile.mkdtemp(prefix="vf-worker-memory-"))
    settings = Settings(environment="test", state_dir=state)
    keys = FileKeyStore(state / "keys")
    provision(keys, [o.id for o in load_reference(settings).partnerships.housing_organisations])
    env = await WorkflowEnvironment.start_local(
        data_converter=data_converter(keys, worker=True),
        dev_server_existing_path=str(BIN / "temporal"), dev_server_log_level="error")
    await register_search_attributes(env.client, "default")
    tq = f"mem-{uuid.uuid4().hex[:8]}"
    options: dict[str, Any] = worker_options(settings)
    options["max_cached_workflows"] = (args.cache if args.cache is not None
                                       else max(args.steps) + 100)
    conditions = {"bench": "worker_memory", "python": sys.version.split()[0],
                  "loadavg_start": os.getloadavg()[0], "tracemalloc": args.tracemalloc,
                  "shared_code": not args.no_shared_code,
                  "max_cached_workflows": options["max_cached_workflows"]}
    opened = 0
    sem = asyncio.Semaphore(args.concurrency)

    failed: list[str] = []

    async def open_one(i: int) -> None:
        async with sem:
            try:
                await awaiting_decision(env, tq, f"case-mem-{i:06d}")
            except Exception as exc:  # noqa: BLE001 - counted: a loaded machine times out
                failed.append(type(exc).__name__)

    try:
        async with Worker(env.client, task_queue=tq, workflows=WORKFLOWS,
                          activities=FakeActivities().all(), **options):
            snapshot = None
            base = None
            for step in args.steps:
                t0 = time.monotonic()
                await asyncio.gather(*(open_one(i) for i in range(opened, step)))
                fill_s = round(time.monotonic() - t0, 1)
                added, opened = step - opened, step
                await asyncio.sleep(1)
                gc.collect()
                rss = rss_mb()
                base = rss if base is None else base
                line: dict[str, Any] = {**conditions, "open_cases": step, "fill_s": fill_s,
                                        "rss_mb": rss, "not_opened": len(failed),
                                        "mb_per_case_since_0": round((rss - base) / step, 3)
                                        if step else None}
                if args.tracemalloc:
                    now = tracemalloc.take_snapshot()
                    if snapshot is not None:
                        line["python_kb_per_case_by_file"] = grown_by_file(snapshot, now, added)
                        line["python_kb_per_case"] = round(
                            sum(s.size_diff for s in now.compare_to(snapshot, "filename"))
                            / 1024 / max(added, 1), 1)
                    snapshot = now
                print(json.dumps(line), flush=True)  # noqa: T201 - a benchmark prints
    finally:
        await env.shutdown()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", default="0,500,1000,2000",
                   type=lambda s: [int(x) for x in s.split(",")])
    p.add_argument("--concurrency", type=int, default=20)
    p.add_argument("--tracemalloc", action="store_true")
    p.add_argument("--no-shared-code", action="store_true",
                   help="as the worker was before: each sandboxed import compiles its own code")
    p.add_argument("--cache", type=int, default=None,
                   help="max_cached_workflows (default: every case stays cached)")
    return p.parse_args(argv)


if __name__ == "__main__":
    arguments = parse()
    if not arguments.no_shared_code:  # as ``verdictflow worker`` does, before the imports
        from verdictflow.platform.bytecode import share_code

        share_code(("workflows",))
    if arguments.tracemalloc:
        tracemalloc.start()
    asyncio.run(main(arguments))
