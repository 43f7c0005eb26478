"""The Temporal side of operating: the SDK's Prometheus series from a real Runtime, and a
trace id bound where a workflow is started reaching the log lines of its activities.

A Runtime of its own (``verdictflow.platform.temporal.runtime``, as the worker builds it)
exports on a free loopback port; a time-skipping server runs on that Runtime with the
tracing interceptor that ``connect`` installs, and a worker on it runs a small workflow.
"""

from __future__ import annotations

import socket
import sys
import uuid
from pathlib import Path

import httpx
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.workflows.ops_probe import OpsProbe, ops_probe, seen
from verdictflow.platform.temporal import runtime, sdk_metrics_bind
from verdictflow.platform.tracing import TracingInterceptor, bind_trace

SERVER = Path(sys.executable).parent / "temporal-test-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_sdk_metrics_and_the_trace_id_reach_the_activity(tmp_path: Path) -> None:
    from verdictflow.platform.settings import Settings

    port = _free_port()
    settings = Settings(environment="test", state_dir=tmp_path, sdk_metrics_port_worker=port)
    bind = sdk_metrics_bind(settings, "worker")
    assert bind == f"127.0.0.1:{port}" and sdk_metrics_bind(settings, "ingest") is None
    env = await WorkflowEnvironment.start_time_skipping(
        runtime=runtime(bind), interceptors=[TracingInterceptor()],
        test_server_existing_path=str(SERVER) if SERVER.exists() else None)
    try:
        queue = f"tq-{uuid.uuid4().hex[:8]}"
        async with Worker(env.client, task_queue=queue, workflows=[OpsProbe],
                          activities=[ops_probe]):
            with bind_trace("evt-0001"):
                result = await env.client.execute_workflow(
                    OpsProbe.run, id=f"wf-{queue}", task_queue=queue)
        assert result == "ok"
    finally:
        await env.shutdown()

    [context] = seen
    assert context["trace_id"] == "evt-0001"
    assert context["workflow_id"] == f"wf-{queue}" and context["activity"] == "ops_probe"
    text = httpx.get(f"http://{bind}/metrics", timeout=5).text
    for series in ("temporal_workflow_completed_total", "temporal_activity_execution_latency",
                   "temporal_request_total"):
        assert series in text, series
