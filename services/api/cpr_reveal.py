"""The full CPR number of a disclosure, shown only on an explicit request, and audited.

Every view of a disclosure masks the CPR number (``tasks.masked_person``). A caseworker who
needs the number itself (say, to match the tenancy in the organisation's own system) asks
for it; the request is written to the audit log (``disclosure.cpr_revealed``) before the
number is returned, and nothing is shown if that entry cannot be written.
"""

from __future__ import annotations

from services.api.auth import Principal
from services.api.tasks import (
    ApiContext,
    DisclosureUnreadable,
    TaskIds,
    TaskNotFound,
    open_for_org,
    task_for,
)
from verdictflow.domain.identity import InvalidCpr, normalise_cpr
from verdictflow.domain.sealing import SealError
from verdictflow.platform.audit import CPR_REVEALED, DISCLOSURE_READ_FAILED, record_audit
from verdictflow.platform.database import Database
from verdictflow.platform.log import get_logger

log = get_logger(__name__)


def reveal_cpr(ctx: ApiContext, db: Database, principal: Principal, task_id: str) -> str:
    """``DDMMYY-SSSS`` of the disclosure's person; TaskNotFound as for a read."""
    task = task_for(db, principal, task_id)
    if task.sealed_disclosure is None or task.status == "withdrawn":
        raise TaskNotFound()
    ids = TaskIds(org_id=principal.org_id, case_id=task.case_id, task_id=task_id)
    try:
        person = open_for_org(ctx.keys, principal.org_id, task.sealed_disclosure).get("person")
        cpr = normalise_cpr(str(person.get("cpr", "")) if isinstance(person, dict) else "")
    except (SealError, InvalidCpr) as exc:
        record_audit(db, actor=principal.subject, action=DISCLOSURE_READ_FAILED, **ids)
        log.warning("disclosure.cpr_reveal_failed", error=type(exc).__name__, **ids)
        raise DisclosureUnreadable("the CPR number could not be read from the disclosure") \
            from exc
    record_audit(db, actor=principal.subject, action=CPR_REVEALED, **ids)
    log.info("disclosure.cpr_revealed", **ids)
    return f"{cpr[:6]}-{cpr[6:]}"
