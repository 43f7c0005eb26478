"""The pages' test site: the real task API in-process (uvicorn on a loopback port, in a
thread) over a read model filled through the real functions, with a fake Temporal client
that does to the read model what the case workflow's activities would after a decision.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from sqlmodel import select

from activities.casebook import stage_record
from activities.reentry import seal_tenant
from services.api.app import create_app
from services.api.notifications import MunicipalityNotification
from verdictflow.domain.case import add_years
from verdictflow.domain.identity import person_ref
from verdictflow.domain.reentry import DEFAULT_GROUND
from verdictflow.domain.sealing import seal_disclosure
from verdictflow.platform.database import Database
from verdictflow.platform.keys import FileKeyStore, provision
from verdictflow.platform.readmodel import (
    AuditEntry,
    CaseRecord,
    ReentryBlockRecord,
    Task,
    read_model_database,
)
from verdictflow.platform.settings import Settings
from workflows.case.messages import DecisionAccepted, DecisionRequest, StageChange

ORG = "bbs"  # Brøndby Strand's housing organisation (a seed party)
OTHER_ORG = "fob-slagelse"
DISTRICT = "kbh-vestegn"
MUNICIPALITY = "broendby"
AREA = "broendby-strand"
PARTNERSHIP = "broendby-strand"
CPR = "0101901234"
NAME = "Testperson Hansen"
BLOCKED_CPR = "0202851111"
BLOCKED_NAME = "Tidligere Lejer"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """uvicorn serving ``app`` on 127.0.0.1 in a daemon thread until ``stop``."""

    def __init__(self, app: FastAPI, port: int | None = None) -> None:
        self.port = port or free_port()
        # No log config and no log level: either would change uvicorn's loggers for the rest
        # of the test session (the redaction tests read what they write).
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    lifespan="on", log_config=None,
                                                    log_level=None))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test API did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class FakeCase:
    """Stands in for Temporal: accepts a decision and writes what the case's activities
    would (the task closed, the stages, the re-entry block on a termination)."""

    db: Database
    keys: FileKeyStore
    calls: list[DecisionRequest] = field(default_factory=list)

    def get_workflow_handle(self, workflow_id: str) -> Any:
        return _Handle(self, workflow_id)

    async def start_workflow(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


@dataclass
class _Handle:
    case: FakeCase
    workflow_id: str

    async def execute_update(self, update: Any, req: DecisionRequest, *, id: str | None = None,
                             result_type: type | None = None) -> DecisionAccepted:
        self.case.calls.append(req)
        db, case_id = self.case.db, self.workflow_id
        now = datetime.now(UTC)
        with db.session() as s:
            task = s.get(Task, req.task_id)
            assert task is not None
            task.status, task.outcome, task.decided_by = "done", req.outcome, req.decided_by
            task.decided_at = now
            s.add(task)
            seq = len(list(s.exec(select(Task).where(Task.case_id == case_id)))) + 10
            s.add(stage_record(StageChange(case_id, seq, "decided", now.isoformat(),
                                           area_id=AREA, housing_org_id=ORG,
                                           partnership_id=PARTNERSHIP, outcome=req.outcome)))
            if req.outcome == "terminate" and req.termination_date:
                placed = date.fromisoformat(req.termination_date)
                s.add(stage_record(StageChange(case_id, seq + 1, "reentry_blocked",
                                               now.isoformat(), area_id=AREA,
                                               partnership_id=PARTNERSHIP)))
                s.add(ReentryBlockRecord(
                    block_id=f"block-{case_id}", case_id=case_id, area_id=AREA,
                    person_ref=person_ref(CPR, self.case.keys.pseudonym_key()),
                    placed_on=placed, expires_on=add_years(placed, 2), ground=DEFAULT_GROUND))
            s.commit()
        return DecisionAccepted(case_id, req.task_id, req.outcome, "decided")


def disclosure(case_id: str, cpr: str = CPR, name: str = NAME) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "disclosure_id": f"{case_id}-d1",
        "legal_basis": "Almenboligloven § 63 d",
        "verdict": {"verdict_id": f"v-{case_id}", "court": "Retten i Glostrup",
                    "case_reference": "SS-1234/2026", "decided_on": "2026-10-02", "final": True},
        "person": {"cpr": cpr, "name": name,
                   "registered_address": {"street": "Strandesplanaden 10, 2. tv",
                                          "postcode": "2660", "city": "Brøndby Strand"}},
        "offences": [{"law": "straffeloven", "section": "245",
                      "description": "vold af særlig rå karakter"}],
        "sentence": {"kind": "unconditional_custody", "days": 240, "amount_dkk": None},
        "crime_scene": {"street": "Strandesplanaden 30", "postcode": "2660",
                        "city": "Brøndby Strand", "lat": 55.62, "lon": 12.42},
        "assessment": {"policy_version": "v2", "outcome": "eligible", "rules": [
            {"rule": "conviction", "passed": True,
             "explanation": "Der er afsagt en fældende dom."},
            {"rule": "offence_listed", "passed": True,
             "explanation": "Straffeloven § 245 er nævnt i almenlejeloven § 90, stk. 1, nr. 10."},
            {"rule": "custodial_sanction", "passed": True,
             "explanation": "Ubetinget fængsel i 240 dage er frihedsberøvende."},
            {"rule": "within_1km", "passed": True,
             "explanation": "Gerningsstedet ligger 180 m fra ejendommen."},
            {"rule": "household", "passed": None,
             "explanation": "Husstandens sammensætning er ikke oplyst af politiet."},
        ]},
        "housing": {"housing_org_id": ORG, "department_id": "bbs-1", "area_id": AREA,
                    "partnership_id": PARTNERSHIP},
        "decision_due_on": (date.today() + timedelta(days=9)).isoformat(),
    }


@dataclass
class Site:
    settings: Settings
    keys: FileKeyStore
    db: Database
    temporal: FakeCase
    server: Server

    @property
    def url(self) -> str:
        return self.server.url

    def audit(self, action: str | None = None) -> list[AuditEntry]:
        with self.db.session() as s:
            q = select(AuditEntry).order_by(AuditEntry.id)  # type: ignore[arg-type]
            rows = list(s.exec(q))
        return [r for r in rows if action is None or r.action == action]

    def registered_in(self, year: int) -> int:
        """Cases of Brøndby Strand registered in ``year`` (Danish days), as the figures count."""
        from verdictflow.platform.figures import danish_day
        from verdictflow.platform.readmodel import CaseStageRecord

        with self.db.session() as s:
            rows = s.exec(select(CaseStageRecord).where(
                CaseStageRecord.stage == "registered",
                CaseStageRecord.area_id == AREA))
            return sum(1 for r in rows if danish_day(r.at).year == year)

    def task(self, task_id: str) -> Task:
        with self.db.session() as s:
            t = s.get(Task, task_id)
            assert t is not None
            return t

    # -- filling the read model -------------------------------------------------------
    def seal(self, org: str, content: dict[str, Any]) -> str:
        org_keys = self.keys.org_keys(org)
        kid, signer = self.keys.platform_signing()
        sealed = seal_disclosure(
            content, disclosure_id=content["disclosure_id"], case_id=content["case_id"],
            recipient_org=org, recipient_key_id=org_keys.encryption_key_id,
            recipient_public=org_keys.encryption.public_key(), signer=signer,
            signer_key_id=kid)
        return json.dumps(sealed.to_dict())

    def add_case(self, case_id: str, *, org: str = ORG, kind: str = "decision",
                 due_in_days: int = 9, assignee: str | None = None,
                 area: str = AREA, stage_days_ago: int = 20) -> str:
        """A case whose stages ran up to a task, as the workflow's activities write them."""
        start = datetime.now(UTC) - timedelta(days=stage_days_ago)
        stages = ["registered", "eligibility", "disclosed", "awaiting_decision"]
        if kind == "review":
            stages = ["registered", "eligibility", "awaiting_review"]
        task_id = f"{case_id}-{kind}"
        with self.db.session() as s:
            for seq, stage in enumerate(stages, 1):
                s.add(stage_record(StageChange(
                    case_id, seq, stage, (start + timedelta(days=seq * 2)).isoformat(),
                    police_district=DISTRICT, partnership_id=PARTNERSHIP, area_id=area,
                    housing_org_id=ORG, eligibility="eligible" if seq > 1 else None)))
            s.add(CaseRecord(case_id=case_id, stage=stages[-1], police_district=DISTRICT,
                             partnership_id=PARTNERSHIP, area_id=area, housing_org_id=ORG,
                             stage_seq=len(stages)))
            sealed = self.seal(org, disclosure(case_id)) if kind == "decision" else None
            s.add(Task(task_id=task_id, case_id=case_id, kind=kind, org_id=org,
                       due_on=date.today() + timedelta(days=due_in_days),
                       sealed_disclosure=sealed, assignee=assignee,
                       created_at=start + timedelta(days=len(stages) * 2)))
            s.commit()
        return task_id

    def add_block(self, case_id: str, cpr: str, name: str, terminated_days_ago: int) -> None:
        placed = date.today() - timedelta(days=terminated_days_ago)
        with self.db.session() as s:
            s.add(ReentryBlockRecord(
                block_id=f"block-{case_id}", case_id=case_id, area_id=AREA,
                person_ref=person_ref(cpr, self.keys.pseudonym_key()), placed_on=placed,
                expires_on=add_years(placed, 2), ground=DEFAULT_GROUND,
                sealed_tenant=seal_tenant(self.keys, case_id, name,
                                          "Gildhøjparken 4, 1. th, 2605 Brøndby")))
            s.commit()

    def add_notification(self, notification_id: str, case_id: str) -> None:
        with self.db.session() as s:
            s.add(MunicipalityNotification(notification_id=notification_id,
                                           municipality_id=MUNICIPALITY, case_id=case_id,
                                           kind="follow_up"))
            s.commit()


def start_site(state_dir: Path, port: int | None = None, **settings: Any) -> Site:
    base = Settings(state_dir=state_dir, environment="test", **settings)
    keys = FileKeyStore(base.keys_dir)
    provision(keys, [ORG, OTHER_ORG])
    db = read_model_database(base)
    db.ready()
    fake = FakeCase(db, keys)
    server = Server(create_app(base, temporal_client=fake, database=db), port).start()
    return Site(base, keys, db, fake, server)
