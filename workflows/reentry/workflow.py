"""A re-entry block: an evicted tenant may be refused in the same area for two years.

Udlejningsbekendtgørelsen § 28: the years run from the termination date, the block is
limited to the municipality-assessed area, and it falls away if a court finds the
termination unjustified, if the landlord did not sue in time after the tenant objected,
or if the conviction is overturned (almenlejeloven § 92, stk. 4). The block lives as its
own workflow so that it outlasts the case's decision stage and lifts itself.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.reentry import ReentryActivities
    from verdictflow.domain.case import LiftReason
    from workflows import search_attributes as sa
    from workflows.effects import EFFECT
    from workflows.reentry.messages import BlockInput, BlockLifting, BlockResult, LiftRequest


@workflow.defn(name="ReentryBlock")
class ReentryBlockWorkflow:
    def __init__(self) -> None:
        self._lift: LiftRequest | None = None

    @workflow.run
    async def run(self, block: BlockInput) -> BlockResult:
        workflow.upsert_search_attributes(
            [sa.STAGE.value_set("blocked"), sa.AREA.value_set(block.area_id),
             sa.HOUSING_ORG.value_set(block.housing_org_id),
             sa.PERSON_REF.value_set(block.person_ref)]
        )
        await workflow.execute_activity_method(ReentryActivities.place_block, block, **EFFECT)

        expires = datetime.combine(date.fromisoformat(block.expires_on), time.min, UTC)
        remaining = max(expires - workflow.now(), timedelta(seconds=1))
        try:
            await workflow.wait_condition(lambda: self._lift is not None, timeout=remaining)
            reason = self._lift.reason if self._lift else LiftReason.EXPIRED  # always lifted
        except TimeoutError:
            reason = LiftReason.EXPIRED

        lifted_on = workflow.now().date().isoformat()
        await workflow.execute_activity_method(
            ReentryActivities.lift_block,
            BlockLifting(block=block, reason=reason, lifted_on=lifted_on,
                         at=workflow.now().isoformat()),
            **EFFECT,
        )
        workflow.upsert_search_attributes([sa.STAGE.value_set("lifted")])
        return BlockResult(block_id=block.block_id, lifted_on=lifted_on, reason=reason)

    @workflow.signal
    def lift(self, request: LiftRequest) -> None:
        if self._lift is None:
            self._lift = request

    @workflow.query
    def active(self) -> bool:
        return self._lift is None
