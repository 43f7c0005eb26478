"""``make demo``: sample verdicts through the running stack, as the partners would see it.

Police events go onto Kafka like any producer's; the housing gateways receipt the
disclosures; a simulated caseworker per organisation (and a police reviewer) decides
through the task API; the summary is read from the read model.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import date, timedelta
from typing import Any

import httpx
from sqlmodel import select

from infra import processes
from services.api.auth import issue_dev_token
from verdictflow.cli.launcher import SERVICES
from verdictflow.domain.identity import case_id_for
from verdictflow.domain.samples import sample_verdicts
from verdictflow.domain.topics import POLICE_VERDICTS, VERDICT_FINALIZED, VERDICT_OVERTURNED
from verdictflow.platform.database import Database
from verdictflow.platform.kafka import EventPublisher
from verdictflow.platform.keys import keystore_for, provision_for_development
from verdictflow.platform.readmodel import CaseRecord, read_model_database
from verdictflow.platform.reference import load_reference
from verdictflow.platform.settings import Settings

LATER = (VERDICT_FINALIZED, VERDICT_OVERTURNED)  # sent once the case waits for them
RESTING = {"awaiting_finality", "awaiting_review", "awaiting_decision", "reentry_blocked",
           "not_eligible", "closed", "retracted", "overturned"}
FINAL = {"reentry_blocked", "not_eligible", "closed", "retracted", "overturned"}
OUTCOMES = ("terminate", "warn", "no_action")


def _stages(db: Database, case_ids: list[str]) -> dict[str, str]:
    with db.session() as s:
        rows = s.exec(select(CaseRecord).where(CaseRecord.case_id.in_(case_ids)))  # type: ignore[attr-defined]
        return {r.case_id: r.stage for r in rows}


class ServiceDied(RuntimeError):
    pass


def _check_services(settings: Settings) -> None:
    """A service the supervisor started that is gone now: say so at once, with its log."""
    for name in SERVICES:
        if processes.pid_path(name, settings).exists() and not processes.is_running(name, settings):
            raise ServiceDied(f"the {name} service stopped:\n{processes.log_tail(name, settings)}")


async def _settle(settings: Settings, db: Database, case_ids: list[str], wanted: set[str],
                  timeout: float = 60) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        _check_services(settings)
        stages = _stages(db, case_ids)
        if all(stages.get(c) in wanted for c in case_ids) or time.monotonic() > deadline:
            return stages
        await asyncio.sleep(0.5)


async def _send(pub: EventPublisher, events: list[dict[str, Any]]) -> None:
    for e in events:
        await pub.publish(POLICE_VERDICTS, e["subject"], e)


def _decide_open_tasks(settings: Settings, orgs: list[str], role: str, seed: int) -> int:
    keys = keystore_for(settings)
    decided = 0
    with httpx.Client(base_url=settings.api_url, timeout=30) as http:
        for org in orgs:
            token = issue_dev_token(settings, keys, org, role=role, subject=f"demo-{org}")
            auth = {"Authorization": f"Bearer {token}"}
            for task in (http.get("/tasks", headers=auth).raise_for_status().json()):
                http.get(f"/tasks/{task['task_id']}", headers=auth).raise_for_status()
                body = _answer(task["kind"], seed + decided)
                http.post(f"/tasks/{task['task_id']}/decision", json=body,
                          headers=auth).raise_for_status()
                decided += 1
    return decided


def _answer(kind: str, n: int) -> dict[str, Any]:
    if kind == "review":
        return {"outcome": "disclose" if n % 2 == 0 else "no_disclosure",
                "justification": "Demo: politiets konkrete vurdering af sagen."}
    outcome = OUTCOMES[n % len(OUTCOMES)]
    body: dict[str, Any] = {"outcome": outcome,
                            "justification": f"Demo: sagsbehandlerens begrundelse ({outcome})."}
    if outcome == "terminate":
        # The demo's eligible verdicts are nr. 10 verdicts: ophævelse, effective in a month.
        body.update(termination_date=(date.today() + timedelta(days=30)).isoformat(),
                    route="ophaevelse", ground="almenlejeloven § 90, stk. 1, nr. 10")
    return body


async def run_demo(settings: Settings) -> int:
    db = read_model_database(settings)  # where the demo watches the cases' stages
    try:
        return await _run(settings, db)
    except ServiceDied as died:
        print(f"✗ {died}")
        return 1
    finally:
        db.dispose()


async def _run(settings: Settings, db: Database) -> int:
    started = time.monotonic()
    ref = load_reference(settings)
    provision_for_development(settings)  # the demo's caseworkers need their organisations' keys
    samples = sample_verdicts(ref.partnerships)
    key = keystore_for(settings).pseudonym_key()
    case_ids = sorted({case_id_for(s.verdict_id, key) for s in samples})
    first = [e for s in samples for e in s.events if e["type"] not in LATER]
    later = [e for s in samples for e in s.events if e["type"] in LATER]

    async with EventPublisher(settings) as pub:
        await _send(pub, first)
        print(f"→ sent {len(first)} police events for {len(samples)} verdicts")
        await _settle(settings, db, case_ids, RESTING)
        await _send(pub, later)
        print(f"→ sent {len(later)} finalized/overturned events")
        await asyncio.sleep(1)
        await _settle(settings, db, case_ids, RESTING)

    orgs = [o.id for o in ref.partnerships.housing_organisations]
    districts = [d.id for d in ref.partnerships.police_districts]
    decided, deadline = 0, time.monotonic() + 120
    while time.monotonic() < deadline:
        _check_services(settings)
        # A review that discloses opens a housing decision later: go round until all is final.
        n = _decide_open_tasks(settings, districts, "police_reviewer", decided)
        n += _decide_open_tasks(settings, orgs, "caseworker", decided)
        if n:
            print(f"→ {n} tasks decided through the API")
        decided += n
        if all(st in FINAL for st in _stages(db, case_ids).values()):
            break
        await asyncio.sleep(0.5)

    stages = await _settle(settings, db, case_ids, FINAL, timeout=30)
    return _summary(samples, key, case_ids, stages, time.monotonic() - started, settings)


def _summary(samples: list[Any], key: bytes, case_ids: list[str], stages: dict[str, str],
             seconds: float, settings: Settings) -> int:
    print(f"\n{len(samples)} verdicts → {len(case_ids)} cases in {seconds:.1f} s\n")
    print(f"{'case':<34} {'final stage':<16} sample")
    print("-" * 100)
    for sample in sorted(samples, key=lambda s: stages.get(case_id_for(s.verdict_id, key), "")):
        case_id = case_id_for(sample.verdict_id, key)
        print(f"{case_id:<34} {stages.get(case_id, 'missing'):<16} {sample.title}")
    counts = Counter(stages.get(c, "missing") for c in case_ids)
    print(f"\n{'final stage':<20}{'cases':>6}")
    print("-" * 26)
    for stage, n in sorted(counts.items()):
        print(f"{stage:<20}{n:>6}")
    ui = f"{settings.temporal_ui_url}/namespaces/{settings.temporal_namespace}/workflows"
    print(f"\nTemporal UI  {ui}")
    print(f"Task API     {settings.api_url}/docs")
    print(f"Pages        {settings.api_url}/ui/ (development sign-in)")
    print("Token        verdictflow dev token --org bbs")
    unfinished = [c for c in case_ids if stages.get(c) not in FINAL]
    if unfinished:
        print(f"\n✗ {len(unfinished)} case(s) did not reach a final stage: {', '.join(unfinished)}")
        return 1
    return 0
