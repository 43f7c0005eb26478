"""Re-entry block checks: partners in the area learn of an active block, nobody else."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.api.app import create_app
from services.api.auth import issue_dev_token
from verdictflow.domain.identity import person_ref
from verdictflow.platform.keys import keystore_for
from verdictflow.platform.readmodel import AuditEntry, ReentryBlockRecord, read_model_database
from verdictflow.platform.settings import Settings

CPR = "1203851111"


@pytest.fixture
def api(tmp_path: Path):  # noqa: ANN201
    settings = Settings(state_dir=tmp_path, environment="test")
    keys = keystore_for(settings)
    today = date.today()
    with read_model_database(settings).session() as s:
        s.add(ReentryBlockRecord(
            block_id="b1", case_id="case-1", area_id="broendby-strand",
            person_ref=person_ref(CPR, keys.pseudonym_key()),
            placed_on=today - timedelta(days=10), expires_on=today + timedelta(days=700)))
        s.add(ReentryBlockRecord(
            block_id="b2", case_id="case-2", area_id="broendby-strand",
            person_ref=person_ref("0101010101", keys.pseudonym_key()),
            placed_on=today - timedelta(days=900), expires_on=today - timedelta(days=170)))
        s.commit()
    with TestClient(create_app(settings)) as client:
        yield client, settings, keys


def check(api, org: str, cpr: str, role: str = "caseworker"):  # noqa: ANN001, ANN201
    client, settings, keys = api
    token = issue_dev_token(settings, keys, org, role=role)
    return client.post("/reentry-blocks/check", json={"cpr": cpr},
                       headers={"Authorization": f"Bearer {token}"})


def test_a_partner_in_the_area_sees_the_active_block(api) -> None:  # noqa: ANN001
    # pab lets in Brøndby Strand too: any partner in the area may ask.
    answer = check(api, "pab", "120385-1111").json()
    assert answer["blocked"] is True
    assert [b["area_id"] for b in answer["blocks"]] == ["broendby-strand"]


def test_an_expired_block_and_an_unknown_person_are_clear(api) -> None:  # noqa: ANN001
    assert check(api, "bbs", "0101010101").json()["blocked"] is False
    assert check(api, "bbs", "3112992222").json()["blocked"] is False


def test_an_organisation_elsewhere_learns_nothing(api) -> None:  # noqa: ANN001
    assert check(api, "slagelse-boligselskab", CPR).json() == {
        "blocked": False, "blocks": [], "legal_basis": "Udlejningsbekendtgørelsen § 28"}


def test_lookups_are_audited_without_the_cpr_number(api) -> None:  # noqa: ANN001
    check(api, "bbs", CPR)
    _, settings, _ = api
    with read_model_database(settings).session() as s:
        rows = [r for r in s.query(AuditEntry).all() if r.action == "block.lookup"]
    assert len(rows) == 1 and rows[0].org_id == "bbs"
    assert CPR not in (rows[0].detail or "") and "blocked" in (rows[0].detail or "")


def test_only_housing_caseworkers_may_ask(api) -> None:  # noqa: ANN001
    assert check(api, "bbs", CPR, role="operator").status_code == 403
    assert check(api, "bbs", "not-a-cpr").status_code == 422
