"""Request and response bodies of the task API: the contract other systems integrate against."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# Kept equal to TASK_OUTCOMES in verdictflow.domain.case (a unit test holds them together);
# a Literal, not the enums, so the OpenAPI document shows one plain list of values.
DecisionOutcome = Literal["terminate", "warn", "no_action", "disclose", "no_disclosure",
                          "keep_open", "refuse", "still_pending", "final", "overturned",
                          "foraeldrepaalaeg", "boerne_og_ungepaalaeg", "other_support",
                          "no_measure", "settled", "not_owed"]


class TaskSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    task_id: str
    case_id: str
    kind: str = Field(description='"decision" (housing organisation), "sue" (housing '
                      "organisation: sue in boligretten by due_on after the tenant's "
                      'objection; answered by POST /cases/{case_id}/termination/suit), '
                      '"review" (police district, a verdict), "request" (police district, a '
                      "housing organisation's request; case_id is then the request's workflow "
                      'id), "confirm_finality" (police district, an appeal with no news), '
                      '"municipality_followup" (the municipality, barnets lov §§ 38-39) or '
                      '"damages" (housing organisation: damages and rehousing owed after '
                      "the verdict fell away, almenlejeloven § 92 stk. 4)")
    org_id: str
    status: str = Field(description="open | done | withdrawn | expired (a sue task whose "
                        "deadline passed)")
    due_on: date | None
    created_at: datetime
    assignee: str | None = Field(default=None,
                                 description="subject the supervisor assigned the task to")
    escalated_at: datetime | None = Field(
        default=None, description="when the deadline passed unanswered and the task went to "
        "the organisation's supervisors (listed first)")
    escalated_to: str | None = Field(default=None, description='the role: "supervisor"')
    legal_basis: str | None = Field(
        default=None, description='municipality_followup tasks: "barnets lov § 39" (the '
        'young person, børne- og ungepålæg) or "barnets lov § 38" (the custody holder, '
        "forældrepålæg)")


class _Open(BaseModel):
    # Fields the worker adds to a disclosure later still reach the caseworker, who is
    # its lawful recipient; only the person is closed (see PersonView).
    model_config = ConfigDict(extra="allow")


class AddressView(_Open):
    street: str
    postcode: str
    city: str


class PersonView(BaseModel):
    """The tenant as the caseworker sees them: identified by name and address, CPR masked.

    Unknown fields are dropped, not passed on: a full ``cpr`` can never slip through.
    """

    name: str
    cpr_masked: str = Field(examples=["******-**34"])
    registered_address: AddressView


class VerdictView(_Open):
    verdict_id: str
    court: str
    case_reference: str
    decided_on: str
    final: bool


class OffenceView(_Open):
    law: str
    section: str
    description: str = ""


class SentenceView(_Open):
    kind: str
    days: int | None = None
    amount_dkk: int | None = None


class CrimeSceneView(_Open):
    street: str
    postcode: str
    city: str
    lat: float | None = None
    lon: float | None = None


class RuleView(_Open):
    rule: str
    passed: bool | None = Field(description="null when the rule could not be decided")
    explanation: str = ""


class AssessmentView(_Open):
    policy_version: str
    outcome: str
    rules: list[RuleView]


class HousingView(_Open):
    housing_org_id: str | None = None
    department_id: str | None = None
    area_id: str | None = None
    partnership_id: str | None = None


class DisclosureView(_Open):
    """The disclosure opened for the caller's organisation."""

    case_id: str
    disclosure_id: str | None = None
    legal_basis: str | None = None
    verdict: VerdictView
    person: PersonView
    offences: list[OffenceView]
    sentence: SentenceView
    crime_scene: CrimeSceneView
    assessment: AssessmentView
    housing: HousingView
    decision_due_on: str | None = None


class TaskDetail(TaskSummary):
    disclosure: DisclosureView | None = Field(
        description="null for review tasks, and for tasks withdrawn because the verdict was "
        "overturned (the organisation must delete what it received)"
    )


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: DecisionOutcome = Field(
        description='decision tasks: terminate | warn | no_action; review tasks: '
        'disclose | no_disclosure; request tasks: keep_open | refuse; confirm_finality '
        'tasks: still_pending | final | overturned; municipality_followup tasks: '
        'foraeldrepaalaeg | boerne_og_ungepaalaeg | other_support | no_measure; damages '
        'tasks: settled (loss paid, genhusning offered) | not_owed'
    )
    # The minimum length is the domain's rule (decision_problem), checked with the others.
    justification: str = Field(max_length=5000)
    termination_date: date | None = Field(
        default=None, description="only when terminating: for an ophaevelse the day it takes "
        "effect, for an opsigelse the day the written notice reached the tenant")
    route: Literal["ophaevelse", "opsigelse"] | None = Field(
        default=None, description="required to terminate: ophaevelse (almenlejeloven § 90, "
        "stk. 1, immediate) or opsigelse (§ 85, stk. 1, 3 months' notice to the first "
        "business day of a month, § 88; the tenant may object, § 89)")
    ground: str | None = Field(
        default=None, max_length=100, examples=["almenlejeloven § 90, stk. 1, nr. 10"],
        description="required with the route: the legal ground, a § 90, stk. 1 ground for "
        "ophaevelse, a § 85, stk. 1 ground for opsigelse")


class DecisionResult(BaseModel):
    case_id: str
    task_id: str
    outcome: str
    stage: str


class Problem(BaseModel):
    """The error body: FastAPI's ``{"detail": ...}``."""

    detail: str


class FieldProblem(BaseModel):
    """One of FastAPI's request validation errors."""

    model_config = ConfigDict(extra="allow")

    loc: list[str | int]
    msg: str
    type: str


class ValidationProblem(BaseModel):
    """422: FastAPI's field errors for a malformed request, or a domain rule's reason."""

    detail: str | list[FieldProblem]


class AssigneeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A subject of the organisation's identity provider: an employee id, not a tenant's.
    assignee: str = Field(min_length=1, max_length=200, pattern=r"^\S+$")


class AuditRow(BaseModel):
    """One audit log entry as an auditor sees it: who did what to which case, ids only."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    org_id: str | None
    action: str
    case_id: str | None
    task_id: str | None


class DisclosureRequestBody(BaseModel):
    """A housing organisation asks about a resident. The CPR number travels in the body
    only (never a URL, so no access log holds it) and is turned into the pseudonym at once."""

    model_config = ConfigDict(extra="forbid")

    cpr: str = Field(min_length=10, max_length=11, description="DDMMYY-SSSS or DDMMYYSSSS")
    area_id: str = Field(min_length=1, max_length=100,
                         description="the area the resident lives in (one of your own)")
    reason: str = Field(min_length=1, max_length=1000,
                        description="why the organisation asks, for the police district")


class DisclosureRequestView(BaseModel):
    """What the requester (and the reviewing police district) see of a request: its state,
    never whether a verdict exists that was not disclosed."""

    model_config = ConfigDict(from_attributes=True)

    request_id: str
    org_id: str
    area_id: str
    police_district: str
    state: str = Field(description="open | answered | refused | expired")
    requested_on: date
    open_until: date
    answered_by_case: str | None = Field(
        default=None, description="the case whose disclosure answered it: its decision task "
        "is in the organisation's inbox")


class MatchedCaseView(BaseModel):
    case_id: str
    stage: str


class DisclosureRequestDetail(DisclosureRequestView):
    reason: str | None = Field(default=None, description="the requester's reason")
    matched_cases: list[MatchedCaseView] | None = Field(
        default=None, description="police district only: the person's cases registered "
        "when the request came")


class ObjectionBody(BaseModel):
    """The tenant objected in writing to an opsigelse (almenlejeloven § 89, stk. 2)."""

    model_config = ConfigDict(extra="forbid")

    objected_on: date = Field(description="the day the written objection reached you; within "
                              "6 weeks of the notice")


class SuitBody(BaseModel):
    """You sued in boligretten after the objection (or, for an ophævelse, went to
    fogedretten)."""

    model_config = ConfigDict(extra="forbid")

    sued_on: date = Field(description="the day the suit was filed; for an opsigelse within 6 "
                          "weeks after the tenant's deadline")


class CourtOutcomeBody(BaseModel):
    """What the court ended with. ``unjustified`` lifts the re-entry block
    (udlejningsbekendtgørelsen § 28); ``upheld`` and ``settled`` leave it standing."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["upheld", "unjustified", "settled"]
    decided_on: date


class TerminationView(BaseModel):
    """A case's termination route: its dates, what it has recorded, what it awaits."""

    model_config = ConfigDict(from_attributes=True)

    case_id: str
    route: str = Field(description="ophaevelse | opsigelse")
    ground: str | None
    given_on: date = Field(description="the ophævelse's date, or the day the notice reached "
                           "the tenant")
    effective_on: date = Field(description="the day the termination takes effect; the "
                               "re-entry block's two years run from it")
    objection_deadline: date | None = Field(default=None, description="opsigelse: the last "
                                            "day the tenant may object (§ 89, stk. 2)")
    sue_deadline: date | None = Field(default=None, description="opsigelse: the last day to "
                                      "sue in boligretten after an objection (§ 89, stk. 2)")
    objected_on: date | None = None
    sued_on: date | None = None
    court_outcome: str | None = None
    court_decided_on: date | None = None
    awaiting: str | None = Field(default=None, description="objection | notice_end | suit | "
                                 "court_outcome; null once the route has ended")
    ended: str | None = Field(default=None, description="notice_ran_out | upheld | settled | "
                              "court_found_unjustified | not_sued_in_time | block_ended")
