"""Loading the policy and the partnerships from their configuration files."""

from __future__ import annotations

from dataclasses import dataclass

from verdictflow.domain.eligibility_policy import EligibilityPolicy, load_policy
from verdictflow.domain.partnerships import Partnerships, load_partnerships
from verdictflow.platform.settings import Settings


@dataclass(frozen=True)
class Reference:
    policy: EligibilityPolicy
    partnerships: Partnerships


def load_reference(settings: Settings) -> Reference:
    return Reference(
        policy=load_policy(settings.policy_file.read_text(encoding="utf-8")),
        partnerships=load_partnerships(settings.partnerships_file.read_text(encoding="utf-8")),
    )
