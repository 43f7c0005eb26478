"""Police events as any Kafka producer following the contract would send them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

CPR = "1507884417"
NAME = "Testperson Valdemar Kystbjerg"
OFFENCE = "grov vold ved indgangen til centret"


def registered(verdict_id: str, *, cpr: str = CPR, name: str = NAME,
               event_id: str | None = None, final: bool = True) -> dict[str, Any]:
    decided = (date.today() - timedelta(days=5)).isoformat()
    return {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": "urn:dk:politi:kbh-vestegn",
        "type": "dk.politi.verdict.registered.v1",
        "time": datetime.now(UTC).isoformat(),
        "subject": verdict_id,
        "datacontenttype": "application/json",
        "data": {
            "verdict_id": verdict_id,
            "police_district": "kbh-vestegn",
            "case_reference": "0100-70111-00123-26",
            "court": "Retten i Glostrup",
            "decided_on": decided,
            "final": final,
            "person": {
                "cpr": cpr,
                "name": name,
                "registered_address": {"street": "Strandesplanaden 12, 3. tv",
                                       "postcode": "2660", "city": "Brøndby Strand"},
            },
            "offences": [{"law": "straffeloven", "section": "244", "description": OFFENCE}],
            "sentence": {"kind": "unconditional_custody", "days": 60},
            "crime_scene": {"street": "Brøndby Strand Centret", "postcode": "2660",
                            "city": "Brøndby Strand", "lat": 55.6197, "lon": 12.4186},
        },
    }


def change(verdict_id: str, type_: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "urn:dk:politi:kbh-vestegn",
        "type": f"dk.politi.verdict.{type_}.v1",
        "time": datetime.now(UTC).isoformat(),
        "subject": verdict_id,
        "datacontenttype": "application/json",
        "data": {"verdict_id": verdict_id, "decided_on": date.today().isoformat()},
    }


def ophaevelse(terminated: date) -> dict[str, Any]:
    """A caseworker's decision to terminate the lease by ophævelse on nr. 10, as the task
    API takes it (``POST /tasks/{id}/decision``)."""
    return {"outcome": "terminate", "termination_date": terminated.isoformat(),
            "route": "ophaevelse", "ground": "almenlejeloven § 90, stk. 1, nr. 10",
            "justification": "Grov vold i området; lejemålet ophæves (§ 90, stk. 1, nr. 10)."}
