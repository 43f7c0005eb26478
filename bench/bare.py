"""A bare Temporal workflow of a given shape: ``activities`` no-op activities in sequence.

The yardstick for the case benchmark (``bench/cases.py``): the same server, the same
machine, the default data converter, nothing of verdictflow. Kept import-light: the
workflow sandbox re-imports this module for every run.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow

TASK_QUEUE = "verdictflow-bench-bare"


@activity.defn(name="bench_step")
async def step(n: int) -> int:
    return n + 1


@workflow.defn(name="BenchBare")
class BareWorkflow:
    @workflow.run
    async def run(self, activities: int) -> int:
        done = 0
        for i in range(activities):
            done = await workflow.execute_activity(
                step, i, start_to_close_timeout=timedelta(seconds=30))
        return done
