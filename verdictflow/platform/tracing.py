"""One trace id per Kafka message or request, from ingest into the workflow it starts and
every activity that workflow runs, in the ``trace_id`` field of each log line.

It travels as a Temporal header (``vf-trace-id``), not in a memo or a search attribute:
headers are not indexed or shown as the case's data, and the id is no personal data
(``verdictflow.domain.tracing``). The client side (ingest, the API) adds the trace id
bound with ``bind_trace`` to each workflow start and signal; the workflow side copies the
start's header onto the activities it schedules (headers take no part in replay); the
activity side binds it, with the workflow id, to the log context.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import structlog
import temporalio.activity
import temporalio.client
import temporalio.converter
import temporalio.worker
from temporalio.api.common.v1 import Payload

TRACE_HEADER = "vf-trace-id"
_current: ContextVar[str | None] = ContextVar("vf_trace_id", default=None)
# Inside a workflow run: the start header, as received (never decoded there).
_workflow_trace: ContextVar[Payload | None] = ContextVar("vf_workflow_trace", default=None)


@contextmanager
def bind_trace(trace_id: str) -> Iterator[None]:
    """Log lines and Temporal calls made inside carry ``trace_id``."""
    token = _current.set(trace_id)
    try:
        with structlog.contextvars.bound_contextvars(trace_id=trace_id):
            yield
    finally:
        _current.reset(token)


def current_trace() -> str | None:
    return _current.get()


def _with_trace(headers: Mapping[str, Payload]) -> Mapping[str, Payload]:
    trace_id = _current.get()
    if trace_id is None or TRACE_HEADER in headers:
        return headers
    [payload] = temporalio.converter.default().payload_converter.to_payloads([trace_id])
    return {**headers, TRACE_HEADER: payload}


def trace_of(headers: Mapping[str, Payload]) -> str | None:
    payload = headers.get(TRACE_HEADER)
    if payload is None:
        return None
    value = temporalio.converter.default().payload_converter.from_payloads([payload])[0]
    return value if isinstance(value, str) else None


class _ClientOutbound(temporalio.client.OutboundInterceptor):
    async def start_workflow(self, input: temporalio.client.StartWorkflowInput) -> Any:
        input.headers = _with_trace(input.headers)
        return await super().start_workflow(input)

    async def signal_workflow(self, input: temporalio.client.SignalWorkflowInput) -> None:
        input.headers = _with_trace(input.headers)
        await super().signal_workflow(input)


class _ActivityInbound(temporalio.worker.ActivityInboundInterceptor):
    async def execute_activity(self, input: temporalio.worker.ExecuteActivityInput) -> Any:
        info = temporalio.activity.info()
        ids: dict[str, Any] = {"workflow_id": info.workflow_id, "activity": info.activity_type}
        trace_id = trace_of(input.headers)
        if trace_id is not None:
            ids["trace_id"] = trace_id
        with structlog.contextvars.bound_contextvars(**ids):
            return await super().execute_activity(input)


class _WorkflowOutbound(temporalio.worker.WorkflowOutboundInterceptor):
    def start_activity(self, input: temporalio.worker.StartActivityInput) -> Any:
        input.headers = _with_workflow_trace(input.headers)
        return super().start_activity(input)

    def start_local_activity(self, input: temporalio.worker.StartLocalActivityInput) -> Any:
        # A local activity logs like any other (the delivery, the task: they record stages).
        input.headers = _with_workflow_trace(input.headers)
        return super().start_local_activity(input)


def _with_workflow_trace(headers: Mapping[str, Payload]) -> Mapping[str, Payload]:
    trace = _workflow_trace.get()
    if trace is None or TRACE_HEADER in headers:
        return headers
    return {**headers, TRACE_HEADER: trace}


class _WorkflowInbound(temporalio.worker.WorkflowInboundInterceptor):
    def init(self, outbound: temporalio.worker.WorkflowOutboundInterceptor) -> None:
        super().init(_WorkflowOutbound(outbound))

    async def execute_workflow(self, input: temporalio.worker.ExecuteWorkflowInput) -> Any:
        # Set in the workflow's main task: activities it (and its children tasks) schedule
        # inherit it. Signal handlers run in their own contexts and leave it alone.
        _workflow_trace.set(input.headers.get(TRACE_HEADER))
        return await super().execute_workflow(input)


class TracingInterceptor(temporalio.client.Interceptor, temporalio.worker.Interceptor):
    """Given to ``Client.connect``; a worker built on that client uses it too."""

    def intercept_client(
        self, next: temporalio.client.OutboundInterceptor
    ) -> temporalio.client.OutboundInterceptor:
        return _ClientOutbound(next)

    def intercept_activity(
        self, next: temporalio.worker.ActivityInboundInterceptor
    ) -> temporalio.worker.ActivityInboundInterceptor:
        return _ActivityInbound(next)

    def workflow_interceptor_class(
        self, input: temporalio.worker.WorkflowInterceptorClassInput
    ) -> type[temporalio.worker.WorkflowInboundInterceptor] | None:
        return _WorkflowInbound
