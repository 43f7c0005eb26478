"""Topic names and event types of the v1 contracts (docs/contracts.md)."""

POLICE_VERDICTS = "police.verdicts.v1"
HOUSING_DISCLOSURES = "housing.disclosures.v1"
HOUSING_RECEIPTS = "housing.receipts.v1"
REENTRY_BLOCKS = "housing.reentry-blocks.v1"
MUNICIPALITY_NOTIFICATIONS = "municipality.notifications.v1"
CASE_EVENTS = "case.events.v1"

TOPICS = (
    POLICE_VERDICTS,
    HOUSING_DISCLOSURES,
    HOUSING_RECEIPTS,
    REENTRY_BLOCKS,
    MUNICIPALITY_NOTIFICATIONS,
    CASE_EVENTS,
)


def dlq(topic: str) -> str:
    return f"{topic}.dlq"


ALL_TOPICS = TOPICS + tuple(dlq(t) for t in TOPICS)

VERDICT_REGISTERED = "dk.politi.verdict.registered.v1"
VERDICT_APPEALED = "dk.politi.verdict.appealed.v1"
VERDICT_FINALIZED = "dk.politi.verdict.finalized.v1"
VERDICT_OVERTURNED = "dk.politi.verdict.overturned.v1"
POLICE_TYPES = (VERDICT_REGISTERED, VERDICT_APPEALED, VERDICT_FINALIZED, VERDICT_OVERTURNED)

DISCLOSURE_SEALED = "dk.tryghed.disclosure.sealed.v1"
DISCLOSURE_RETRACTED = "dk.tryghed.disclosure.retracted.v1"
DISCLOSURE_RECEIVED = "dk.tryghed.disclosure.received.v1"
# A gateway's signed confirmation that it deleted its copy on a retraction (2026-12-05).
DISCLOSURE_DELETED = "dk.tryghed.disclosure.deleted.v1"
BLOCK_PLACED = "dk.tryghed.reentry-block.placed.v1"
BLOCK_LIFTED = "dk.tryghed.reentry-block.lifted.v1"
MUNICIPALITY_NOTIFIED = "dk.tryghed.municipality.notified.v1"
REFUSAL_REPORTED = "dk.tryghed.reentry.refusal-reported.v1"
CASE_STAGE_CHANGED = "dk.tryghed.case.stage-changed.v1"
TASK_ESCALATED = "dk.tryghed.task.escalated.v1"  # on case.events.v1, added 2026-12-05

PLATFORM_SOURCE = "urn:dk:tryghed:verdictflow"
