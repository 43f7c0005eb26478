"""What the activities need from the outside world, built once per worker process."""

from __future__ import annotations

from dataclasses import dataclass

from verdictflow.domain.partnerships import Partnerships
from verdictflow.domain.policy import EligibilityPolicy
from verdictflow.kafka import EventPublisher
from verdictflow.keys import KeyStore, keystore_for
from verdictflow.reference import load_reference
from verdictflow.settings import Settings


@dataclass
class Deps:
    settings: Settings
    keys: KeyStore
    publisher: EventPublisher
    policy: EligibilityPolicy
    partnerships: Partnerships

    @classmethod
    def build(cls, settings: Settings) -> Deps:
        reference = load_reference(settings)
        return cls(
            settings=settings,
            keys=keystore_for(settings),
            publisher=EventPublisher(settings),
            policy=reference.policy,
            partnerships=reference.partnerships,
        )
