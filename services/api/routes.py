"""HTTP routes, kept thin: each one hands over to a function in ``tasks``.

Reads are plain ``def`` routes (FastAPI runs them in its thread pool, so the SQLite read
model and the decryption do not block the event loop); the decision awaits Temporal.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from services.api import tasks
from services.api.auth import TaskUser
from services.api.schemas import DecisionBody, DecisionResult, Problem, TaskDetail, TaskSummary

Ctx = Annotated[tasks.ApiContext, Depends(tasks.api_context)]


def _problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": Problem} for code in codes}


router = APIRouter(responses=_problems(401, 403))


@router.get("/healthz", tags=["operations"])
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/tasks", tags=["tasks"])
def list_tasks(ctx: Ctx, user: TaskUser) -> list[TaskSummary]:
    """The caller organisation's open tasks, earliest deadline first."""
    return tasks.list_open_tasks(ctx, user)


@router.get("/tasks/{task_id}", tags=["tasks"], responses=_problems(404, 502))
def read_task(task_id: str, ctx: Ctx, user: TaskUser) -> TaskDetail:
    """The task and its disclosure, opened for the caller's organisation (CPR masked).

    Every read is written to the audit log.
    """
    return tasks.read_task(ctx, user, task_id)


@router.post("/tasks/{task_id}/decision", tags=["tasks"], responses=_problems(404, 409, 503))
async def decide(task_id: str, body: DecisionBody, ctx: Ctx, user: TaskUser) -> DecisionResult:
    """Decides the task. 422: the decision breaks a rule; 409: the case refuses it."""
    accepted = await tasks.decide(ctx, user, task_id, body)
    return DecisionResult(case_id=accepted.case_id, task_id=accepted.task_id,
                          outcome=accepted.outcome, stage=accepted.stage)
