"""How much log a Kafka outage writes: the services run under the supervisor, as in
``make demo``, while the broker is stopped for ``--outage`` seconds.

Prints one JSON line: bytes written to ``{state_dir}/logs`` (every file, rotated backups
included) during the outage and during recovery, per file and in total, with the
conditions. Uses the ``VF_*`` environment: set the ports and ``VF_STATE_DIR`` to your own.

    .venv/bin/python bench/log_outage.py --outage 30
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

from infra import kafka, processes, stack
from verdictflow.cli.launcher import start_services
from verdictflow.platform.settings import get_settings


def sizes(logs: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in sorted(logs.iterdir()) if p.is_file()}


def grown(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {n: after[n] - before.get(n, 0) for n in after if after[n] != before.get(n, 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--outage", type=float, default=30.0, help="seconds without Kafka")
    parser.add_argument("--settle", type=float, default=15.0,
                        help="seconds to wait after starting, and after Kafka is back")
    parser.add_argument("--keep", action="store_true", help="leave the stack running")
    args = parser.parse_args()

    settings = get_settings()
    logs = processes.logs_dir(settings)
    with redirect_stdout(sys.stderr):  # the step lines; stdout carries the figures only
        stack.up(settings)
        start_services(settings)
    time.sleep(args.settle)
    try:
        before = sizes(logs)
        kafka.stop(settings)
        time.sleep(args.outage)
        during = sizes(logs)
        kafka.start(settings)
        time.sleep(args.settle)
        after = sizes(logs)
        outage = grown(before, during)
        recovery = grown(during, after)
        print(json.dumps({
            "bench": "log_outage", "outage_s": args.outage, "recovery_s": args.settle,
            "services": list(processes.running(settings)),
            "log_max_bytes": getattr(settings, "log_max_bytes", None),
            "outage_bytes": sum(outage.values()), "recovery_bytes": sum(recovery.values()),
            "outage_bytes_per_file": outage, "recovery_bytes_per_file": recovery,
            "logs_total_bytes": sum(after.values()),
        }), flush=True)
    finally:
        if not args.keep:
            with redirect_stdout(sys.stderr):
                stack.down(settings)


if __name__ == "__main__":
    main()
