"""Where a case's time went, leg by leg, from a bench run's state directory.

    .venv/bin/python bench/cases.py --n 500,2000 --state-dir /tmp/vf-bench   # keeps it
    .venv/bin/python bench/legs.py /tmp/vf-bench [--since STARTED_AT] [--until EPOCH_S]

``STARTED_AT``: a backlog line's ``started_at``. Prints one JSON line: per leg, p50/p90/mean
seconds over the cases started (ingest's ``case_started``) in the window that reached
``awaiting_decision``. Stage times are the
workflow's (``case_stages.at``: when the workflow task that recorded them began); the other
marks are the services' log lines (``case_started``, the gateway's ``disclosure_received``,
ingest's ``receipt_signalled``), so a leg between a stage and a log line can come out
negative by the time a stage record waited for the worker. Ids only: nothing personal is
read.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
from datetime import UTC, datetime
from pathlib import Path

LEGS = ("start→registered", "registered→eligibility", "eligibility→disclosed",
        "disclosed→gateway_received", "gateway_received→receipt_signalled",
        "receipt_signalled→awaiting_decision", "start→awaiting_decision")


def _epoch(value: str) -> float:
    at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


def marks(log: Path, events: set[str]) -> dict[tuple[str, str], float]:
    """(event, case id) → when a service first logged it."""
    found: dict[tuple[str, str], float] = {}
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("event") in events and entry.get("case_id"):
            found.setdefault((entry["event"], entry["case_id"]), _epoch(entry["timestamp"]))
    return found


def legs(state: Path, since: float, until: float) -> dict[str, list[float]]:
    ingest = marks(state / "logs" / "ingest.json.log", {"case_started", "receipt_signalled"})
    gateway = marks(state / "logs" / "gateways.json.log", {"disclosure_received"})
    stages: dict[str, dict[str, float]] = {}
    with sqlite3.connect(state / "verdictflow.db") as db:
        for case_id, stage, at in db.execute("SELECT case_id, stage, at FROM case_stages"):
            stages.setdefault(case_id, {})[stage] = _epoch(str(at))
    out: dict[str, list[float]] = {leg: [] for leg in LEGS}
    for case_id, at in stages.items():
        start = ingest.get(("case_started", case_id))
        if start is None or not since <= start < until or "awaiting_decision" not in at:
            continue
        points = [start, at.get("registered"), at.get("eligibility"), at.get("disclosed"),
                  gateway.get(("disclosure_received", case_id)),
                  ingest.get(("receipt_signalled", case_id)), at["awaiting_decision"]]
        for leg, a, b in zip(LEGS, points, points[1:], strict=False):
            if a is not None and b is not None:
                out[leg].append(b - a)
        out[LEGS[-1]].append(at["awaiting_decision"] - start)
    return out


def describe(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    ordered = sorted(values)
    return {"p50_s": round(ordered[len(ordered) // 2], 2),
            "p90_s": round(ordered[int(0.9 * len(ordered))], 2),
            "mean_s": round(statistics.fmean(ordered), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("state", type=Path)
    parser.add_argument("--since", type=float, default=0.0, help="cases started from (epoch s)")
    parser.add_argument("--until", type=float, default=float("inf"))
    args = parser.parse_args()
    found = legs(args.state, args.since, args.until)
    print(json.dumps({"cases": len(found[LEGS[-1]]),
                      **{leg: describe(values) for leg, values in found.items()}},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
