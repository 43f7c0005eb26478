"""When an unanswered task reminds and escalates: the schedule, apart from the timers.

A task's organisation is reminded on each of the policy's reminder days and told the
deadline was missed on the deadline day, all counted from the day the task opened. The
case workflow waits for each checkpoint in turn and sends its notice only if the task is
still unanswered then.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import NamedTuple


class Notice(StrEnum):
    REMINDER = "reminder"
    DEADLINE_MISSED = "deadline_missed"


class Checkpoint(NamedTuple):
    day: int  # days after the task opened
    notice: Notice


def task_schedule(reminder_days: Iterable[int], deadline_days: int) -> list[Checkpoint]:
    """The checkpoints in the order they fall due; on the same day the escalation goes
    before a reminder (the order running cases were built with: keep it)."""
    checkpoints = [Checkpoint(day, Notice.REMINDER) for day in reminder_days]
    checkpoints.append(Checkpoint(deadline_days, Notice.DEADLINE_MISSED))
    return sorted(checkpoints, key=lambda c: (c.day, c.notice != Notice.DEADLINE_MISSED))
