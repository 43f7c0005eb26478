"""What an operator reads about a case in the Temporal Web UI: ids, stage, what it waits for
and until when. Never the person or the verdict: these texts travel beside the encrypted
payloads (the static summary as plain JSON, unencrypted on purpose), so they are built
from ids and stages only. Pure, so it is tested without a server.
"""

from __future__ import annotations

from verdictflow.domain.case import Stage
from workflows.case.state import CaseState

# Where the case waits for something other than a person's task.
_WAITS_FOR = {
    Stage.REGISTERED: "its policy terms",
    Stage.AWAITING_FINALITY: "the verdict to become final (finalized or overturned event)",
    Stage.ELIGIBILITY: "its assessment",
    Stage.DISCLOSED: "the housing organisation's receipt",
    Stage.REENTRY_BLOCKED: "the re-entry block to end",
}


def static_summary(case_id: str, police_district: str) -> str:
    """One line for the list view, set once when the case starts."""
    return f"Verdict case {case_id} from police district {police_district}"


def static_details(case_id: str, police_district: str, registered_event_id: str) -> str:
    return (f"**Case** {case_id}  \n**Police district** {police_district}  \n"
            f"**Registered by event** {registered_event_id}")


def current_details(case_id: str, police_district: str, state: CaseState) -> str:
    """Markdown for the case's page: where it stands and what it waits for, until when."""
    e = state.eligibility
    task = state.open_task
    if task is not None:
        waits = f"the {task.kind} task of {task.org_id}, due {task.due_on}"
    else:
        waits = _WAITS_FOR.get(state.stage, "nothing: it holds its data until retention")
    lines = [
        f"**Stage** {state.stage.value}",
        f"**Waits for** {waits}",
        f"**Case** {case_id} · **police district** {police_district}",
    ]
    if e is not None:
        lines.append(f"**Organisation** {e.housing_org_id or '-'} · **area** {e.area_id or '-'}"
                     f" · **partnership** {e.partnership_id or '-'}"
                     f" · **policy** {e.policy_version}")
    return "  \n".join(lines)
