"""GET /tasks a page at a time: a stable order, filters, summary columns only."""

# The API tests' ``env`` fixture is imported, and pytest passes it by the same name.
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event

from services.api import tasks as api_tasks
from services.api.auth import Principal
from tests.unit.test_api import ORG, Env, add_task, env  # noqa: F401
from verdictflow.platform.readmodel import CaseRecord, Task


def put(env: Env, task_id: str, due: date | None, *, escalated: bool = False,
        kind: str = "decision", status: str = "open", case_id: str | None = None) -> str:
    with env.read_model.session() as s:
        s.add(Task(task_id=task_id, case_id=case_id or f"c-{task_id}", kind=kind, org_id=ORG,
                   status=status, due_on=due, sealed_disclosure="sealed-bytes",
                   escalated_at=datetime.now(UTC) if escalated else None))
        s.commit()
    return task_id


def walk(env: Env, limit: int, **params: str) -> Iterator[list[str]]:
    cursor = None
    while True:
        query = {"limit": str(limit), **params, **({"cursor": cursor} if cursor else {})}
        r = env.client.get("/tasks", headers=env.auth(), params=query)
        assert r.status_code == 200, r.text
        yield [t["task_id"] for t in r.json()]
        cursor = r.headers.get("x-next-cursor")
        if cursor is None:
            return


def test_pages_walk_every_task_once_escalated_first_then_by_deadline_then_id(env: Env) -> None:
    today = date.today()
    expected = [
        put(env, "e2", today + timedelta(days=1), escalated=True),
        put(env, "e1", None, escalated=True),  # undated last within its part
        put(env, "a3", today),
        put(env, "b1", today),  # same day: by id
        put(env, "b2", today),
        put(env, "a1", today + timedelta(days=3)),
        put(env, "z0", None),
    ]
    pages = list(walk(env, limit=2))
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    assert [t for p in pages for t in p] == expected
    assert [t for p in walk(env, limit=200) for t in p] == expected  # one page, no cursor
    # The function the caseworker pages call keeps its signature: every open task, in order.
    caseworker = Principal(subject="cw-1", org_id=ORG, role="caseworker")
    listed = api_tasks.list_open_tasks(env.read_model, caseworker)
    assert [t.task_id for t in listed] == expected
    assert [t.task_id for t in api_tasks.list_open_tasks(env.read_model, caseworker, True)] \
        == ["e2", "e1"]


def test_filters_kind_state_area_and_deadline(env: Env) -> None:
    today = date.today()
    put(env, "soon", today + timedelta(days=1), case_id="case-in-area")
    put(env, "late", today + timedelta(days=30))
    put(env, "done", today, status="done")
    with env.read_model.session() as s:
        s.add(CaseRecord(case_id="case-in-area", stage="awaiting_decision",
                         area_id="brondby-strand"))
        s.commit()

    def ids(**params: str) -> list[str]:
        return [t for p in walk(env, limit=50, **params) for t in p]

    assert ids(due_before=(today + timedelta(days=2)).isoformat()) == ["soon"]
    assert ids(state="done") == ["done"]
    assert ids(area="brondby-strand") == ["soon"]
    assert ids(kind="review") == []  # not the caller's role's kind: nothing, never others'
    assert ids(kind="decision") == ["soon", "late"]


def test_the_default_page_is_50_and_at_most_200_are_asked(env: Env) -> None:
    for i in range(55):
        put(env, f"t{i:03d}", date.today())
    r = env.client.get("/tasks", headers=env.auth())
    assert len(r.json()) == api_tasks.PAGE_SIZE and r.headers["x-next-cursor"]
    assert env.client.get("/tasks", headers=env.auth(), params={"limit": 201}).status_code == 422
    bad = env.client.get("/tasks", headers=env.auth(), params={"cursor": "not-a-cursor"})
    assert bad.status_code == 400 and "cursor" in bad.json()["detail"]


def test_the_list_never_reads_the_sealed_disclosure(env: Env) -> None:
    add_task(env, "case-a")
    statements: list[str] = []
    engine = env.read_model.ready()

    def seen(conn, cursor, statement, *args) -> None:  # noqa: ANN001, ARG001
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        r = env.client.get("/tasks", headers=env.auth())
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert r.status_code == 200 and len(r.json()) == 1
    task_reads = [s for s in statements if "FROM tasks" in s]
    assert task_reads and not any("sealed_disclosure" in s for s in task_reads)


def test_the_openapi_document_says_how_to_page(env: Env) -> None:
    spec = env.client.get("/openapi.json").json()["paths"]["/tasks"]["get"]
    assert "X-Next-Cursor" in spec["responses"]["200"]["headers"]
    assert spec["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    params = {p["name"]: p for p in spec["parameters"]}
    assert {"cursor", "limit", "kind", "state", "area", "due_before", "escalated"} <= set(params)
    limit = params["limit"]["schema"]
    assert limit["maximum"] == 200 and limit["default"] == 50
