"""Stand-in activities for workflow tests, registered under the real activities' names.

No activity is named here by a string: ``stand_in(real)`` takes the name from the real
activity's definition and refuses a stand-in whose input or result type differs, so a
renamed or retyped activity fails the tests instead of leaving a stand-in nobody calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from temporalio import activity

from activities.casebook import CaseBookActivities
from activities.disclosure import DisclosureActivities
from activities.eligibility import EligibilityActivities
from activities.municipality import MunicipalityActivities
from activities.reentry import ReentryActivities
from activities.requests import RequestActivities
from activities.retention import RetentionActivities
from verdictflow.domain.policy import Eligibility, EligibilityDecision, RuleOutcome
from verdictflow.domain.requests import OpenRequest
from verdictflow.domain.sealing import sealed_digest
from verdictflow.domain.verdict import Address, CrimeScene, Offence, Person, Sentence, Verdict
from workflows.case.messages import (
    CaseInput,
    CasePartnership,
    CaseTerms,
    DeadlineNotice,
    DeletionRecord,
    Delivered,
    DisclosureDelivery,
    EligibilityRequest,
    PartnershipLookup,
    PublishRequest,
    PurgeDone,
    PurgeRequest,
    RetractRequest,
    SealRequest,
    StageChange,
    TaskClosing,
    TaskEscalation,
    TaskOpening,
)
from workflows.followup.messages import MunicipalityNotice
from workflows.reentry.messages import BlockInput, BlockLifting
from workflows.request.messages import MatchedCase, RequestLookup, RequestRecord

CPR = "2903871234"
NAME = "Testperson Ingolf Sandgravsen"

F = TypeVar("F", bound=Callable[..., Any])


def activity_name(real: Callable[..., Any]) -> str:
    """The activity type a real activity is registered (and recorded in history) under."""
    # temporalio keeps the definition on the decorated callable; it has no public getter.
    name = activity._Definition.must_from_callable(real).name
    assert name, f"{real} is registered without a name"
    return name


def stand_in(real: Callable[..., Any]) -> Callable[[F], F]:
    """Registers the decorated function as ``real``'s activity, with the same signature."""
    expected = activity._Definition.must_from_callable(real)

    def register(fn: F) -> F:
        defined = activity.defn(name=activity_name(real))(fn)
        mine = activity._Definition.must_from_callable(defined)
        if (mine.arg_types, mine.ret_type) != (expected.arg_types, expected.ret_type):
            raise TypeError(f"stand-in {fn.__name__} for {expected.name} takes "
                            f"{mine.arg_types} -> {mine.ret_type}, the activity "
                            f"{expected.arg_types} -> {expected.ret_type}")
        return defined

    return register


def verdict(final: bool = True, verdict_id: str = "KBV-2026-000001",
            sentence: Sentence | None = None) -> Verdict:
    return Verdict(
        verdict_id=verdict_id, police_district="kbh-vestegn",
        case_reference="0100-70111-00001-26", court="Retten i Glostrup",
        decided_on="2026-11-18", final=final,
        person=Person(cpr=CPR, name=NAME, registered_address=Address(
            street="Strandesplanaden 12, 3. tv", postcode="2660", city="Brøndby Strand")),
        offences=[Offence(law="straffeloven", section="244", description="vold i opgangen")],
        sentence=sentence or Sentence(kind="unconditional_custody", days=60),
        crime_scene=CrimeScene(street="Brøndby Strand Centret", postcode="2660",
                               city="Brøndby Strand", lat=55.6197, lon=12.4186),
    )


def case_input(case_id: str = "case-test1", final: bool = True,
               sentence: Sentence | None = None) -> CaseInput:
    return CaseInput(case_id=case_id, person_ref="p-0123456789abcdef",
                     verdict=verdict(final=final, sentence=sentence),
                     registered_event_id="evt-registered")


def decision(outcome: str = Eligibility.ELIGIBLE) -> EligibilityDecision:
    return EligibilityDecision(
        outcome=Eligibility(outcome), policy_version="v1",
        rules=[RuleOutcome(rule="offence_qualifies",
                           passed=outcome != Eligibility.NOT_ELIGIBLE,
                           explanation="Straffelovens § 244 (vold) er omfattet.")],
        partnership_id="broendby-strand", area_id="broendby-strand", housing_org_id="bbs",
        department_id="bbs-strandesplanaden", police_district="kbh-vestegn",
    )


@dataclass
class FakeActivities:
    eligibility: EligibilityDecision = field(default_factory=decision)
    terms: CaseTerms = field(default_factory=lambda: CaseTerms(
        policy_version="v1", await_finality=True, decision_deadline_days=14,
        reminder_days=[7, 12], reentry_block_years=2, receipt_timeout_seconds=3600,
        # The test server's clock runs on across tests (years, for the block timers): a
        # wide window keeps fixed dates valid; test_decision_window narrows it.
        termination_days_before=36500, termination_days_after=36500))
    stages: list[str] = field(default_factory=list)
    stage_changes: list[StageChange] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)
    tasks: list[TaskOpening] = field(default_factory=list)
    closed_tasks: list[TaskClosing] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    blocks: list[BlockInput] = field(default_factory=list)
    lifts: list[BlockLifting] = field(default_factory=list)
    assessed: list[EligibilityRequest] = field(default_factory=list)
    open_requests: list[OpenRequest] = field(default_factory=list)  # what cases look up
    matches: list[MatchedCase] = field(default_factory=list)  # what requests look up
    request_rows: list[RequestRecord] = field(default_factory=list)
    sealed: list[SealRequest] = field(default_factory=list)
    retractions: list[RetractRequest] = field(default_factory=list)  # every one sent, repeats too
    deletions: list[DeletionRecord] = field(default_factory=list)
    purges: list[PurgeRequest] = field(default_factory=list)
    # the follow-up: the case's partnership (its finality choice), escalations, and the
    # municipality's notifications
    partnership: CasePartnership = field(default_factory=lambda: CasePartnership(
        "broendby-strand", True))
    escalations: list[TaskEscalation] = field(default_factory=list)
    municipality: list[MunicipalityNotice] = field(default_factory=list)

    def _record(self, changes: list[StageChange]) -> None:
        for one in changes:
            self.stages.append(one.stage)
            self.stage_changes.append(one)

    @staticmethod
    def sealed_for(disclosure_id: str) -> dict[str, str]:
        return {"disclosure_id": disclosure_id, "ciphertext": "c2VhbGVk"}

    def all(self, *, but: Iterable[Callable[..., Any]] = ()) -> list[Callable[..., Any]]:
        """A stand-in for every activity, except those for the real activities ``but``
        names (the test registers its own for them)."""
        @stand_in(CaseBookActivities.case_terms)
        async def case_terms() -> CaseTerms:
            return self.terms

        @stand_in(CaseBookActivities.record_stage)
        async def record_stage(change: StageChange) -> None:
            self._record([*change.earlier, change])

        @stand_in(EligibilityActivities.assess_eligibility)
        async def assess_eligibility(req: EligibilityRequest) -> EligibilityDecision:
            self.assessed.append(req)
            return self.eligibility

        @stand_in(DisclosureActivities.seal_disclosure)
        async def seal_disclosure(req: SealRequest) -> dict[str, str]:
            self.sealed.append(req)
            return self.sealed_for(req.disclosure_id)

        @stand_in(DisclosureActivities.publish_disclosure)
        async def publish_disclosure(req: PublishRequest) -> None:
            self.published.append(req.sealed["disclosure_id"])

        @stand_in(DisclosureActivities.deliver_disclosure)
        async def deliver_disclosure(d: DisclosureDelivery) -> Delivered:
            # Seals once per disclosure (the real one keeps the copy), publishes every time.
            if not any(r.disclosure_id == d.seal.disclosure_id for r in self.sealed):
                self.sealed.append(d.seal)
            self.published.append(d.seal.disclosure_id)
            self._record(d.stages)
            return Delivered(d.seal.disclosure_id,
                             sealed_digest(self.sealed_for(d.seal.disclosure_id)))

        @stand_in(DisclosureActivities.retract_disclosure)
        async def retract_disclosure(req: RetractRequest) -> None:
            if req.disclosure_id not in self.retracted:
                self.retracted.append(req.disclosure_id)
            self.retractions.append(req)

        @stand_in(CaseBookActivities.open_task)
        async def open_task(t: TaskOpening) -> None:
            self.tasks.append(t)
            if t.stage is not None:
                self._record([*t.stage.earlier, t.stage])

        @stand_in(CaseBookActivities.close_task)
        async def close_task(c: TaskClosing) -> None:
            self.closed_tasks.append(c)

        @stand_in(CaseBookActivities.notify_deadline)
        async def notify_deadline(n: DeadlineNotice) -> None:
            self.notices.append(n.kind)

        @stand_in(ReentryActivities.place_block)
        async def place_block(b: BlockInput) -> None:
            self.blocks.append(b)

        @stand_in(ReentryActivities.lift_block)
        async def lift_block(lift: BlockLifting) -> None:
            self.lifts.append(lift)

        @stand_in(RequestActivities.open_requests)
        async def open_requests(lookup: RequestLookup) -> list[OpenRequest]:
            return list(self.open_requests)

        @stand_in(RequestActivities.matching_cases)
        async def matching_cases(lookup: RequestLookup) -> list[MatchedCase]:
            return list(self.matches)

        @stand_in(RequestActivities.record_request)
        async def record_request(r: RequestRecord) -> None:
            self.request_rows.append(r)

        @stand_in(CaseBookActivities.record_deletion)
        async def record_deletion(d: DeletionRecord) -> None:
            self.deletions.append(d)

        @stand_in(RetentionActivities.purge_case)
        async def purge_case(req: PurgeRequest) -> PurgeDone:
            # Records the last stage as the real one does; destroys nothing (tests that
            # prove the shredding register their own).
            self.stages.append(req.last_stage.stage)
            self.stage_changes.append(req.last_stage)
            self.purges.append(req)
            return PurgeDone(req.case_id, True, 0)
        @stand_in(EligibilityActivities.case_partnership)
        async def case_partnership(lookup: PartnershipLookup) -> CasePartnership:
            return self.partnership

        @stand_in(CaseBookActivities.escalate_task)
        async def escalate_task(e: TaskEscalation) -> None:
            self.escalations.append(e)

        @stand_in(MunicipalityActivities.notify_municipality)
        async def notify_municipality(n: MunicipalityNotice) -> None:
            self.municipality.append(n)

        left_out = {activity_name(real) for real in but}
        stand_ins: list[Callable[..., Any]] = [
            case_terms, record_stage, assess_eligibility, seal_disclosure, publish_disclosure,
            deliver_disclosure, retract_disclosure, open_task, close_task, notify_deadline,
            place_block, lift_block,
            open_requests, matching_cases, record_request, case_partnership, escalate_task,
            notify_municipality, record_deletion, purge_case]
        return [s for s in stand_ins if activity_name(s) not in left_out]
