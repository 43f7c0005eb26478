"""What the activities need from the outside world, built once per worker process."""

from __future__ import annotations

from dataclasses import dataclass

from verdictflow.domain.partnerships import Partnerships
from verdictflow.domain.policies import Policies
from verdictflow.platform.database import Database
from verdictflow.platform.kafka import EventPublisher
from verdictflow.platform.keys import KeyStore, keystore_for
from verdictflow.platform.readmodel import read_model_database
from verdictflow.platform.reference import load_reference
from verdictflow.platform.settings import Settings


@dataclass
class Deps:
    settings: Settings
    keys: KeyStore
    publisher: EventPublisher
    policies: Policies
    partnerships: Partnerships
    read_model: Database

    @classmethod
    def build(cls, settings: Settings) -> Deps:
        reference = load_reference(settings)
        return cls(
            settings=settings,
            keys=keystore_for(settings),
            publisher=EventPublisher(settings),
            policies=reference.policies,
            partnerships=reference.partnerships,
            read_model=read_model_database(settings),
        )
