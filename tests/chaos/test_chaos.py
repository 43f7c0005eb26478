"""Faults done to the real system while verdicts are in flight: nothing lost, nothing doubled.

Each scenario sends its own eligible verdicts, so each must end as one case, one sealed
disclosure (on the topic and kept by the gateway) and one open decision task; SIGKILL
leaves no chance to commit, flush or say goodbye, and the part is then restarted
through the supervisor as an operator's process manager would. Nothing else is helped.
"""

from __future__ import annotations

import os

import pytest

from tests.chaos import tally
from tests.chaos.scenario import Scenario

pytestmark = pytest.mark.chaos
N = int(os.environ.get("VF_CHAOS_VERDICTS", "50"))  # per scenario
KAFKA_AWAY = float(os.environ.get("VF_CHAOS_KAFKA_AWAY_SECONDS", "10"))
# The activities the kill cut off are retried after their start-to-close timeout (30 s,
# workflows/effects.py) or once Temporal is back, whichever is later.
TEMPORAL_AWAY = float(os.environ.get("VF_CHAOS_TEMPORAL_AWAY_SECONDS", "60"))


async def test_verdicts_sent_three_times(chaos, record_property) -> None:  # noqa: ANN001
    s = Scenario.of("duplicates", chaos, N)
    await s.send()
    await s.send()  # a producer's retry: the same event
    await s.send(again_with_new_event_id=True)  # the same verdict registered again
    await s.settle(record_property)
    # The count sees absence: a verdict never sent is missing from every kind.
    control = await tally.count(chaos.settings, {*s.case_ids, s.case_id_of("never-sent")})
    assert (control.lost, control.doubled) == (len(tally.KINDS), 0)


async def test_worker_killed_twice_in_flight(chaos, record_property) -> None:  # noqa: ANN001
    s = Scenario.of("worker", chaos, N)
    await s.send()
    await s.kill("worker", when="tasks", at_least=0.15)
    await s.kill("worker", when="tasks", at_least=0.5)
    await s.settle(record_property)


async def test_ingest_killed_mid_batch(chaos, record_property) -> None:  # noqa: ANN001
    s = Scenario.of("ingest", chaos, N)
    await s.send()
    await s.kill("ingest", when="cases", at_least=0.2)
    await s.settle(record_property)


async def test_gateways_killed_mid_flight(chaos, record_property) -> None:  # noqa: ANN001
    s = Scenario.of("gateways", chaos, N)
    await s.send()
    await s.kill("gateways", when="tasks", at_least=0.2)
    await s.settle(record_property)


async def test_kafka_killed_and_restarted(chaos, record_property) -> None:  # noqa: ANN001
    s = Scenario.of("kafka", chaos, N)
    await s.send()
    await s.kill("kafka", when="cases", at_least=0.25, away=KAFKA_AWAY)
    await s.settle(record_property)


async def test_temporal_killed_and_restarted(chaos, record_property) -> None:  # noqa: ANN001
    s = Scenario.of("temporal", chaos, N)
    await s.send()
    await s.kill("temporal", when="cases", at_least=0.25, away=TEMPORAL_AWAY)
    await s.settle(record_property)
