"""Which records a termination route takes, and when: state (409) against content (422)."""

from __future__ import annotations

from datetime import date

from verdictflow.domain.case import ROUTE_REQUIRED, DecisionContext, decision_problem
from verdictflow.domain.termination import TerminationPeriods, TerminationRoute, plan_termination
from verdictflow.domain.termination_progress import Awaiting, RouteEnd, RouteProgress
from workflows.case.messages import DecisionRequest, OpenTask

NOTICE = date(2026, 1, 15)  # objection by 26/2, suit by 9/4, effective 1/5


def opsigelse() -> RouteProgress:
    return RouteProgress(plan_termination(TerminationRoute.OPSIGELSE, NOTICE,
                                          TerminationPeriods()))


def ophaevelse() -> RouteProgress:
    return RouteProgress(plan_termination(TerminationRoute.OPHAEVELSE, NOTICE,
                                          TerminationPeriods()))


def test_what_an_opsigelse_awaits() -> None:
    p = opsigelse()
    assert p.awaiting(date(2026, 2, 26)) == Awaiting.OBJECTION
    assert p.awaiting(date(2026, 2, 27)) == Awaiting.NOTICE_END
    p.objected_on = date(2026, 2, 1)
    assert p.awaiting(date(2026, 2, 27)) == Awaiting.SUIT
    p.sued_on = date(2026, 3, 1)
    assert p.awaiting(date(2026, 3, 2)) == Awaiting.COURT_OUTCOME
    p.ended = RouteEnd.UPHELD
    assert p.awaiting(date(2026, 3, 2)) is None


def test_objection_rules() -> None:
    p = opsigelse()
    today = date(2026, 3, 10)
    assert p.objection_problem(date(2026, 2, 26), today) is None  # the last day
    late = p.objection_problem(date(2026, 2, 27), today)
    assert late is not None and late.invalid and "2026-02-26" in late.reason
    early = p.objection_problem(date(2026, 1, 14), today)
    assert early is not None and early.invalid
    future = p.objection_problem(date(2026, 3, 11), today)
    assert future is not None and future.invalid and "future" in future.reason
    p.objected_on = date(2026, 2, 1)
    again = p.objection_problem(date(2026, 2, 2), today)
    assert again is not None and not again.invalid
    none_for_ophaevelse = ophaevelse().objection_problem(date(2026, 2, 1), today)
    assert none_for_ophaevelse is not None and not none_for_ophaevelse.invalid


def test_suit_rules() -> None:
    p = opsigelse()
    today = date(2026, 4, 9)
    no_objection = p.suit_problem(date(2026, 3, 1), today)
    assert no_objection is not None and not no_objection.invalid
    p.objected_on = date(2026, 2, 1)
    assert p.suit_problem(date(2026, 4, 9), today) is None  # on the deadline: in time
    before = p.suit_problem(date(2026, 1, 31), today)
    assert before is not None and before.invalid
    # An ophævelse goes to fogedretten without an objection.
    assert ophaevelse().suit_problem(date(2026, 2, 1), today) is None


def test_court_outcome_rules() -> None:
    p = opsigelse()
    today = date(2026, 6, 1)
    p.objected_on = date(2026, 2, 1)
    unsued = p.outcome_problem("upheld", date(2026, 5, 1), today)
    assert unsued is not None and not unsued.invalid
    p.sued_on = date(2026, 3, 1)
    assert p.outcome_problem("unjustified", date(2026, 5, 1), today) is None
    wrong = p.outcome_problem("dismissed", date(2026, 5, 1), today)
    assert wrong is not None and wrong.invalid
    # The fast track (retsplejeloven § 996 b): an ophævelse's outcome needs no recorded suit.
    assert ophaevelse().outcome_problem("upheld", date(2026, 2, 1), today) is None
    p.ended = RouteEnd.NOT_SUED_IN_TIME
    ended = p.outcome_problem("upheld", date(2026, 5, 1), today)
    assert ended is not None and not ended.invalid and "not_sued_in_time" in ended.reason


def _terminate(**kw: str | None) -> DecisionRequest:
    fields: dict[str, str | None] = dict(
        task_id="c-decision", outcome="terminate", justification="Grov vold i opgangen.",
        decided_by="cw", org_id="bbs", termination_date="2026-01-15")
    fields.update(kw)
    return DecisionRequest(**fields)  # type: ignore[arg-type]


def test_a_new_decision_must_choose_its_route() -> None:
    task = OpenTask("c-decision", "decision", "bbs", "2026-01-29")
    ctx = DecisionContext(today=date(2026, 1, 15))
    assert decision_problem(_terminate(), task, ctx, route_required=True) == ROUTE_REQUIRED
    assert decision_problem(_terminate(), task, ctx) is None  # a case from before routes
    assert decision_problem(_terminate(route="opsigelse", ground="§ 85, stk. 1, nr. 4"), task,
                            ctx, route_required=True) is None
    mismatch = decision_problem(_terminate(route="opsigelse", ground="§ 90, stk. 1, nr. 10"),
                                task, ctx, route_required=True)
    assert mismatch is not None and "not opsigelse" in mismatch
    warn = decision_problem(_terminate(outcome="warn", termination_date=None,
                                       route="ophaevelse"), task, ctx)
    assert warn == "route and ground are only given when terminating"
