"""Retention over: the case purges itself (crypto-shredding).

One activity does the whole purge and records the case's last stage (``purged``) before
the key goes, so the workflow can complete in the very task in which this result
arrives: after the key is destroyed nothing the case writes may need it (see
``verdictflow/platform/codec.py``). It shares ``shred_case`` with ``verdictflow case
purge``.
"""

from __future__ import annotations

from temporalio import activity

from activities.casebook import CaseBookActivities
from activities.deps import Deps
from verdictflow.platform.purge import shred_case
from workflows.case.messages import PurgeDone, PurgeRequest


class RetentionActivities:
    """The activity names (``name=``) stand in recorded histories: they never change."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.book = CaseBookActivities(deps)

    @activity.defn(name="purge_case")
    async def purge_case(self, req: PurgeRequest) -> PurgeDone:
        # Idempotent on the case id: the stage change on its seq, the key's destruction and
        # the clearing by nature, the audit entries by ``once``. A retry after the key is
        # gone does the same and returns the same ids.
        await self.book.record_stage(req.last_stage)
        done = await shred_case(self.deps.read_model, self.deps.keys, req.case_id,
                                actor=req.actor, once=True)
        return PurgeDone(req.case_id, done.key_destroyed, done.tasks_cleared)
