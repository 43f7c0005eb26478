"""The chaos suite's system: one per session, in ``$VF_STATE_DIR/chaos``, always stopped.

Run with ``make chaos`` (``pytest -m chaos tests/chaos``); ``make test`` leaves it out.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.chaos.system import chaos_system

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def chaos():  # noqa: ANN201
    # A directory of its own in the checkout's state dir; only the Kafka jars are shared.
    state = Path(os.environ.get("VF_STATE_DIR", REPO / ".state"))
    with chaos_system(state / "chaos", state / "kafka" / "libs") as system:
        yield system


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The scenarios' figures, one JSON line each, passed or failed, at the end of the run."""
    lines = [value for kind in ("passed", "failed")
             for report in terminalreporter.stats.get(kind, [])
             if report.when == "call"
             for name, value in report.user_properties if name == "chaos"]
    if lines:
        terminalreporter.section("chaos figures")
        for line in lines:
            terminalreporter.write_line(line)
