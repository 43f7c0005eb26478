"""The schedule an unanswered task reminds and escalates on."""

from hypothesis import given
from hypothesis import strategies as st

from verdictflow.domain.reminders import Checkpoint, Notice, task_schedule

R, D = Notice.REMINDER, Notice.DEADLINE_MISSED


def test_the_policys_schedule_reminds_twice_then_escalates() -> None:
    assert task_schedule([7, 12], 14) == [(7, R), (12, R), (14, D)]


def test_reminders_fall_due_in_day_order() -> None:
    assert task_schedule([12, 3, 7], 14) == [(3, R), (7, R), (12, R), (14, D)]


def test_without_reminders_only_the_deadline() -> None:
    assert task_schedule([], 14) == [Checkpoint(14, D)]


def test_on_the_deadline_day_the_escalation_goes_first() -> None:
    assert task_schedule([14, 7], 14) == [(7, R), (14, D), (14, R)]


def test_a_reminder_after_the_deadline_still_falls_due() -> None:
    # The workflow sends a notice only while the task is unanswered; the schedule keeps it.
    assert task_schedule([20], 14) == [(14, D), (20, R)]


@given(st.lists(st.integers(min_value=0, max_value=400), max_size=6),
       st.integers(min_value=0, max_value=400))
def test_the_schedule_is_the_one_running_cases_were_built_with(
        reminder_days: list[int], deadline_days: int) -> None:
    # The expression the case workflow used before the helper: its order is in histories.
    before = sorted([(d, "reminder") for d in reminder_days]
                    + [(deadline_days, "deadline_missed")])
    schedule = task_schedule(reminder_days, deadline_days)
    assert [(c.day, c.notice.value) for c in schedule] == before
