"""The worker's payload converter reads back what Temporal's own does, resolving each
dataclass's field types once."""

from __future__ import annotations

import dataclasses
import typing
from enum import IntEnum

import pytest
from temporalio.converter import DefaultPayloadConverter

from tests.workflows.fakes import FakeActivities, case_input, decision
from verdictflow.domain.case import Stage
from verdictflow.domain.policy import EligibilityDecision
from verdictflow.platform import payloads
from verdictflow.platform.payloads import PayloadConverter
from workflows.case.messages import CaseInput, CaseStatus, CaseTerms

TEMPORAL = DefaultPayloadConverter()
OURS = PayloadConverter()


class Level(IntEnum):
    LOW = 1


@dataclasses.dataclass(frozen=True)
class Counted:
    level: Level
    stages: list[Stage]
    note: str | None = None
    seen: int = dataclasses.field(default=0, init=False)


VALUES = [
    (case_input(), CaseInput),
    (decision(), EligibilityDecision),
    (FakeActivities().terms, CaseTerms),
    (CaseStatus(case_id="case-1", stage=Stage.DISCLOSED), CaseStatus),
    (Counted(level=Level.LOW, stages=[Stage.REGISTERED, Stage.DISCLOSED]), Counted),
    ([Stage.DISCLOSED], list[Stage]),
    (None, Counted | None),
]


@pytest.mark.parametrize(("value", "hint"), VALUES)
def test_reads_back_what_temporal_reads_back(value: object, hint: type) -> None:
    written = TEMPORAL.to_payloads([value])
    assert OURS.to_payloads([value]) == written  # writing is Temporal's, unchanged
    ours = OURS.from_payloads(written, [hint])[0]
    assert ours == TEMPORAL.from_payloads(written, [hint])[0] == value
    assert type(ours) is type(value)


def test_an_init_false_field_is_restored_on_a_frozen_class() -> None:
    written = TEMPORAL.to_payloads([{"level": 1, "stages": [], "seen": 7}])
    assert OURS.from_payloads(written, [Counted])[0].seen == 7


@pytest.mark.parametrize(("raw", "problem"), [
    ({"stages": []}, "level"),                          # required field missing
    ({"level": "1", "stages": []}, "Failed converting field level"),  # str for an IntEnum
    ({"level": 1, "stages": ["no-such-stage"]}, "Failed converting field stages"),
    ([1], "not dict"),
])
def test_what_temporal_refuses_is_refused(raw: object, problem: str) -> None:
    written = TEMPORAL.to_payloads([raw])
    with pytest.raises(TypeError, match=problem):
        TEMPORAL.from_payloads(written, [Counted])
    with pytest.raises(TypeError, match=problem):
        OURS.from_payloads(written, [Counted])


def test_each_class_is_resolved_once(monkeypatch: pytest.MonkeyPatch) -> None:
    resolved: list[type] = []
    real = typing.get_type_hints

    def counting(cls: type) -> dict[str, object]:
        resolved.append(cls)
        return real(cls)

    monkeypatch.setattr(payloads, "_FIELDS", type(payloads._FIELDS)())
    monkeypatch.setattr(payloads.typing, "get_type_hints", counting)
    written = TEMPORAL.to_payloads([case_input()])
    for _ in range(3):
        OURS.from_payloads(written, [CaseInput])
    assert resolved.count(CaseInput) == 1
    assert len(resolved) == len(set(resolved)) > 1  # the nested dataclasses, once each
