"""A workflow of one activity, for the tracing test: imports only what the sandbox allows."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    import structlog

seen: list[dict[str, object]] = []


@activity.defn(name="ops_probe")
async def ops_probe() -> str:
    seen.append(structlog.contextvars.get_contextvars())
    return "ok"


@workflow.defn(name="OpsProbe")
class OpsProbe:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(
            ops_probe, start_to_close_timeout=timedelta(seconds=10))


@activity.defn(name="ops_always_fails")
async def ops_always_fails(detail: str) -> None:
    # The message quotes data, as a careless activity's might: ops must not print it.
    raise RuntimeError(f"lookup failed for {detail}")


@workflow.defn(name="OpsFailing")
class OpsFailing:
    @workflow.run
    async def run(self, detail: str) -> None:
        await workflow.execute_activity(
            ops_always_fails, detail, start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=200),
                                     maximum_interval=timedelta(milliseconds=500)))
