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
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

from verdictflow.platform.codec import EncryptionCodec
from verdictflow.platform.keys import KeyStore
from verdictflow.platform.settings import Settings


def data_converter(keys: KeyStore, *, worker: bool = False) -> temporalio.converter.DataConverter:
    """``worker``: the worker's converter, which may seal a self-purged case's last payloads
    (ids and counts) under the platform key (``verdictflow.platform.codec``)."""
    primary, all_keys = keys.codec_keys()
    return dataclasses.replace(
        temporalio.converter.default(),
        payload_codec=EncryptionCodec(primary, all_keys, case_keys=keys.case_keys(),
                                      seal_after_purge=worker),
        # Failure messages and stack traces can quote personal data: encrypt them too.
        failure_converter_class=temporalio.converter.DefaultFailureConverterWithEncodedAttributes,
    )


@cache
def runtime() -> Runtime:
    """The SDK's native core, its log lines forwarded into Python's logging.

    By default the core writes its own coloured text to stderr, around the one redacting
    JSON formatter every other line goes through (verdictflow.platform.log).
    """
    forwarding = LogForwardingConfig(logger=logging.getLogger("temporalio.core"))
    return Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"), forwarding=forwarding)))


async def connect(settings: Settings, keys: KeyStore, *, worker: bool = False) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(keys, worker=worker),
        runtime=runtime(),
    )
