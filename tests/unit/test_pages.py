"""The caseworker pages without a browser: Danish dates and reasons, the session cookie and
CSRF rules, production's sign-in settings, claiming a task (the browser tests in
tests/browser cover the pages as a person uses them)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from services.api.app import create_app
from services.api.auth import OidcConfigError, Principal
from services.api.claims import TaskHeldByAnother, claim_task, release_task
from services.api.pages.consequences import block_end, objection_deadline, opsigelse_end
from services.api.pages.danish import dansk_dato, reason_in_danish
from verdictflow.domain.case import DecisionContext, TaskKind, decision_problem
from verdictflow.platform.readmodel import AuditEntry, Task, read_model_database
from verdictflow.platform.settings import Settings
from workflows.case.messages import DecisionRequest, OpenTask


def test_danish_dates() -> None:
    assert dansk_dato(date(2026, 12, 5)) == "5. december 2026"
    assert dansk_dato("2025-03-01") == "1. marts 2025"
    # 23:30 UTC on New Year's Eve is already the new year in Copenhagen.
    assert dansk_dato(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "1. januar 2027"
    assert dansk_dato(None) == "–"


@pytest.mark.parametrize(("outcome", "justification", "termination", "field"), [
    ("evict", "a long enough reason", None, "outcome"),
    ("warn", "short", None, "justification"),
    ("terminate", "a long enough reason", None, "termination_date"),
    ("terminate", "a long enough reason", "5/12/2026", "termination_date"),
    ("warn", "a long enough reason", "2026-12-05", "termination_date"),
    ("terminate", "a long enough reason", "2020-01-01", "termination_date"),
    ("terminate", "a long enough reason", "2030-01-01", "termination_date"),
])
def test_every_domain_reason_has_a_danish_text_beside_its_field(
        outcome: str, justification: str, termination: str | None, field: str) -> None:
    # The domain's own messages, not copies: a change of wording there fails here.
    req = DecisionRequest("t-1", outcome, justification, "cw", "org", termination)
    problem = decision_problem(req, OpenTask("t-1", TaskKind.DECISION, "org", "2026-12-19"),
                               DecisionContext(today=date(2026, 12, 5)))
    assert problem is not None
    where, text = reason_in_danish(problem)
    assert where == field
    assert not re.search(r"termination_date|justification|outcome", text)


def test_the_dates_the_form_spells_out() -> None:
    assert block_end(date(2026, 12, 5)) == date(2028, 12, 5)  # § 28: two years
    assert opsigelse_end(date(2026, 12, 5)) == date(2027, 4, 1)  # § 88: to the 1st weekday
    assert opsigelse_end(date(2026, 9, 1)) == date(2026, 12, 1)
    assert opsigelse_end(date(2027, 2, 1)) == date(2027, 5, 3)  # 1 May 2027 is a Saturday
    assert objection_deadline(date(2026, 12, 5)) == date(2027, 1, 16)  # § 89: six weeks


def _token(client: TestClient) -> str:
    page = client.get("/ui/login")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(Settings(state_dir=tmp_path, environment="test")))


def test_pages_need_a_session_and_are_not_cached(client: TestClient) -> None:
    with client:
        r = client.get("/ui/opgaver", follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, "/ui/login")
        login = client.get("/ui/login")
        assert login.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in login.headers["content-security-policy"]
        assert "script-src" not in login.headers["content-security-policy"]  # none at all


def test_csrf_token_and_origin_are_checked(client: TestClient) -> None:
    with client:
        token = _token(client)
        form = {"konto": "bbs|caseworker"}
        assert client.post("/ui/login/dev", data=form).status_code == 403
        assert client.post("/ui/login/dev", data={**form, "csrf": "x" * 43}).status_code == 403
        other = client.post("/ui/login/dev", data={**form, "csrf": token},
                            headers={"Origin": "https://evil.example"})
        assert other.status_code == 403
        ok = client.post("/ui/login/dev", data={**form, "csrf": token}, follow_redirects=False)
        assert ok.status_code == 303
        assert client.get("/ui/opgaver").status_code == 200


def test_only_listed_accounts_can_be_chosen(client: TestClient) -> None:
    with client:
        token = _token(client)
        r = client.post("/ui/login/dev", data={"konto": "bbs|operator", "csrf": token},
                        follow_redirects=False)
        assert r.headers["location"] == "/ui/login?fejl=valg"
        assert "vf_session" not in r.headers.get("set-cookie", "")


def test_cookies_over_https_are_secure_and_host_bound(tmp_path: Path) -> None:
    app = create_app(Settings(state_dir=tmp_path, environment="test"))
    with TestClient(app, base_url="https://testserver") as c:
        token = _token(c)
        assert "__Host-vf_csrf" in c.cookies
        r = c.post("/ui/login/dev", data={"konto": "bbs|caseworker", "csrf": token},
                   headers={"Origin": "https://testserver"}, follow_redirects=False)
        cookie = r.headers["set-cookie"]
        assert "vf_session=" in cookie
        assert all(flag in cookie for flag in ("HttpOnly", "Secure", "SameSite=strict"))


def _production(tmp_path: Path, **over: str) -> Settings:
    values = {"oidc_issuer": "https://idp.example.dk/realms/vf",
              "oidc_jwks_url": "https://idp.example.dk/realms/vf/certs",
              "oidc_client_id": "pages", "oidc_client_secret": "secret",
              "oidc_redirect_url": "https://tasks.example.dk/ui/login/callback", **over}
    return Settings(state_dir=tmp_path, environment="production", **values)


def test_production_has_no_development_sign_in(tmp_path: Path) -> None:
    with TestClient(create_app(_production(tmp_path)), base_url="https://testserver") as c:
        page = c.get("/ui/login").text
        assert "Udviklingslogin" not in page and "/ui/login/oidc" in page
        token = c.cookies["__Host-vf_csrf"]  # no form on the page to read it from
        r = c.post("/ui/login/dev", data={"konto": "bbs|caseworker", "csrf": token},
                   headers={"Origin": "https://testserver"})
        assert r.status_code == 404 and "vf_session" not in r.headers.get("set-cookie", "")


@pytest.mark.parametrize(("over", "problem"), [
    ({"oidc_redirect_url": "http://tasks.example.dk/ui/login/callback"}, "REDIRECT_URL"),
    ({"oidc_client_secret": ""}, "CLIENT_SECRET"),
])
def test_production_refuses_an_unsafe_sign_in(tmp_path: Path, over: dict[str, str],
                                              problem: str) -> None:
    with pytest.raises(OidcConfigError, match=problem):
        create_app(_production(tmp_path, **over))


def test_claim_and_release(tmp_path: Path) -> None:
    db = read_model_database(Settings(state_dir=tmp_path, environment="test"))
    db.ready()
    with db.session() as s:
        s.add(Task(task_id="t-1", case_id="c-1", kind="decision", org_id="bbs",
                   due_on=date.today() + timedelta(days=3)))
        s.commit()
    anna = Principal("anna", "bbs", "caseworker")
    bo = Principal("bo", "bbs", "caseworker")
    assert claim_task(db, anna, "t-1").assignee == "anna"
    assert claim_task(db, anna, "t-1").assignee == "anna"  # again: still hers
    with pytest.raises(TaskHeldByAnother):
        claim_task(db, bo, "t-1")
    with pytest.raises(TaskHeldByAnother):
        release_task(db, bo, "t-1")
    assert release_task(db, Principal("lead", "bbs", "supervisor"), "t-1").assignee is None
    assert claim_task(db, bo, "t-1").assignee == "bo"
    with db.session() as s:
        details = [e.detail for e in s.exec(select(AuditEntry))]
    assert details == ["claim", "claim", "release", "claim"]
    db.dispose()
