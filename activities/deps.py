"""What the activities need from the outside world, built once per worker process."""

from __future__ import annotations

from dataclasses import dataclass

from verdictflow.domain.partnerships import Partnerships, load_partnerships
from verdictflow.domain.policy import EligibilityPolicy, load_policy
from verdictflow.kafka import EventPublisher
from verdictflow.keys import KeyStore, keystore_for
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
        return cls(
            settings=settings,
            keys=keystore_for(settings),
            publisher=EventPublisher(settings),
            policy=load_policy(settings.policy_file.read_text()),
            partnerships=load_partnerships(settings.partnerships_file.read_text()),
        )
