"""The ast.parse guard: two threads parsing at once fail on CPython 3.11.7 and not with it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from verdictflow.platform.ast_guard import AFFECTED

RACE = Path(__file__).with_name("ast_race.py")


def _race(*args: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, str(RACE), *args], capture_output=True, text=True,
                         check=True, timeout=60)
    result: dict[str, object] = json.loads(out.stdout)
    return result


@pytest.mark.skipif(not AFFECTED, reason="this CPython counts each parse on its own")
def test_two_threads_parsing_at_once_fail_without_the_guard():
    # The control: shows the race this interpreter has, so the test below can fail.
    result = _race("20")
    assert result["failed"], result
    assert "recursion depth mismatch" in str(result["errors"])


def test_with_the_guard_no_parse_fails():
    result = _race("3", "guarded")
    assert result["failed"] == 0, result
    assert isinstance(result["parsed"], int) and result["parsed"] > 50, result


def test_this_test_session_parses_under_the_guard():
    import ast

    assert getattr(ast.parse, "__verdictflow_serialised__", False) is AFFECTED
