"""When an unanswered task reminds and escalates: the schedule, apart from the timers.

A task's organisation is reminded on each of the policy's reminder days and told the
deadline was missed on the deadline day, all counted from the day the task opened. The
case workflow waits for each checkpoint in turn and sends its notice only if the task is
still unanswered then. At the deadline the task is escalated to the organisation's
supervisors and reminded again on a cadence until it is answered
(``escalation_reminders``); a pending appeal that never reports back is put to the police
district after ``finality_check_day``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
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


def escalation_reminders(deadline_days: int, cadence_days: int) -> Iterator[int]:
    """The days (after the task opened) on which an escalated task still unanswered is
    reminded again: every ``cadence_days`` after the deadline, without end, until the task
    is answered (the workflow stops asking once it is). A cadence below one day is taken as
    one: a reminder a day is the most a supervisor is sent."""
    cadence = max(1, cadence_days)
    day = deadline_days
    while True:
        day += cadence
        yield day


def finality_check_day(appeal_window_days: int, margin_days: int) -> int:
    """How long after it began to wait a pending appeal with no news (neither finalized nor
    overturned) waits before the police district is asked what became of it: the appeal
    window (retsplejeloven § 904, stk. 1 [ANKE]) plus our margin for the appeal court and
    the police system to report; never less than a day."""
    return max(1, appeal_window_days + max(0, margin_days))
