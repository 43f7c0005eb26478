"""Re-entry checks and refusals (udlejningsbekendtgørelsen § 28, almenboligloven § 63 e).

Blocks are placed by the real ``place_block`` activity (sealing the tenant under the case
key), then asked about through the task API as housing organisations in and outside the
area; refusals are recorded and reported by the worker's relay to a recording publisher.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from temporalio.testing import ActivityEnvironment

from activities.deps import Deps
from activities.reentry import ReentryActivities
from services.api.app import create_app
from services.api.auth import issue_dev_token
from services.refusal_reports import report_pending
from verdictflow.domain.case import add_years
from verdictflow.domain.cloudevents import encode
from verdictflow.domain.contract import validate_event
from verdictflow.domain.identity import person_ref
from verdictflow.domain.reentry import DEFAULT_GROUND
from verdictflow.domain.sealing import open_case_layer
from verdictflow.domain.topics import MUNICIPALITY_NOTIFICATIONS, REFUSAL_REPORTED
from verdictflow.platform.casekeys import CaseKeyDestroyed
from verdictflow.platform.keys import keystore_for
from verdictflow.platform.readmodel import (
    AuditEntry,
    ReentryBlockRecord,
    ReentryRefusalRecord,
    read_model_database,
)
from verdictflow.platform.reference import load_reference
from verdictflow.platform.settings import Settings, get_settings
from workflows.reentry.messages import BlockInput

CPR, NAME = "1203851111", "Testperson Rasmine Kyststrøm"
ADDRESS = "Strandesplanaden 14, 2. th, 2660 Brøndby Strand"
OTHER_CPR = "0101010101"  # a second person, terminated 25 months before the move-in
LIFTED_CPR = "0202020202"  # terminated 23 months before, but a court found it unjustified
UNKNOWN_CPR = "3112992222"
GROUNDS = "Chikane af naboer i opgang 14; vidneudsagn fra Jens Hansen"
MOVE_IN = date.today() + timedelta(days=30)
CHECK_KEYS = {"recorded_termination", "check_id", "name", "address", "ground", "terminated_on"}


def months_before(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 - months, 12)
    return d.replace(year=d.year + y, month=m + 1, day=min(d.day, 28))


class RecordingPublisher:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    async def publish(self, topic: str, key: str, event: dict[str, Any],
                      headers: list[tuple[str, bytes]] | None = None) -> None:
        self.sent.append((topic, key, event))


def place(deps: Deps, case_id: str, cpr: str, terminated_on: date, **kw: Any) -> None:
    block = BlockInput(
        block_id=f"{case_id}-b1", case_id=case_id, area_id="broendby-strand",
        partnership_id="broendby-strand", housing_org_id="bbs",
        person_ref=person_ref(cpr, deps.keys.pseudonym_key()),
        placed_on=terminated_on.isoformat(), expires_on=add_years(terminated_on, 2).isoformat(),
        tenant_name=NAME, tenant_address=ADDRESS, **kw)
    asyncio.run(ActivityEnvironment().run(ReentryActivities(deps).place_block, block))


@pytest.fixture
def world(tmp_path: Path):  # noqa: ANN201
    settings = Settings(state_dir=tmp_path, environment="test")
    keys = keystore_for(settings)
    db = read_model_database(settings)
    reference = load_reference(settings)
    publisher = RecordingPublisher()
    deps = Deps(settings, keys, publisher, reference.policies,  # type: ignore[arg-type]
                reference.partnerships, db)
    place(deps, "case-found", CPR, months_before(MOVE_IN, 23))
    place(deps, "case-old", OTHER_CPR, months_before(MOVE_IN, 25))
    place(deps, "case-lifted", LIFTED_CPR, months_before(MOVE_IN, 23), ground="almenlejeloven"
          " § 90, stk. 1, nr. 7")
    with db.session() as s:
        row = s.get(ReentryBlockRecord, "case-lifted-b1")
        assert row is not None
        row.status, row.lift_reason, row.lifted_on = "lifted", "court_found_unjustified", \
            date.today()
        s.add(row)
        s.commit()
    with TestClient(create_app(settings, database=db)) as client:
        yield client, settings, keys, db, publisher


def post(world: Any, path: str, org: str, body: dict[str, Any], role: str = "caseworker"):  # noqa: ANN201
    client, settings, keys, _, _ = world
    token = issue_dev_token(settings, keys, org, role=role)
    return client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})


def ask(world: Any, org: str, cpr: str, move_in: date = MOVE_IN, **kw: Any):  # noqa: ANN201
    return post(world, "/reentry-checks", org,
                {"cpr": cpr, "move_in_on": move_in.isoformat(), **kw})


def audit(db: Any, action: str) -> list[AuditEntry]:
    with db.session() as s:
        return [r for r in s.query(AuditEntry).order_by(AuditEntry.seq).all()
                if r.action == action]


def test_a_termination_23_months_before_the_move_in_is_told_with_the_63e_fields_only(
        world: Any) -> None:
    # pab lets homes in Brøndby Strand too: the same area, another organisation.
    answer = ask(world, "pab", "120385-1111").json()
    assert set(answer) == CHECK_KEYS
    assert answer["recorded_termination"] is True
    assert (answer["name"], answer["address"]) == (NAME, ADDRESS)
    assert answer["ground"] == DEFAULT_GROUND
    assert answer["terminated_on"] == months_before(MOVE_IN, 23).isoformat()
    assert answer["check_id"].startswith("rchk-") and "case" not in answer["check_id"]


def test_the_two_years_are_counted_back_from_the_move_in_date(world: Any) -> None:
    assert ask(world, "bbs", OTHER_CPR).json() == {"recorded_termination": False}  # 25 months
    # The same termination, asked about for a move-in two months earlier, is inside them.
    earlier = ask(world, "bbs", OTHER_CPR, move_in=months_before(MOVE_IN, 2)).json()
    assert earlier["recorded_termination"] is True
    # ... and one 23 months back is outside them for a move-in a year later.
    later = ask(world, "bbs", CPR, move_in=add_years(MOVE_IN, 1)).json()
    assert later == {"recorded_termination": False}


def test_a_termination_a_court_found_unjustified_allows_no_refusal(world: Any) -> None:
    assert ask(world, "bbs", LIFTED_CPR).json() == {"recorded_termination": False}


def test_an_organisation_outside_the_area_learns_nothing_and_is_audited(world: Any) -> None:
    unknown = ask(world, "slagelse-boligselskab", UNKNOWN_CPR)
    outside = ask(world, "slagelse-boligselskab", CPR)
    not_its_area = ask(world, "bbs", CPR, area_id="ringparken")
    unknown_in_area = ask(world, "bbs", UNKNOWN_CPR)
    assert unknown.status_code == outside.status_code == not_its_area.status_code == 200
    assert outside.content == unknown.content == not_its_area.content == unknown_in_area.content
    assert outside.headers["content-length"] == unknown.headers["content-length"]

    _, _, keys, db, _ = world
    checks = audit(db, "reentry.check")
    ref = person_ref(CPR, keys.pseudonym_key())
    assert [(c.org_id, c.detail) for c in checks] == [
        ("slagelse-boligselskab", f"{person_ref(UNKNOWN_CPR, keys.pseudonym_key())} move-in "
                                  f"{MOVE_IN} area *"),
        ("slagelse-boligselskab", f"{ref} move-in {MOVE_IN} area *"),
        ("bbs", f"{ref} move-in {MOVE_IN} area ringparken"),
        ("bbs", f"{person_ref(UNKNOWN_CPR, keys.pseudonym_key())} move-in {MOVE_IN} area *"),
    ]
    assert audit(db, "reentry.tenant_opened") == []  # nothing was opened for any of them


def test_a_positive_answer_opens_the_sealed_tenant_audited(world: Any) -> None:
    check_id = ask(world, "bbs", CPR).json()["check_id"]
    _, _, _, db, _ = world
    [opened] = audit(db, "reentry.tenant_opened")
    assert (opened.org_id, opened.case_id, opened.detail) == ("bbs", "case-found", check_id)


def test_the_tenant_is_sealed_in_the_read_model_and_gone_with_the_case_key(world: Any) -> None:
    _, settings, keys, db, publisher = world
    raw = Path(settings.database_url.removeprefix("sqlite:///"))
    with sqlite3.connect(raw) as conn:
        conn.execute("PRAGMA wal_checkpoint(FULL)")
    stored = raw.read_bytes() + b"".join(p.read_bytes() for p in raw.parent.glob("*.db-wal"))
    assert NAME.encode() not in stored and b"Strandesplanaden" not in stored
    assert all(NAME not in json.dumps(e) and "Strandesplanaden" not in json.dumps(e)
               for _, _, e in publisher.sent)  # the placed events carry no tenant either

    with db.session() as s:
        row = s.get(ReentryBlockRecord, "case-found-b1")
        assert row is not None and row.sealed_tenant is not None
    layer = json.loads(row.sealed_tenant)
    assert open_case_layer(layer, "case-found", keys.case_keys().key("case-found"))["name"] == NAME

    keys.case_keys().destroy("case-found")
    with pytest.raises(CaseKeyDestroyed):
        open_case_layer(layer, "case-found", keys.case_keys().key("case-found"))
    # The answer is then the one for anybody unknown: nothing is recorded any more.
    assert ask(world, "bbs", CPR).content == ask(world, "bbs", UNKNOWN_CPR).content


def test_a_refusal_is_recorded_and_reported_to_the_municipality_without_personal_data(
        world: Any) -> None:
    check_id = ask(world, "bbs", CPR).json()["check_id"]
    first = post(world, "/reentry-refusals", "bbs",
                 {"check_id": check_id, "reasonable_grounds": GROUNDS})
    assert first.status_code == 201, first.text
    refusal = first.json()
    assert refusal["area_id"] == "broendby-strand" and refusal["municipality_id"] == "broendby"
    again = post(world, "/reentry-refusals", "bbs",
                 {"cpr": CPR, "move_in_on": MOVE_IN.isoformat(), "reasonable_grounds": GROUNDS})
    assert again.status_code == 200 and again.json()["refusal_id"] == refusal["refusal_id"]

    _, settings, keys, db, publisher = world
    with db.session() as s:
        [row] = s.query(ReentryRefusalRecord).all()
    assert (row.org_id, row.block_id, row.check_id) == ("bbs", "case-found-b1", check_id)
    assert GROUNDS not in (row.sealed_grounds or "") and "Jens" not in (row.sealed_grounds or "")
    grounds = open_case_layer(json.loads(row.sealed_grounds or "{}"), "case-found",
                              keys.case_keys().key("case-found"))
    assert grounds == {"reasonable_grounds": GROUNDS}
    [refused] = audit(db, "reentry.refusal")
    assert (refused.case_id, refused.detail) == ("case-found", refusal["refusal_id"])

    publisher.sent.clear()
    assert asyncio.run(report_pending(db, publisher)) == 1
    assert asyncio.run(report_pending(db, publisher)) == 0  # marked: reported once
    [(topic, key, event)] = publisher.sent
    assert (topic, key, event["type"]) == (MUNICIPALITY_NOTIFICATIONS, "broendby",
                                           REFUSAL_REPORTED)
    assert validate_event(encode(event), (REFUSAL_REPORTED,)) == event
    assert event["data"] == {
        "refusal_id": refusal["refusal_id"], "area_id": "broendby-strand",
        "municipality_id": "broendby", "housing_org_id": "bbs",
        "refused_on": date.today().isoformat(), "legal_basis": "udlejningsbekendtgørelsen § 28"}
    sent = encode(event).decode() + key
    for personal in (CPR, "120385", NAME, "Strandesplanaden", GROUNDS, "Jens Hansen",
                     person_ref(CPR, keys.pseudonym_key()), check_id, "case-found"):
        assert personal not in sent


def test_no_refusal_without_a_qualifying_termination_in_the_area(world: Any) -> None:
    body = {"cpr": CPR, "move_in_on": MOVE_IN.isoformat(), "reasonable_grounds": GROUNDS}
    outside = post(world, "/reentry-refusals", "slagelse-boligselskab", body)
    unknown = post(world, "/reentry-refusals", "bbs", {**body, "cpr": UNKNOWN_CPR})
    assert outside.status_code == unknown.status_code == 422
    assert outside.json() == unknown.json()
    # Another organisation's check id is no basis either.
    check_id = ask(world, "bbs", CPR).json()["check_id"]
    stolen = post(world, "/reentry-refusals", "pab",
                  {"check_id": check_id, "reasonable_grounds": GROUNDS})
    assert stolen.status_code == 422 and stolen.json() == unknown.json()
    short = post(world, "/reentry-refusals", "bbs", {"check_id": check_id,
                                                     "reasonable_grounds": "nej"})
    assert short.status_code == 422 and "reasonable grounds" in short.json()["detail"]
    _, _, _, db, _ = world
    with db.session() as s:
        assert s.query(ReentryRefusalRecord).count() == 0


def test_a_block_lifted_after_the_check_is_409(world: Any) -> None:
    check_id = ask(world, "bbs", CPR).json()["check_id"]
    _, _, _, db, _ = world
    with db.session() as s:
        row = s.get(ReentryBlockRecord, "case-found-b1")
        assert row is not None
        row.status, row.lift_reason = "lifted", "not_sued_in_time"
        s.add(row)
        s.commit()
    lifted = post(world, "/reentry-refusals", "bbs",
                  {"check_id": check_id, "reasonable_grounds": GROUNDS})
    assert lifted.status_code == 409


def test_roles_and_bodies(world: Any) -> None:
    assert post(world, "/reentry-checks", "bbs", {"cpr": CPR, "move_in_on":
                                                  MOVE_IN.isoformat()}, role="operator"
                ).status_code == 403
    bad = ask(world, "bbs", "not-a-cpr")
    assert bad.status_code == 422 and "not-a-cpr" not in bad.text
    assert post(world, "/reentry-checks", "bbs", {"cpr": CPR}).status_code == 422  # no date


def test_the_old_check_is_deprecated_and_points_to_the_new_one(world: Any) -> None:
    client = world[0]
    old = client.app.openapi()["paths"]["/reentry-blocks/check"]["post"]
    assert old["deprecated"] is True and "/reentry-checks" in old["description"]


def test_the_cli_reads_the_cpr_number_from_stdin_and_refuses(
        world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from verdictflow.cli.main import app

    _, settings, _, db, _ = world
    monkeypatch.setenv("VF_STATE_DIR", str(settings.state_dir))
    monkeypatch.setenv("VF_ENVIRONMENT", "test")
    get_settings.cache_clear()  # the command reads its settings from the environment
    found = CliRunner().invoke(app, ["reentry", "check", "--org", "bbs", "--move-in",
                                     MOVE_IN.isoformat(), "--actor", "cw-9"], input=CPR + "\n")
    assert found.exit_code == 0, found.output
    assert NAME in found.output and "rchk-" in found.output
    nothing = CliRunner().invoke(app, ["reentry", "check", "--org", "slagelse-boligselskab",
                                       "--move-in", MOVE_IN.isoformat()], input=CPR + "\n")
    assert nothing.output.strip() == "no recorded termination"

    refused = CliRunner().invoke(app, ["reentry", "refuse", "--org", "bbs", "--move-in",
                                       MOVE_IN.isoformat()], input=f"{CPR}\n{GROUNDS}\n")
    assert refused.exit_code == 0 and "✓ refused: rref-" in refused.output
    assert "reported to broendby" in refused.output
    assert [c.actor for c in audit(db, "reentry.check")][:1] == ["cw-9"]
    get_settings.cache_clear()
