"""The partnership's yearly figures equal the cases made: Slagelse, 2025, two areas.

Cases are written through the real ``record_stage`` activity (real read model, a stub
publisher), stage by stage as the case workflow enters them; tasks, re-entry blocks, § 28
refusals and municipality notifications are rows as their writers leave them (their dates
set, since the activities stamp the wall clock). Every figure is asserted, the CLI's and
the API's CSV and JSON agree, and no person reference, CPR number, name or case id is in
any of them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from activities.casebook import CaseBookActivities
from services.api.app import create_app
from services.api.notifications import MunicipalityNotification
from verdictflow.cli.main import app as cli
from verdictflow.domain.identity import person_ref
from verdictflow.domain.partnerships import load_partnerships
from verdictflow.platform.database import Database
from verdictflow.platform.figures import partnership_report
from verdictflow.platform.identity_provider import issue_dev_token
from verdictflow.platform.keys import FileKeyStore
from verdictflow.platform.readmodel import (
    CaseRecord,
    CaseStageRecord,
    ReentryBlockRecord,
    ReentryRefusalRecord,
    Task,
    TryghedsindeksRecord,
    read_model_database,
)
from verdictflow.platform.settings import Settings, get_settings
from workflows.case.messages import StageChange

YEAR = 2025
AS_OF = date(2026, 1, 15)
SLAGELSE = "slagelse"
DISTRICT = "sydsjaelland-lolland-falster"
CPRS = {c: f"0101{80 + i:02d}1234" for i, c in enumerate("ABCDEFGHIJ")}
NAMES = ["Testperson Ingolf Sandgravsen", "Testperson Hansen"]
INDEX_CSV = Path(__file__).parents[2] / "docs" / "tryghedsindeks-illustrative.csv"


@dataclass
class StubPublisher:
    sent: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    async def publish(self, topic: str, key: str, event: dict[str, Any],
                      headers: Any = None) -> None:
        self.sent.append((topic, key, event))

    async def publish_in_order(self, topic: str, events: list[tuple[str, dict[str, Any]]],
                               ) -> None:
        for key, event in events:
            await self.publish(topic, key, event)


@dataclass
class World:
    settings: Settings
    keys: FileKeyStore
    db: Database
    book: CaseBookActivities
    refs: dict[str, str]
    case_ids: dict[str, str]


def _case_id(letter: str) -> str:
    return f"case-{letter.lower() * 8}{'0' * 24}"


async def _case(w: World, letter: str, area: str | None, steps: list[tuple[str, ...]],
                first_seq: int = 1, partnership: str = SLAGELSE,
                district: str = DISTRICT) -> None:
    """Records the case's stages as the workflow enters them: the area, organisation and
    eligibility once assessed, the outcome once decided. A step is (stage, when[,
    eligibility[, outcome]])."""
    eligibility: str | None = None
    outcome: str | None = None
    for seq, (stage, when, *rest) in enumerate(steps, start=first_seq):
        if rest:
            eligibility = rest[0] or eligibility
            outcome = rest[1] if len(rest) > 1 else outcome
        assessed = eligibility is not None
        change = StageChange(
            case_id=w.case_ids[letter], seq=seq, stage=stage, at=f"{when}T10:00:00+00:00",
            police_district=district,
            partnership_id=partnership if assessed else None,
            area_id=area if assessed else None,
            housing_org_id="fob-slagelse" if assessed and area else None,
            person_ref=w.refs[letter], eligibility=eligibility,
            policy_version="v2" if assessed else None, outcome=outcome)
        await w.book.record_stage(change)
        if seq == first_seq:
            await w.book.record_stage(change)  # a retried activity writes once


def _task(db: Database, letter: str, kind: str, created: str, due: str,
          closed: str | None = None, outcome: str | None = None) -> None:
    with db.session() as s:
        s.add(Task(task_id=f"{_case_id(letter)}-{kind}", case_id=_case_id(letter), kind=kind,
                   org_id="fob-slagelse" if kind == "decision" else DISTRICT,
                   status="done" if closed else "open",
                   created_at=datetime.fromisoformat(f"{created}T10:00:00+00:00"),
                   due_on=date.fromisoformat(due),
                   decided_at=datetime.fromisoformat(f"{closed}T10:00:00+00:00")
                   if closed else None, outcome=outcome))
        s.commit()


async def _build(tmp_path: Path) -> World:
    settings = Settings(environment="test", state_dir=tmp_path)
    keys = FileKeyStore(settings.keys_dir)
    db = read_model_database(settings)
    book = CaseBookActivities(SimpleNamespace(read_model=db, publisher=StubPublisher()))  # type: ignore[arg-type]
    refs = {c: person_ref(cpr, keys.pseudonym_key()) for c, cpr in CPRS.items()}
    w = World(settings, keys, db, book, refs, {c: _case_id(c) for c in CPRS})

    # -- motalavej: A terminated (with its block), B warned late, F in the police's review
    await _case(w, "A", "motalavej", [
        ("registered", "2025-01-10"), ("eligibility", "2025-01-10"),
        ("disclosed", "2025-01-12", "eligible"), ("awaiting_decision", "2025-01-12"),
        ("decided", "2025-01-20", None, "terminate"), ("reentry_blocked", "2025-01-20")])
    _task(db, "A", "decision", "2025-01-12", "2025-01-26", "2025-01-20", "terminate")
    await _case(w, "B", "motalavej", [
        ("registered", "2025-02-01"), ("eligibility", "2025-02-01"),
        ("disclosed", "2025-02-04", "disclose_other_ground"),
        ("awaiting_decision", "2025-02-04"), ("decided", "2025-04-10", None, "warn"),
        ("closed", "2025-04-10")])
    _task(db, "B", "decision", "2025-02-04", "2025-02-18", "2025-04-10", "warn")
    await _case(w, "F", "motalavej", [
        ("registered", "2025-07-01"), ("eligibility", "2025-07-01"),
        ("awaiting_review", "2025-07-02", "manual_review"),
        ("termination_noticed", "2025-08-01")])  # a stage this report does not know
    _task(db, "F", "review", "2025-07-02", "2025-07-16")
    # -- ringparken: C not eligible, D no action, E awaiting a decision past its due day,
    # I recorded from its third stage on (history began after its registration)
    await _case(w, "C", "ringparken", [
        ("registered", "2025-03-20"), ("eligibility", "2025-03-20"),
        ("not_eligible", "2025-03-20", "not_eligible")])
    await _case(w, "D", "ringparken", [
        ("registered", "2025-04-02"), ("eligibility", "2025-04-02"),
        ("disclosed", "2025-04-03", "eligible"), ("awaiting_decision", "2025-04-03"),
        ("decided", "2025-04-05", None, "no_action"), ("closed", "2025-04-05")])
    _task(db, "D", "decision", "2025-04-03", "2025-04-17", "2025-04-05", "no_action")
    await _case(w, "E", "ringparken", [
        ("registered", "2025-05-01"), ("eligibility", "2025-05-01"),
        ("disclosed", "2025-05-02", "eligible"), ("awaiting_decision", "2025-05-02")])
    _task(db, "E", "decision", "2025-05-02", "2025-05-16")
    await _case(w, "I", "ringparken", [
        ("disclosed", "2025-06-01", "eligible"), ("awaiting_decision", "2025-06-01")],
        first_seq=3)
    # -- J: the assessment named the partnership but no area; H: another partnership's
    await _case(w, "J", None, [("registered", "2025-05-05"),
                               ("not_eligible", "2025-05-05", "not_eligible")])
    await _case(w, "H", "broendby-strand", [
        ("registered", "2025-02-02"), ("disclosed", "2025-02-03", "eligible"),
        ("decided", "2025-02-04", None, "terminate")],
        partnership="broendby-strand", district="kbh-vestegn")
    _task(db, "H", "decision", "2025-02-03", "2025-02-05")
    with db.session() as s:
        # G: recorded before the history existed (a case row only), in motalavej
        s.add(CaseRecord(case_id=_case_id("G"), stage="awaiting_decision",
                         police_district=DISTRICT, partnership_id=SLAGELSE,
                         area_id="motalavej", person_ref=refs["G"], eligibility="eligible"))
        s.add(ReentryBlockRecord(block_id=f"{_case_id('A')}-b1", case_id=_case_id("A"),
                                 area_id="motalavej", person_ref=refs["A"],
                                 placed_on=date(2025, 2, 1), expires_on=date(2027, 2, 1)))
        s.add(ReentryBlockRecord(block_id="old-b1", case_id="case-old", area_id="ringparken",
                                 person_ref=refs["C"], placed_on=date(2025, 1, 15),
                                 expires_on=date(2027, 1, 15), status="lifted",
                                 lifted_on=date(2025, 8, 1), lift_reason="overturned"))
        s.add(ReentryBlockRecord(block_id="bbs-b1", case_id=_case_id("H"),
                                 area_id="broendby-strand", person_ref=refs["H"],
                                 placed_on=date(2025, 2, 5), expires_on=date(2027, 2, 5)))
        for rid, area, on in (("r1", "motalavej", date(2025, 5, 10)),
                              ("r0", "ringparken", date(2024, 12, 30)),
                              ("r2", "broendby-strand", date(2025, 5, 10))):
            s.add(ReentryRefusalRecord(refusal_id=rid, area_id=area, partnership_id=None,
                                       org_id="fob-slagelse", municipality_id="slagelse",
                                       person_ref=refs["A"], move_in_on=on, refused_on=on))
        for letter, when in (("D", "2025-04-06"), ("G", "2025-10-01"), ("H", "2025-04-06")):
            s.add(MunicipalityNotification(
                notification_id=f"n-{letter}", municipality_id="slagelse",
                case_id=_case_id(letter), kind="follow_up",
                created_at=datetime.fromisoformat(f"{when}T10:00:00+00:00")))
        s.commit()
    return w


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    import asyncio

    w = asyncio.run(_build(tmp_path))
    yield w
    w.db.dispose()


def _slagelse(w: World) -> Any:
    ps = load_partnerships(w.settings.partnerships_file.read_text(encoding="utf-8"))
    return ps.partnership(SLAGELSE)


def _tasks(decision: tuple[int, int], review: tuple[int, int] | None = None) -> dict[str, Any]:
    out = {"decision": {"open_past_due_at_end": decision[0], "decided_after_due": decision[1]}}
    if review is not None:
        out["review"] = {"open_past_due_at_end": review[0], "decided_after_due": review[1]}
    return out


def _none() -> dict[str, Any]:
    return {"cases": 0, "median": None, "p90": None}


def _d(n: int, med: float, p: float) -> dict[str, Any]:
    return {"cases": n, "median": med, "p90": p}


# Every figure of both areas (and the partnership), per quarter and year, as the cases
# above make them.
MOTALAVEJ = {
    "Q1": {"registered": 2, "disclosed": 2,
           "eligibility": {"disclose_other_ground": 1, "eligible": 1},
           "decisions": {"terminate": {"eligible": 1}},
           "days_registration_to_disclosure": _d(2, 2.5, 3.0),
           "days_disclosure_to_decision": _d(1, 8.0, 8.0),
           "stages_entered": {"awaiting_decision": 2, "decided": 1, "disclosed": 2,
                              "eligibility": 2, "reentry_blocked": 1, "registered": 2},
           "overdue_tasks": _tasks((1, 0), (0, 0)), "active_blocks_at_end": 1,
           "refusals_28": 0, "municipality_notifications": 0},
    "Q2": {"registered": 0, "disclosed": 0, "eligibility": {},
           "decisions": {"warn": {"disclose_other_ground": 1}},
           "days_registration_to_disclosure": _none(),
           "days_disclosure_to_decision": _d(1, 65.0, 65.0),
           "stages_entered": {"closed": 1, "decided": 1},
           "overdue_tasks": _tasks((0, 1), (0, 0)), "active_blocks_at_end": 1,
           "refusals_28": 1, "municipality_notifications": 0},
    "Q3": {"registered": 1, "disclosed": 0, "eligibility": {"manual_review": 1},
           "decisions": {}, "days_registration_to_disclosure": _none(),
           "days_disclosure_to_decision": _none(),
           "stages_entered": {"awaiting_review": 1, "eligibility": 1, "registered": 1,
                              "termination_noticed": 1},
           "overdue_tasks": _tasks((0, 0), (1, 0)), "active_blocks_at_end": 1,
           "refusals_28": 0, "municipality_notifications": 0},
    "Q4": {"registered": 0, "disclosed": 0, "eligibility": {}, "decisions": {},
           "days_registration_to_disclosure": _none(),
           "days_disclosure_to_decision": _none(), "stages_entered": {},
           "overdue_tasks": _tasks((0, 0), (1, 0)), "active_blocks_at_end": 1,
           "refusals_28": 0, "municipality_notifications": 1},
    "year": {"registered": 3, "disclosed": 2,
             "eligibility": {"disclose_other_ground": 1, "eligible": 1, "manual_review": 1},
             "decisions": {"terminate": {"eligible": 1}, "warn": {"disclose_other_ground": 1}},
             "days_registration_to_disclosure": _d(2, 2.5, 3.0),
             "days_disclosure_to_decision": _d(2, 36.5, 65.0),
             "stages_entered": {"awaiting_decision": 2, "awaiting_review": 1, "closed": 1,
                                "decided": 2, "disclosed": 2, "eligibility": 3,
                                "reentry_blocked": 1, "registered": 3,
                                "termination_noticed": 1},
             "overdue_tasks": _tasks((0, 1), (1, 0)), "active_blocks_at_end": 1,
             "refusals_28": 1, "municipality_notifications": 1},
}
RINGPARKEN = {
    "Q1": {"registered": 1, "disclosed": 0, "eligibility": {"not_eligible": 1},
           "decisions": {}, "days_registration_to_disclosure": _none(),
           "days_disclosure_to_decision": _none(),
           "stages_entered": {"eligibility": 1, "not_eligible": 1, "registered": 1},
           "overdue_tasks": _tasks((0, 0)), "active_blocks_at_end": 1, "refusals_28": 0,
           "municipality_notifications": 0},
    "Q2": {"registered": 2, "disclosed": 3, "eligibility": {"eligible": 3},
           "decisions": {"no_action": {"eligible": 1}},
           "days_registration_to_disclosure": _d(2, 1.0, 1.0),
           "days_disclosure_to_decision": _d(1, 2.0, 2.0),
           "stages_entered": {"awaiting_decision": 3, "closed": 1, "decided": 1,
                              "disclosed": 3, "eligibility": 2, "registered": 2},
           "overdue_tasks": _tasks((1, 0)), "active_blocks_at_end": 1, "refusals_28": 0,
           "municipality_notifications": 1},
    "Q3": {"registered": 0, "disclosed": 0, "eligibility": {}, "decisions": {},
           "days_registration_to_disclosure": _none(),
           "days_disclosure_to_decision": _none(), "stages_entered": {},
           "overdue_tasks": _tasks((1, 0)), "active_blocks_at_end": 0, "refusals_28": 0,
           "municipality_notifications": 0},
    "Q4": {"registered": 0, "disclosed": 0, "eligibility": {}, "decisions": {},
           "days_registration_to_disclosure": _none(),
           "days_disclosure_to_decision": _none(), "stages_entered": {},
           "overdue_tasks": _tasks((1, 0)), "active_blocks_at_end": 0, "refusals_28": 0,
           "municipality_notifications": 0},
    "year": {"registered": 3, "disclosed": 3,
             "eligibility": {"eligible": 3, "not_eligible": 1},
             "decisions": {"no_action": {"eligible": 1}},
             "days_registration_to_disclosure": _d(2, 1.0, 1.0),
             "days_disclosure_to_decision": _d(1, 2.0, 2.0),
             "stages_entered": {"awaiting_decision": 3, "closed": 1, "decided": 1,
                                "disclosed": 3, "eligibility": 3, "not_eligible": 1,
                                "registered": 3},
             "overdue_tasks": _tasks((1, 0)), "active_blocks_at_end": 0, "refusals_28": 0,
             "municipality_notifications": 1},
}
EMPTY = {p: {"registered": 0, "disclosed": 0, "eligibility": {}, "decisions": {},
             "days_registration_to_disclosure": _none(),
             "days_disclosure_to_decision": _none(), "stages_entered": {},
             "overdue_tasks": {}, "active_blocks_at_end": 0, "refusals_28": 0,
             "municipality_notifications": 0} for p in ("Q1", "Q2", "Q3", "Q4", "year")}


def _areas(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["area_id"]: a for a in report["areas"]}


def test_the_figures_equal_the_cases_made_per_area(world: World) -> None:
    report = partnership_report(world.db, _slagelse(world), YEAR, as_of=AS_OF)

    areas = _areas(report)
    assert list(areas) == ["motalavej", "ringparken", "sydbyen", "parkvej-praestevangen", "all"]
    assert areas["motalavej"]["figures"] == MOTALAVEJ
    assert areas["ringparken"]["figures"] == RINGPARKEN
    assert areas["sydbyen"]["figures"] == EMPTY == areas["parkvej-praestevangen"]["figures"]
    assert report["not_counted"] == {"cases_without_history": 1,  # G
                                     "cases_without_registration_in_history": 1,  # I
                                     "cases_without_area": 1}  # J
    year = areas["all"]["figures"]["year"]
    assert (year["registered"], year["disclosed"]) == (6, 5)
    assert year["eligibility"] == {"disclose_other_ground": 1, "eligible": 4,
                                   "manual_review": 1, "not_eligible": 1}
    assert year["decisions"] == {"no_action": {"eligible": 1}, "terminate": {"eligible": 1},
                                 "warn": {"disclose_other_ground": 1}}
    assert year["days_registration_to_disclosure"] == _d(4, 1.5, 3.0)
    assert year["days_disclosure_to_decision"] == _d(3, 8.0, 65.0)
    assert year["overdue_tasks"] == _tasks((1, 1), (1, 0))
    assert (year["active_blocks_at_end"], year["refusals_28"],
            year["municipality_notifications"]) == (1, 1, 2)
    for quarter in ("Q1", "Q2", "Q3", "Q4"):
        counted = [areas[a]["figures"][quarter] for a in ("motalavej", "ringparken")]
        total = areas["all"]["figures"][quarter]
        for name in ("registered", "disclosed", "active_blocks_at_end", "refusals_28",
                     "municipality_notifications"):
            assert total[name] == sum(f[name] for f in counted), (quarter, name)


def test_the_history_is_written_once_per_change_and_holds_no_person(world: World) -> None:
    with world.db.session() as s:
        rows = list(s.exec(select(CaseStageRecord)))
        case_a = s.get(CaseRecord, _case_id("A"))
    assert len(rows) == 6 + 6 + 4 + 3 + 6 + 4 + 2 + 2 + 3  # each first change sent twice
    assert case_a is not None and case_a.stage == "reentry_blocked" and case_a.stage_seq == 6
    assert "person_ref" not in CaseStageRecord.model_fields
    dump = json.dumps([r.model_dump(mode="json") for r in rows])
    assert not any(ref in dump for ref in world.refs.values())


async def test_an_older_change_after_a_newer_still_lands_in_the_history(world: World) -> None:
    late = StageChange(case_id=_case_id("A"), seq=2, stage="eligibility",
                       at="2025-01-10T10:00:00+00:00")
    with world.db.session() as s:
        s.delete(s.get(CaseStageRecord, (_case_id("A"), 2)))
        s.commit()
    await world.book.record_stage(late)
    with world.db.session() as s:
        assert s.get(CaseStageRecord, (_case_id("A"), 2)) is not None
        assert s.get(CaseRecord, _case_id("A")).stage == "reentry_blocked"  # type: ignore[union-attr]


def _assert_no_person(text: str, w: World) -> None:
    assert not re.search(r"p-[0-9a-f]{32}", text)
    assert not any(ref in text for ref in w.refs.values())
    assert not any(cpr in text or f"{cpr[:6]}-{cpr[6:]}" in text for cpr in CPRS.values())
    assert not any(name in text for name in NAMES)
    assert "case-" not in text and not any(cid in text for cid in w.case_ids.values())


def _rows(csv_text: str) -> dict[tuple[str, ...], str]:
    parsed = list(csv.DictReader(io.StringIO(csv_text)))
    return {(r["area_id"], r["period"], r["figure"], r["key"]): r["value"] for r in parsed}


def _json_as_rows(report: dict[str, Any]) -> dict[tuple[str, ...], str]:
    out: dict[tuple[str, ...], str] = {}

    def walk(area: str, period: str, figure: str, key: str, v: Any) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                walk(area, period, figure, f"{key}/{k}" if key else k, x)
        else:
            out[(area, period, figure, key)] = "" if v is None else str(v)

    for a in report["areas"]:
        for period, figures in a["figures"].items():
            for figure, v in figures.items():
                walk(a["area_id"], period, figure, "", v)
        for ix in a["tryghedsindeks"]:
            out[(a["area_id"], str(ix["year"]), "tryghedsindeks", ix["indicator"])] = str(
                ix["value"])
    for k, n in report["not_counted"].items():
        out[("all", "year", "not_counted", k)] = str(n)
    return out


def _cli(w: World, *args: str) -> Any:
    env = {"VF_STATE_DIR": str(w.settings.state_dir), "VF_ENVIRONMENT": "test"}
    get_settings.cache_clear()  # the command reads the settings of this test's state dir
    try:
        return CliRunner().invoke(cli, list(args), env=env)
    finally:
        get_settings.cache_clear()


def test_cli_csv_and_json_agree_show_the_index_and_name_no_person(world: World,
                                                                   tmp_path: Path) -> None:
    imported = _cli(world, "report", "import-tryghedsindeks", str(INDEX_CSV))
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "slagelse.csv"
    as_csv = _cli(world, "report", "--partnership", SLAGELSE, "--year", str(YEAR),
                  "--format", "csv", "--output", str(out))
    as_json = _cli(world, "report", "--partnership", SLAGELSE, "--year", str(YEAR),
                   "--format", "json")
    assert as_csv.exit_code == 0 and as_json.exit_code == 0, as_csv.output + as_json.output
    report = json.loads(as_json.output)
    csv_text = out.read_text(encoding="utf-8")
    assert _rows(csv_text) == _json_as_rows(report)
    assert _areas(report)["motalavej"]["figures"] == MOTALAVEJ  # as of today: same, 2025 ended
    index = _areas(report)["motalavej"]["tryghedsindeks"]
    assert {(i["year"], i["indicator"]) for i in index} >= {(2024, "tryghed_andel"),
                                                            (2025, "tryghed_andel")}
    assert all("ILLUSTRATIV" in i["source"] for i in index)
    assert "Politiets Tryghedsindeks" in report["tryghedsindeks_label"]
    assert "tryghedsindeks" in {r.split(",")[4] for r in csv_text.splitlines()}
    _assert_no_person(csv_text, world)
    _assert_no_person(as_json.output, world)


def test_cli_refuses_an_unknown_partnership_and_a_future_year(world: World) -> None:
    r = _cli(world, "report", "--partnership", "atlantis", "--year", "2025")
    assert r.exit_code == 1 and "no partnership 'atlantis'" in r.output
    r = _cli(world, "report", "--partnership", SLAGELSE, "--year", "2999")
    assert r.exit_code == 1 and "has not begun" in r.output
    r = _cli(world, "report", "--partnership", SLAGELSE, "--year", "2016")
    assert r.exit_code == 1 and "began on 2017-09-01" in r.output


def test_index_import_refuses_an_unknown_area_and_reimports_idempotently(
        world: World, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("area_id,year,indicator,value,source\n"
                   "motalavej,2025,tryghed_andel,70,S\n"
                   "vollsmose,2025,tryghed_andel,55,S\n", encoding="utf-8")
    r = _cli(world, "report", "import-tryghedsindeks", str(bad))
    assert r.exit_code == 1
    assert "refused: line 3: unknown area 'vollsmose'" in r.output
    assert "nothing imported" in r.output

    def stored() -> list[tuple[str, int, str, float]]:
        with world.db.session() as s:
            return sorted((x.area_id, x.year, x.indicator, x.value)
                          for x in s.exec(select(TryghedsindeksRecord)))

    assert stored() == []
    first = _cli(world, "report", "import-tryghedsindeks", str(INDEX_CSV))
    after_first = stored()
    again = _cli(world, "report", "import-tryghedsindeks", str(INDEX_CSV))
    assert first.exit_code == again.exit_code == 0
    n = len(after_first)
    assert n > 0 and f"{n} added, 0 changed" in first.output, first.output
    assert f"0 added, 0 changed, {n} unchanged" in again.output
    assert stored() == after_first
    corrected = tmp_path / "corrected.csv"
    corrected.write_text("area_id,year,indicator,value,source\n"
                         "motalavej,2025,tryghed_andel,99.5,ILLUSTRATIV rettet\n",
                         encoding="utf-8")
    r = _cli(world, "report", "import-tryghedsindeks", str(corrected))
    assert "0 added, 1 changed" in r.output
    assert ("motalavej", 2025, "tryghed_andel", 99.5) in stored()
    assert len(stored()) == n


# -- the API --------------------------------------------------------------------------
@pytest.fixture
def api(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.settings, database=world.db)) as client:
        yield client


def _auth(w: World, org: str, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_dev_token(w.settings, w.keys, org, role=role)}"}


PATH = f"/reports/partnerships/{SLAGELSE}/{YEAR}"


@pytest.mark.parametrize(("role", "org", "expected"), [
    ("police_reviewer", DISTRICT, 200),
    ("police_reviewer", "kbh-vestegn", 403),  # another district's
    ("municipality_caseworker", "slagelse", 200),
    ("municipality_caseworker", "0330", 200),  # Slagelse by its municipality code
    ("municipality_caseworker", "broendby", 403),
    ("supervisor", "fob-slagelse", 200),
    ("supervisor", "bbs", 403),  # a Brøndby organisation
    ("caseworker", "fob-slagelse", 403),  # caseworkers decide cases; no figures
    ("operator", "platform", 200),
    ("auditor", "platform", 200),
])
def test_who_reads_the_figures(world: World, api: TestClient, role: str, org: str,
                               expected: int) -> None:
    r = api.get(PATH, headers=_auth(world, org, role))
    assert r.status_code == expected, r.text


def test_api_json_and_csv_agree_with_the_cases_and_name_no_person(world: World,
                                                                  api: TestClient) -> None:
    headers = _auth(world, DISTRICT, "police_reviewer")
    as_json = api.get(PATH, headers=headers)
    as_csv = api.get(PATH, params={"format": "csv"}, headers=headers)
    assert as_json.status_code == as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    report = as_json.json()
    assert _areas(report)["ringparken"]["figures"] == RINGPARKEN
    assert _rows(as_csv.text) == _json_as_rows(report)
    cli_json = json.loads(_cli(world, "report", "--partnership", SLAGELSE, "--year",
                               str(YEAR), "--format", "json").output)
    assert cli_json == report
    _assert_no_person(as_json.text, world)
    _assert_no_person(as_csv.text, world)


def test_api_unknown_partnership_bad_year_and_no_token(world: World, api: TestClient) -> None:
    headers = _auth(world, "platform", "operator")
    r = api.get(f"/reports/partnerships/atlantis/{YEAR}", headers=headers)
    assert r.status_code == 404 and r.json()["detail"] == "no such partnership"
    r = api.get(f"/reports/partnerships/{SLAGELSE}/2999", headers=headers)
    assert r.status_code == 422 and "has not begun" in r.json()["detail"]
    assert api.get(f"/reports/partnerships/{SLAGELSE}/twenty", headers=headers
                   ).status_code == 422
    assert api.get(PATH, params={"format": "xml"}, headers=headers).status_code == 422
    assert api.get(PATH).status_code == 401
