"""A workflow of one activity, for the tracing test: imports only what the sandbox allows."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow

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
