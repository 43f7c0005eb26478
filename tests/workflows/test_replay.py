"""Recorded histories replay against today's workflow code: a change that would break a
case already running (they live for years) fails here, before it ships."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from services.worker import WORKFLOWS
from tests.workflows.record_histories import HISTORIES, replay_converter

FILES = sorted(HISTORIES.glob("*.json"))


def test_there_are_histories_to_replay() -> None:
    assert len(FILES) >= 2


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
async def test_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=WORKFLOWS, data_converter=replay_converter())
    await replayer.replay_workflow(history)
