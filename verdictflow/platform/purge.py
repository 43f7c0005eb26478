"""Purging a case: destroy its data key, and with it every copy of its personal data.

Two paths share ``shred_case``: a case purges itself when its retention is over (the
case workflow's own ``purge_case`` activity, actor ``retention``), and an operator purges
one by command (``verdictflow case purge``). By command only a case whose workflows have
ended is purged (they would otherwise fail on payloads they can no longer open); ``force``
is for an erasure order that cannot wait, and terminates them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlmodel import select
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from verdictflow.domain.identity import block_workflow_id
from verdictflow.platform.audit import CASE_PURGE, KEY_DESTROY, record_audit
from verdictflow.platform.database import Database
from verdictflow.platform.keys import KeyStore
from verdictflow.platform.readmodel import AuditEntry, SentDisclosure, Task


class CaseStillOpen(Exception):
    pass


@dataclass
class PurgeResult:
    case_id: str
    key_destroyed: bool
    tasks_cleared: int


async def _running(client: Client, workflow_id: str) -> bool:
    try:
        desc = await client.get_workflow_handle(workflow_id).describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return desc.status == WorkflowExecutionStatus.RUNNING


async def purge_case(db: Database, keys: KeyStore, client: Client, case_id: str, *,
                     actor: str, force: bool = False) -> PurgeResult:
    for workflow_id in (case_id, block_workflow_id(case_id)):
        if await _running(client, workflow_id):
            if not force:
                raise CaseStillOpen(f"{workflow_id} is still running; purge after it closes")
            await client.get_workflow_handle(workflow_id).terminate("purged")

    return await shred_case(db, keys, case_id, actor=actor)


async def shred_case(db: Database, keys: KeyStore, case_id: str, *, actor: str,
                     once: bool = False) -> PurgeResult:
    """Destroys the case key, clears the read model's sealed copies, audits both.

    ``once``: the audit entries are idempotent on the case (an activity retried after it
    shredded writes them once); the key's destruction and the clearing are idempotent
    anyway.
    """
    destroyed = keys.case_keys().destroy(case_id)
    cleared = await asyncio.to_thread(_clear_read_model, db, case_id)
    for action in (KEY_DESTROY, CASE_PURGE):
        await asyncio.to_thread(
            record_audit, db, actor=actor, action=action, case_id=case_id,
            # ``once`` matches on (action, task, detail): the detail names the case.
            detail=f"{actor}: {case_id}" if once else None, once=once)
    return PurgeResult(case_id, destroyed, cleared)


def _clear_read_model(db: Database, case_id: str) -> int:
    # The sealed copies no longer open; removing them is tidiness, not the protection.
    with db.session() as s:
        tasks = list(s.exec(select(Task).where(Task.case_id == case_id)))
        for task in tasks:
            task.sealed_disclosure = None
            s.add(task)
        sent = list(s.exec(select(SentDisclosure).where(SentDisclosure.case_id == case_id)))
        for disclosure in sent:
            disclosure.sealed = None  # the digest stays: it opens nothing
            s.add(disclosure)
        s.commit()
        return len(tasks)


def reapply_purges(db: Database, keys: KeyStore) -> list[str]:
    """After a key restore: destroy again every case key the audit log says was destroyed.

    A backup taken before a purge still holds that case's key; restoring it must not
    bring the case back. Needs the read model's audit log (it outlives the key store).
    """
    with db.session() as s:
        purged = set(s.exec(select(AuditEntry.case_id).where(
            AuditEntry.action == KEY_DESTROY, AuditEntry.case_id.is_not(None))))  # type: ignore[union-attr]
    again = sorted(c for c in purged if c and keys.case_keys().status(c) == "active")
    for case_id in again:
        keys.case_keys().destroy(case_id)
        record_audit(db, actor="operator", action=KEY_DESTROY,
                     case_id=case_id, detail="again, after a key restore")
    return again
