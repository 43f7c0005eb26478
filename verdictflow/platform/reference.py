"""Loading the policies and the partnerships from their configuration files."""

from __future__ import annotations

from dataclasses import dataclass

from verdictflow.domain.partnerships import Partnerships, load_partnerships
from verdictflow.domain.policies import AnyPolicy, Policies, load_any_policy
from verdictflow.platform.settings import Settings

POLICY_FILES = "eligibility-policy-*.json"


@dataclass(frozen=True)
class Reference:
    policies: Policies
    partnerships: Partnerships


def load_policies(settings: Settings) -> Policies:
    versions: dict[str, AnyPolicy] = {}
    for path in sorted(settings.policy_dir.glob(POLICY_FILES)):
        try:
            policy = load_any_policy(path.read_text(encoding="utf-8"))
        except ValueError as e:
            raise ValueError(f"{path.name}: {e}") from e
        if policy.version in versions:
            raise ValueError(f"{path.name}: a second file for policy {policy.version!r}")
        versions[policy.version] = policy
    if not versions:
        raise ValueError(f"no {POLICY_FILES} in {settings.policy_dir}")
    return Policies(versions, pinned=settings.policy_version)


def load_reference(settings: Settings) -> Reference:
    return Reference(
        policies=load_policies(settings),
        partnerships=load_partnerships(settings.partnerships_file.read_text(encoding="utf-8")),
    )
