"""``GET /tasks`` with many open tasks, on a throwaway read model: how long a page takes.

Fills a temporary SQLite read model with ``--tasks`` open tasks of one housing organisation
(each with a case in one of three areas, a deadline, a sealed disclosure of the usual size,
one in ten escalated), as many closed ones and another organisation's, then asks the real
app (in process, through its ASGI interface: routing, auth, query, serialization) for
pages as that organisation's caseworker: the first page, the cursor pages after it, and
first and cursor pages with each filter (area, kind, due before). One JSON line: p50 and
p95 per kind of request, wall time and the process's CPU time (the app runs in this
process: CPU time is what a request costs, whatever else the machine runs). The bench's
``open_cases`` scenario measures the same over HTTP on the whole stack; this isolates the
API and fills in seconds.

    .venv/bin/python -m bench.tasks_page --tasks 10000

Not a test: a measurement that prints figures with their conditions.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from services.api.app import create_app
from services.api.auth import issue_dev_token
from verdictflow.platform.keys import FileKeyStore, provision
from verdictflow.platform.readmodel import CaseRecord, Task, read_model_database
from verdictflow.platform.settings import Settings

ORG, OTHER = "bbs", "ab-sydkysten"
AREAS = ("broendby-strand", "motalavej", "ringparken")


def fill(settings: Settings, n: int) -> None:
    db = read_model_database(settings)
    rnd = random.Random(11)
    today = date.today()
    sealed = "x" * 3000  # the size of a sealed disclosure's JSON; never read by a page
    with db.session() as s:
        for i in range(n * 2 + n // 4):
            org = OTHER if i >= n * 2 else ORG
            status = "open" if i < n or i >= n * 2 else "done"
            case_id = f"case-{i:06d}"
            s.add(CaseRecord(case_id=case_id, stage="awaiting_decision", area_id=AREAS[i % 3],
                             housing_org_id=org, police_district="kbh-vestegn"))
            s.add(Task(task_id=f"{case_id}-decision", case_id=case_id,
                       kind="review" if i % 20 == 0 else "decision", org_id=org,
                       status=status, due_on=today + timedelta(days=rnd.randint(-30, 60)),
                       sealed_disclosure=sealed,
                       escalated_at=datetime.now(UTC) if i % 10 == 0 else None,
                       escalated_to="supervisor" if i % 10 == 0 else None))
            if i % 1000 == 999:
                s.commit()
        s.commit()
    db.dispose()


def pct(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] * 1000, 2)


def pages(client: TestClient, headers: dict[str, str], params: dict[str, str],
          requests: int) -> dict[str, Any]:
    first: list[float] = []
    later: list[float] = []
    cpu: list[float] = []
    cursor: str | None = None
    rows = 0
    for _ in range(requests):
        started, cpu_started = time.perf_counter(), time.process_time()
        r = client.get("/tasks", params={**params, **({"cursor": cursor} if cursor else {})},
                       headers=headers)
        (later if cursor else first).append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        r.raise_for_status()
        rows = max(rows, len(r.json()))
        cursor = r.headers.get("x-next-cursor")
    return {"page_rows": rows, "first_p50_ms": pct(first, 50), "first_p95_ms": pct(first, 95),
            "first_n": len(first), "next_p50_ms": pct(later, 50) if later else None,
            "next_p95_ms": pct(later, 95) if later else None, "next_n": len(later),
            "cpu_p50_ms": pct(cpu, 50), "cpu_p95_ms": pct(cpu, 95)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tasks", type=int, default=10_000)
    p.add_argument("--requests", type=int, default=60, help="per kind; cursor pages chain")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="vf-tasks-page-") as state:
        settings = Settings(environment="test", state_dir=Path(state))
        keys = FileKeyStore(settings.keys_dir)
        provision(keys, [ORG, OTHER])
        t0 = time.monotonic()
        fill(settings, args.tasks)
        fill_s = round(time.monotonic() - t0, 1)
        headers = {"Authorization": f"Bearer {issue_dev_token(settings, keys, ORG)}"}
        read_model = read_model_database(settings)
        results: dict[str, Any] = {}
        with TestClient(create_app(settings, database=read_model)) as client:
            pages(client, headers, {}, 5)  # warm: connections, first queries
            due = (date.today() + timedelta(days=7)).isoformat()
            filters: list[tuple[str, dict[str, str]]] = [
                ("none", {}), ("area", {"area": AREAS[1]}), ("kind", {"kind": "decision"}),
                ("due_before", {"due_before": due})]
            for name, params in filters:
                # one chain of cursor pages, then first pages only (a fresh cursor each time)
                chained = pages(client, headers, params, args.requests)
                firsts = [pages(client, headers, params, 1)["first_p95_ms"]
                          for _ in range(args.requests // 3)]
                chained["first_p50_ms"] = sorted(firsts)[len(firsts) // 2]
                chained["first_p95_ms"] = sorted(firsts)[int(len(firsts) * 0.95)]
                chained["first_n"] = len(firsts) + 1
                results[name] = chained
        read_model.dispose()
    print(json.dumps({"bench": "tasks_page", "python": sys.version.split()[0],  # noqa: T201
                      "loadavg_start": os.getloadavg()[0], "open_tasks": args.tasks,
                      "other_rows": args.tasks + args.tasks // 4, "fill_s": fill_s,
                      "filters": results}), flush=True)


if __name__ == "__main__":
    main()
