"""The stand-ins stand in for the real activities: all of them, under their names, with
their types (so a renamed or retyped activity fails here, not silently in a workflow)."""

from __future__ import annotations

import json

import pytest
from temporalio import activity

from activities.casebook import CaseBookActivities
from activities.disclosure import DisclosureActivities
from activities.eligibility import EligibilityActivities
from activities.municipality import MunicipalityActivities
from activities.reentry import ReentryActivities
from activities.requests import RequestActivities
from activities.retention import RetentionActivities
from tests.workflows.fakes import FakeActivities, activity_name, stand_in
from tests.workflows.record_histories import HISTORIES
from workflows.case.messages import PublishRequest, SealRequest

ACTIVITY_CLASSES = (CaseBookActivities, DisclosureActivities, EligibilityActivities,
                    ReentryActivities, RequestActivities, MunicipalityActivities,
                    RetentionActivities)


def real_activities() -> set[str]:
    return {activity_name(member) for cls in ACTIVITY_CLASSES for member in vars(cls).values()
            if activity._Definition.from_callable(member) is not None}


def test_every_real_activity_has_one_stand_in() -> None:
    names = [activity_name(a) for a in FakeActivities().all()]
    assert sorted(names) == sorted(real_activities())


def test_every_activity_a_recorded_history_ran_is_still_registered() -> None:
    recorded = {event["activityTaskScheduledEventAttributes"]["activityType"]["name"]
                for path in HISTORIES.glob("*.json")
                for event in json.loads(path.read_text())["events"]
                if "activityTaskScheduledEventAttributes" in event}
    assert recorded and recorded <= real_activities()


def test_a_stand_in_takes_the_real_activitys_name() -> None:
    @stand_in(DisclosureActivities.publish_disclosure)
    async def anything(req: PublishRequest) -> None:
        return None

    assert activity_name(anything) == "publish_disclosure"
    left = [activity_name(a) for a in FakeActivities().all(but=[anything])]
    assert "publish_disclosure" not in left and len(left) == len(real_activities()) - 1


def test_a_stand_in_of_another_shape_is_refused() -> None:
    with pytest.raises(TypeError, match="publish_disclosure"):
        @stand_in(DisclosureActivities.publish_disclosure)
        async def publish(req: SealRequest) -> None:
            return None

    with pytest.raises(TypeError, match="seal_disclosure"):
        @stand_in(DisclosureActivities.seal_disclosure)
        async def seal(req: SealRequest) -> None:
            return None
