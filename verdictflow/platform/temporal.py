"""A Temporal client whose every payload goes through the encrypting codec."""

from __future__ import annotations

import dataclasses

import temporalio.converter
from temporalio.client import Client

from verdictflow.platform.codec import EncryptionCodec
from verdictflow.platform.keys import KeyStore
from verdictflow.platform.settings import Settings


def data_converter(keys: KeyStore) -> temporalio.converter.DataConverter:
    primary, all_keys = keys.codec_keys()
    return dataclasses.replace(
        temporalio.converter.default(),
        payload_codec=EncryptionCodec(primary, all_keys, case_keys=keys.case_keys()),
        # Failure messages and stack traces can quote personal data: encrypt them too.
        failure_converter_class=temporalio.converter.DefaultFailureConverterWithEncodedAttributes,
    )


async def connect(settings: Settings, keys: KeyStore) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(keys),
    )
