"""What crosses the re-entry block workflow's boundary: its input and result, the lift
signal, and the requests of its activities.

Plain dataclasses, importing nothing heavier than the domain (``.importlinter`` holds it):
the case workflow, the activities and the services all read this module. Every field
added later gets a default, so running blocks (they live for years) still decode.
"""

from __future__ import annotations

from dataclasses import dataclass

# -- the workflow -----------------------------------------------------------------------


@dataclass
class BlockInput:
    block_id: str
    case_id: str
    area_id: str
    partnership_id: str | None
    housing_org_id: str
    person_ref: str
    placed_on: str  # the termination date: the two years run from it (udlejningsbek. § 28)
    expires_on: str
    ground: str | None = None
    # Almenboligloven § 63 e lets the area's organisations learn the tenant's name and
    # address: carried here, inside the encrypted payload only, for place_block to seal
    # under the case's key. None for blocks placed before (and never in search attributes).
    tenant_name: str | None = None
    tenant_address: str | None = None


@dataclass
class LiftRequest:
    """The ``lift`` signal."""

    reason: str  # a LiftReason: overturned | court_found_unjustified | not_sued_in_time
    event_id: str = ""


@dataclass
class BlockResult:
    block_id: str
    lifted_on: str
    reason: str  # a LiftReason


# -- its activities (place_block takes the BlockInput) ----------------------------------


@dataclass
class BlockLifting:
    block: BlockInput
    reason: str
    lifted_on: str
    at: str
