"""The benchmark runs end to end at N=5 and prints what it promises (not a measurement)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.bench]
ROOT = Path(__file__).resolve().parents[2]


def test_bench_prints_one_line_per_scenario_with_its_conditions(tmp_path: Path) -> None:
    # Its own stack, next to the test session's: ports moved past the session's offset.
    offset = int(os.environ.get("VF_TEST_PORT_OFFSET", "0")) + 50
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "cases.py"), "--n", "5", "--rate", "5",
         "--steady-seconds", "1", "--page-requests", "3", "--timeout", "120",
         "--port-offset", str(offset), "--state-dir", str(tmp_path / "state")],
        capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    by_name = {line["scenario"]: line for line in lines}
    assert list(by_name) == ["backlog", "steady", "open_cases"]
    for line in lines:
        assert line["temporalio"] and line["temporal_server"] and "cpu_steal_pct" in line
    backlog, steady = by_name["backlog"], by_name["steady"]
    assert backlog["completed"] == 5 and backlog["cases_per_s"] > 0
    assert backlog["case_activities"] == 0  # lean-disclosure: everything before the task is local
    assert backlog["bare_same_activities"]["activities"] == backlog["case_activities"]
    assert backlog["ratio_to_bare_1_activity"] > 0
    assert steady["completed"] == 5 and steady["latency"]["p99_s"] > 0
    assert steady["ratio_to_bare_same_activities"]["p50"] > 0
    cases = by_name["open_cases"]
    assert cases["open_tasks"] >= 10 and cases["tasks_api"]["first_page_p95_s"] > 0
    assert {"worker", "ingest", "gateways", "api", "temporal", "kafka"} <= set(cases["rss_mb"])
