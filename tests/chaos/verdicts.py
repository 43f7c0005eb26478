"""Eligible police verdicts for the chaos scenarios, each with its own verdict id and person.

They are the demo's eligible samples, restamped: a fresh verdict id, a fresh CPR number
(the sample's birth date, a serial of its own) and an event id derived from the verdict
id, so a verdict sent again is a repeat of the same event. Each one is checked against
the policy here, so a case that ends ``not_eligible`` can never pass for a lost one.
"""

from __future__ import annotations

import copy
import itertools
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from verdictflow.domain.policies import assess_pinned
from verdictflow.domain.samples import SampleVerdict, sample_verdicts
from verdictflow.domain.topics import VERDICT_REGISTERED
from verdictflow.domain.verdict import verdict_from_data
from verdictflow.platform.reference import Reference

_NAMESPACE = uuid.UUID("5e7b1c2a-0c4d-4f0e-9b1a-c4a05c4a05c4")
_serials = itertools.count(1)  # CPR serials, unique across the session's scenarios


@dataclass(frozen=True)
class ChaosVerdict:
    verdict_id: str
    org_id: str  # the housing organisation the policy sends it to
    event: dict[str, Any]  # dk.politi.verdict.registered.v1


def _templates(reference: Reference, today: date) -> list[SampleVerdict]:
    """Eligible samples that are one final registration (no appeal, no overturn)."""
    return [
        s for s in sample_verdicts(reference.partnerships, today)
        if s.expected_outcome == "eligible"
        and {e["type"] for e in s.events} == {VERDICT_REGISTERED}
        and s.events[0]["data"]["final"]
    ]


def eligible_verdicts(reference: Reference, scenario: str, run: str, n: int) -> list[ChaosVerdict]:
    """``n`` distinct verdicts the policy discloses, spread over every eligible sample."""
    today = date.today()
    templates = _templates(reference, today)
    assert templates, "the samples hold no eligible verdict"
    out = []
    for i in range(n):
        template = templates[i % len(templates)]
        serial = next(_serials)
        assert serial < 1000, "CPR serials exhausted: fewer verdicts per session"
        verdict_id = f"CHAOS-{run}-{scenario}-{i:04d}"
        event = copy.deepcopy(template.events[0])
        event["id"] = str(uuid.uuid5(_NAMESPACE, verdict_id))
        event["subject"] = verdict_id
        data = event["data"]
        data["verdict_id"] = verdict_id
        data["person"]["cpr"] = template.cpr[:6] + f"9{serial:03d}"
        policy = reference.policies.for_new_case(today).version
        decision = assess_pinned(verdict_from_data(data), reference.policies, policy,
                                 reference.partnerships, today)
        assert decision.outcome == "eligible" and decision.housing_org_id, template.key
        out.append(ChaosVerdict(verdict_id, decision.housing_org_id, event))
    return out
