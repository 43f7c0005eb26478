"""A Temporal client whose every payload goes through the encrypting codec."""

from __future__ import annotations

import dataclasses
import logging
from functools import cache

import temporalio.converter
from temporalio.client import Client
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

from verdictflow.platform.codec import EncryptionCodec
from verdictflow.platform.keys import KeyStore
from verdictflow.platform.payloads import PayloadConverter
from verdictflow.platform.settings import Settings
from verdictflow.platform.tracing import TracingInterceptor


def data_converter(keys: KeyStore, *, worker: bool = False) -> temporalio.converter.DataConverter:
    """``worker``: the worker's converter, which may seal a self-purged case's last payloads
    (ids and counts) under the platform key (``verdictflow.platform.codec``)."""
    primary, all_keys = keys.codec_keys()
    return dataclasses.replace(
        temporalio.converter.default(),
        payload_converter_class=PayloadConverter,
        payload_codec=EncryptionCodec(primary, all_keys, case_keys=keys.case_keys(),
                                      seal_after_purge=worker),
        # Failure messages and stack traces can quote personal data: encrypt them too.
        failure_converter_class=temporalio.converter.DefaultFailureConverterWithEncodedAttributes,
    )


@cache
def runtime(metrics_bind: str | None = None) -> Runtime:
    """The SDK's native core, its log lines forwarded into Python's logging, and its
    metrics (workflow and activity task latencies, schedule-to-start, worker slots) served
    for Prometheus at ``metrics_bind`` (``host:port``) when given.

    By default the core writes its own coloured text to stderr, around the one redacting
    JSON formatter every other line goes through (verdictflow.platform.log). One Runtime
    per process and bind address: the core binds the port once.
    """
    forwarding = LogForwardingConfig(logger=logging.getLogger("temporalio.core"))
    metrics = (PrometheusConfig(bind_address=metrics_bind, counters_total_suffix=True,
                                durations_as_seconds=True) if metrics_bind else None)
    return Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"), forwarding=forwarding),
        metrics=metrics))


def sdk_metrics_bind(settings: Settings, service: str | None) -> str | None:
    """``VF_SDK_METRICS_PORT_<SERVICE>`` as a bind address, or None (off, or a tool)."""
    port = getattr(settings, f"sdk_metrics_port_{service}", 0) if service else 0
    return f"{settings.metrics_host}:{port}" if port else None


async def connect(settings: Settings, keys: KeyStore, service: str | None = None) -> Client:
    """A client for ``service`` (worker, ingest, api: its SDK metrics port applies; None
    for a command-line tool). Trace ids bound with ``platform.tracing.bind_trace`` travel
    with its starts and signals, and on into the activities of a worker built on it. The
    worker's converter may seal a self-purged case's last payloads (``data_converter``)."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(keys, worker=service == "worker"),
        runtime=runtime(sdk_metrics_bind(settings, service)),
        interceptors=[TracingInterceptor()],
    )
