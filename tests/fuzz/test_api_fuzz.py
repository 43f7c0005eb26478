"""Schemathesis on the task API's own OpenAPI document, in process over ASGI.

Every operation, with data that fits the document and data that does not, as a caseworker,
a supervisor, a municipality caseworker, an auditor and with no token at all: no response
is a server error, and every response is one the document describes (status code, content
type, body schema). Callers are drawn mostly among those the operation admits, so the
handlers run and not only the door; path ids are drawn mostly from seeded rows (the
caller's own tasks, another organisation's, done and withdrawn ones), so opening a sealed
disclosure, deciding (against a fake Temporal that accepts) and assigning run too.

What the generator cannot send (a lone surrogate is valid JSON but no UTF-8 text; ids past
SQLite's integers are rarely drawn) is sent by hand in ``HOSTILE``.

Bounded: ``EXAMPLES`` cases per operation and generation mode, about 20 s on this machine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.api.app import create_app
from tests.unit.test_access_matrix import FakeTemporal
from tests.unit.test_api import sealed_for
from verdictflow.domain.identity import person_ref
from verdictflow.platform.audit import record_audit
from verdictflow.platform.database import Database
from verdictflow.platform.identity_provider import issue_dev_token
from verdictflow.platform.keys import FileKeyStore, provision
from verdictflow.platform.readmodel import (
    DisclosureRequestRecord,
    ReentryBlockRecord,
    Task,
    read_model_database,
)
from verdictflow.platform.settings import Settings

ORG, OTHER_ORG, MUNICIPALITY = "hs-brondby", "hs-slagelse", "0153"
AREA = "broendby-strand"  # one of ORG's partnership areas in the shipped reference data
BLOCKED_CPR = "0101901234"
EXAMPLES = 100
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
# Answers the decision route gives that its document does not describe yet; the route is
# being reworked on another branch, so they are named here, narrowly, instead of fixed:
# - 422 with a domain rule's reason as a string (DecisionInvalid), documented only as
#   FastAPI's list of field errors;
# - 400 for a body that is not UTF-8 (FastAPI's own answer), not documented.
# Only these (operation, status) pairs skip the document checks; a 5xx is never excused.
KNOWN_GAPS: set[tuple[str, int]] = set()  # (operation, status) answered off the document

CALLERS: dict[str, tuple[str, str] | None] = {
    "caseworker": (ORG, "caseworker"),
    "supervisor": (ORG, "supervisor"),
    "municipality": (MUNICIPALITY, "municipality_caseworker"),
    "auditor": (ORG, "auditor"),
    "anonymous": None,
}
# Who each operation admits (the access matrix test holds the full table): drawn mostly.
ADMITTED = {"GET /notifications": ["municipality"], "GET /audit": ["auditor"],
            "POST /tasks/{task_id}/assignee": ["supervisor"],
            "GET /reports/partnerships/{partnership_id}/{year}": ["auditor"]}
DEFAULT_ADMITTED = ["caseworker", "supervisor"]
OPERATIONS = {
    "GET /healthz", "GET /tasks", "GET /tasks/{task_id}", "POST /tasks/{task_id}/decision",
    "POST /tasks/{task_id}/assignee", "GET /notifications", "GET /audit",
    "POST /reentry-blocks/check", "GET /.well-known/jwks.json",
    "POST /disclosure-requests", "GET /disclosure-requests",
    "GET /disclosure-requests/{request_id}",
    "GET /reports/partnerships/{partnership_id}/{year}",
    "POST /reentry-checks", "POST /reentry-refusals",
}


@dataclass
class Api:
    app: FastAPI
    client: TestClient
    headers: dict[str, dict[str, str]]  # by caller
    task_ids: list[str]


def _seed(read_model: Database, keys: FileKeyStore) -> list[str]:
    rows = [("own-open", ORG, "decision", "open"), ("own-done", ORG, "decision", "done"),
            ("own-withdrawn", ORG, "decision", "withdrawn"),
            ("other-open", OTHER_ORG, "decision", "open"),
            ("review", "kbh-vestegn", "review", "open")]
    with read_model.session() as s:
        for name, org, kind, status in rows:
            sealed = sealed_for(keys, org, f"case-{name}") if kind == "decision" else None
            s.add(Task(task_id=f"t-{name}", case_id=f"case-{name}", kind=kind, org_id=org,
                       status=status, due_on=date.today() + timedelta(days=14),
                       sealed_disclosure=sealed))
        s.add(DisclosureRequestRecord(
            request_id="r-own", org_id=ORG, area_id=AREA, police_district="kbh-vestegn",
            person_ref=person_ref(BLOCKED_CPR, keys.pseudonym_key()), state="open",
            requested_on=date.today(), open_until=date.today() + timedelta(days=90)))
        s.add(ReentryBlockRecord(block_id="b-1", case_id="case-own-done", area_id=AREA,
                                 person_ref=person_ref(BLOCKED_CPR, keys.pseudonym_key()),
                                 placed_on=date.today() - timedelta(days=1),
                                 expires_on=date.today() + timedelta(days=700)))
        s.commit()
    record_audit(read_model, actor="cw-1", action="disclosure.read", org_id=ORG,
                 case_id="case-own-open", task_id="t-own-open")
    return [f"t-{name}" for name, *_ in rows]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    settings = Settings(state_dir=Path(tmp_path_factory.mktemp("api-fuzz")), environment="test")
    keys = FileKeyStore(settings.keys_dir)
    provision(keys, [ORG, OTHER_ORG])  # the organisations of the seeded tasks
    read_model = read_model_database(settings)
    app = create_app(settings, temporal_client=FakeTemporal(), database=read_model)
    headers = {}
    for caller, identity in CALLERS.items():
        token = issue_dev_token(settings, keys, identity[0], role=identity[1],
                                subject=f"fuzz-{caller}") if identity else None
        headers[caller] = {"Authorization": f"Bearer {token}"} if token else {}
    # raise_server_exceptions=False: a 500 is an answer to assert on, not a crash of the test.
    with TestClient(app, raise_server_exceptions=False) as client:  # lifespan: tables exist
        yield Api(app, client, headers, _seed(read_model, keys))
    read_model.dispose()


def _operations(api: Api) -> dict[str, Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    return {op.label: op for op in operations}


def test_the_document_lists_every_route(api: Api) -> None:
    assert set(_operations(api)) == OPERATIONS


# -- by hand: deep paths, and what the generator cannot send --------------------------------
SEEDED: list[tuple[str, str, str, dict[str, Any] | None, int]] = [
    ("caseworker", "GET /tasks/{task_id}", "t-own-open", None, 200),
    ("caseworker", "GET /tasks/{task_id}", "t-own-withdrawn", None, 200),
    ("caseworker", "GET /tasks/{task_id}", "t-other-open", None, 404),
    ("caseworker", "POST /tasks/{task_id}/decision", "t-own-open",
     {"outcome": "warn", "justification": "Skriftlig advarsel efter samtale."}, 200),
    ("caseworker", "POST /tasks/{task_id}/decision", "t-own-done",
     {"outcome": "warn", "justification": "Skriftlig advarsel efter samtale."}, 409),
    ("supervisor", "POST /tasks/{task_id}/assignee", "t-own-open", {"assignee": "cw-2"}, 200),
    ("supervisor", "POST /tasks/{task_id}/assignee", "t-own-done", {"assignee": "cw-2"}, 409),
    ("caseworker", "POST /reentry-blocks/check", "", {"cpr": BLOCKED_CPR}, 200),
    ("caseworker", "POST /reentry-blocks/check", "", {"cpr": "12"}, 422),
    ("caseworker", "POST /reentry-blocks/check", "", {"cpr": 101901234}, 422),
    ("municipality", "GET /notifications", "", None, 200),
    ("auditor", "GET /audit", "", None, 200),
    ("anonymous", "GET /tasks", "", None, 401),
]


def test_seeded_rows_answer_as_documented(api: Api) -> None:
    operations = _operations(api)
    for caller, label, task_id, body, expected in SEEDED:
        kwargs: dict[str, Any] = {"body": body} if body is not None else {}
        case = operations[label].Case(
            path_parameters={"task_id": task_id} if task_id else None, **kwargs)
        response = case.call(headers=api.headers[caller])
        assert response.status_code == expected, (caller, label, task_id, response.text)
        case.validate_response(response, checks=CHECKS, headers=api.headers[caller])
        if expected == 422:  # a 422 never echoes what was sent (it may be a CPR number)
            assert "input" not in response.text and "101901234" not in response.text


# (caller, method, path, raw body, expected status). A lone surrogate (\ud800) is valid
# JSON, which pydantic refuses; FastAPI's own 422 echoed it back and failed to encode: 500.
HOSTILE: list[tuple[str, str, str, bytes | None, int]] = [
    ("caseworker", "POST", "/tasks/t-own-open/decision",
     b'{"outcome": "warn", "justification": "Skriftlig advarsel \\ud800"}', 422),
    ("caseworker", "POST", "/tasks/t-own-open/decision",
     b'{"outcome": "warn", "justification": "Skriftlig advarsel", "\\ud800": 1}', 422),
    ("supervisor", "POST", "/tasks/t-own-open/assignee", b'{"assignee": "cw-\\ud800"}', 422),
    ("caseworker", "POST", "/reentry-blocks/check", b'{"cpr": "010190\\ud8001234"}', 422),
    ("caseworker", "POST", "/reentry-blocks/check", b'{"cpr": "' + b"1" * 5000 + b'"}', 422),
    ("caseworker", "POST", "/reentry-blocks/check", b"[" * 50_000, 400),
    ("caseworker", "POST", "/reentry-blocks/check", b"\xff\xfe", 422),
    # Past SQLite's (and PostgreSQL's bigint) integers: the comparison itself overflowed.
    ("auditor", "GET", "/audit?after_id=9223372036854775808", None, 422),
    ("auditor", "GET", "/audit?after_id=" + "9" * 40, None, 422),
    ("caseworker", "GET", "/tasks/t%00own", None, 404),
    ("caseworker", "GET", "/tasks/" + "x" * 60_000, None, 404),  # httpx's URL limit: 64 KiB
]


@pytest.mark.parametrize(("caller", "method", "path", "body", "expected"), HOSTILE,
                         ids=[f"{m} {p[:40]} {(b or b'')[:40]!r}" for _, m, p, b, _ in HOSTILE])
def test_hostile_requests_are_refused_not_crashed_on(
    api: Api, caller: str, method: str, path: str, body: bytes | None, expected: int,
) -> None:
    headers = {**api.headers[caller], "Content-Type": "application/json"}
    response = api.client.request(method, path, content=body, headers=headers)
    assert response.status_code == expected, response.text
    response.json()  # a JSON body, whatever went in


# -- generated ------------------------------------------------------------------------
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_operation_answers_with_a_server_error_or_off_its_document(
    api: Api, mode: GenerationMode,
) -> None:
    statuses: Counter[tuple[str, int]] = Counter()
    failures = {}
    for label, operation in _operations(api).items():
        try:
            _fuzz(api, operation, mode, statuses)
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing to get wrong: no input at all
        except (Exception, FailureGroup) as exc:  # every operation runs; all failures shown
            failures[label] = exc
    assert not failures, "\n\n".join(f"{label}: {exc}" for label, exc in failures.items())
    assert not [key for key in statuses if key[1] >= 500], statuses
    # Not all refused at the door: every operation with input was answered past it.
    for label in OPERATIONS - {"GET /healthz", "GET /.well-known/jwks.json"}:
        assert any(n for (op, code), n in statuses.items()
                   if op == label and code not in (401, 403)), (label, statuses)


def _fuzz(api: Api, operation: Any, mode: GenerationMode,
          statuses: Counter[tuple[str, int]]) -> None:
    admitted = ADMITTED.get(operation.label, DEFAULT_ADMITTED)

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode),
           caller=st.sampled_from(admitted * 6 + list(CALLERS)), data=st.data())
    def run(case: Case, caller: str, data: st.DataObject) -> None:
        if case.path_parameters and "task_id" in case.path_parameters and data.draw(
                st.integers(0, 3)):
            case.path_parameters["task_id"] = data.draw(st.sampled_from(api.task_ids))
        if case.path_parameters and "request_id" in case.path_parameters and data.draw(
                st.booleans()):
            case.path_parameters["request_id"] = "r-own"
        if case.path_parameters and "partnership_id" in case.path_parameters and data.draw(
                st.booleans()):
            case.path_parameters["partnership_id"] = "broendby-strand"
        if operation.label == "POST /reentry-blocks/check" and mode is GenerationMode.POSITIVE \
                and data.draw(st.booleans()):
            case.body = {"cpr": BLOCKED_CPR}
        # The caller's token replaces one the generator made up (the case's own headers
        # win over call(headers=...)); an anonymous caller keeps a made-up one, if any.
        headers = {**(case.headers or {}), **api.headers[caller]}
        case.headers = headers
        response = case.call()
        statuses[operation.label, response.status_code] += 1
        known_gap = (operation.label, response.status_code) in KNOWN_GAPS
        case.validate_response(response, checks=CHECKS[:1] if known_gap else CHECKS,
                               headers=headers)

    run()
