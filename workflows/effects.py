"""How the workflows run their activities (their effects): one timeout and one retry policy,
each setting with its reason.

Every activity is idempotent on a key derived from its input (written beside each one in
``activities/``): an upsert on the case, task or block id, or an event id derived from it.
So running one again, after a timeout, a lost worker or a failed attempt, has the effect of
running it once; that is what makes the short timeout and the endless retries safe.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TypedDict

from temporalio.common import RetryPolicy

# One database write or one Kafka publish takes seconds at worst; an attempt cut off by a
# killed worker is noticed only when this runs out, so it is short (it was 2 min: a chaos
# run held cases that long). An attempt that times out is simply retried.
EFFECT_TIMEOUT = timedelta(seconds=30)

RETRY = RetryPolicy(
    # Kafka or the database away for hours must not fail a case that lives for years:
    # attempts are unlimited (the default), at least every 5 minutes once backed off.
    maximum_interval=timedelta(minutes=5),
    # Bad input is not cured by retrying: the activity fails and the workflow sees why.
    non_retryable_error_types=["ValueError"],
)


class EffectOptions(TypedDict):
    start_to_close_timeout: timedelta
    retry_policy: RetryPolicy


# ``workflow.execute_activity_method(..., **EFFECT)``
EFFECT: EffectOptions = {"start_to_close_timeout": EFFECT_TIMEOUT, "retry_policy": RETRY}


# Reads and pure computations that change nothing (the case's terms from configuration,
# the partnership from reference data, the assessment on the pinned policy) run as *local*
# activities: in the workflow's own task, with no activity task of their own to schedule,
# dispatch and complete. A local activity is at-least-once like any other, and more than
# once after a lost worker task; for a read or a computation that is harmless. An effect
# keeps ``EFFECT`` unless it is idempotent on a key kept outside the workflow
# (``LOCAL_EFFECT`` below).
# A read takes well under a second; 10 s cuts off a hung connection without holding the
# workflow task long.
LOCAL_READ_TIMEOUT = timedelta(seconds=10)


class LocalOptions(TypedDict):
    start_to_close_timeout: timedelta
    retry_policy: RetryPolicy


# ``workflow.execute_local_activity_method(..., **LOCAL_READ)``. Same retries as ``EFFECT``
# and for the same reason: configuration or reference data away for hours must not fail a
# case (the SDK backs a long-failing local activity off with timers, not a busy loop), and
# bad input (ValueError) fails at once.
LOCAL_READ: LocalOptions = {"start_to_close_timeout": LOCAL_READ_TIMEOUT,
                                "retry_policy": RETRY}


# The effects on a new case's way to its decision task (the delivery of the disclosure and
# the opening of the task) run locally too: each spares the case an activity task and the
# workflow task its completion brings, half of what Temporal did per case before. That is
# safe because each is idempotent on a key kept outside the workflow (the delivery's
# sealed copy in the read model and the event id derived from the disclosure id; the task
# id and the stage's (case, seq)), so a local activity run again after a lost workflow
# task has the effect of running once. Its attempts are short (a publish and a few
# writes); Kafka or the database away is retried without end, backed off with timers.
LOCAL_EFFECT_TIMEOUT = timedelta(seconds=10)
LOCAL_EFFECT: LocalOptions = {"start_to_close_timeout": LOCAL_EFFECT_TIMEOUT,
                                  "retry_policy": RETRY}
