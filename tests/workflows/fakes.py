"""Stand-in activities for workflow tests, registered under the real activity names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from temporalio import activity

from activities.casebook import DeadlineNotice, StageChange, TaskClosing, TaskOpening
from activities.disclosure import PublishRequest, RetractRequest, SealRequest
from activities.eligibility import EligibilityRequest
from activities.reentry import BlockLifting
from verdictflow.domain.case import BlockInput, CaseInput, CaseTerms
from verdictflow.domain.policy import EligibilityDecision, RuleOutcome
from verdictflow.domain.verdict import Address, CrimeScene, Offence, Person, Sentence, Verdict

CPR = "2903871234"
NAME = "Testperson Ingolf Sandgravsen"


def verdict(final: bool = True, verdict_id: str = "KBV-2026-000001") -> Verdict:
    return Verdict(
        verdict_id=verdict_id, police_district="kbh-vestegn",
        case_reference="0100-70111-00001-26", court="Retten i Glostrup",
        decided_on="2026-11-18", final=final,
        person=Person(cpr=CPR, name=NAME, registered_address=Address(
            street="Strandesplanaden 12, 3. tv", postcode="2660", city="Brøndby Strand")),
        offences=[Offence(law="straffeloven", section="244", description="vold i opgangen")],
        sentence=Sentence(kind="unconditional_custody", days=60),
        crime_scene=CrimeScene(street="Brøndby Strand Centret", postcode="2660",
                               city="Brøndby Strand", lat=55.6197, lon=12.4186),
    )


def case_input(case_id: str = "case-test1", final: bool = True) -> CaseInput:
    return CaseInput(case_id=case_id, person_ref="p-0123456789abcdef",
                     verdict=verdict(final=final), registered_event_id="evt-registered")


def decision(outcome: str = "eligible") -> EligibilityDecision:
    return EligibilityDecision(
        outcome=outcome, policy_version="v1",
        rules=[RuleOutcome(rule="offence_qualifies", passed=outcome != "not_eligible",
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
    published: list[str] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)
    tasks: list[TaskOpening] = field(default_factory=list)
    closed_tasks: list[TaskClosing] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    blocks: list[BlockInput] = field(default_factory=list)
    lifts: list[BlockLifting] = field(default_factory=list)

    @staticmethod
    def sealed_for(disclosure_id: str) -> dict[str, str]:
        return {"disclosure_id": disclosure_id, "ciphertext": "c2VhbGVk"}

    def all(self) -> list[Any]:
        @activity.defn(name="case_terms")
        async def case_terms() -> CaseTerms:
            return self.terms

        @activity.defn(name="record_stage")
        async def record_stage(change: StageChange) -> None:
            self.stages.append(change.stage)

        @activity.defn(name="assess_eligibility")
        async def assess_eligibility(req: EligibilityRequest) -> EligibilityDecision:
            return self.eligibility

        @activity.defn(name="seal_disclosure")
        async def seal(req: SealRequest) -> dict[str, str]:
            return self.sealed_for(req.disclosure_id)

        @activity.defn(name="publish_disclosure")
        async def publish(req: PublishRequest) -> None:
            self.published.append(req.sealed["disclosure_id"])

        @activity.defn(name="retract_disclosure")
        async def retract(req: RetractRequest) -> None:
            self.retracted.append(req.disclosure_id)

        @activity.defn(name="open_task")
        async def open_task(t: TaskOpening) -> None:
            self.tasks.append(t)

        @activity.defn(name="close_task")
        async def close_task(c: TaskClosing) -> None:
            self.closed_tasks.append(c)

        @activity.defn(name="notify_deadline")
        async def notify_deadline(n: DeadlineNotice) -> None:
            self.notices.append(n.kind)

        @activity.defn(name="place_block")
        async def place_block(b: BlockInput) -> None:
            self.blocks.append(b)

        @activity.defn(name="lift_block")
        async def lift_block(lift: BlockLifting) -> None:
            self.lifts.append(lift)

        return [case_terms, record_stage, assess_eligibility, seal, publish, retract, open_task,
                close_task, notify_deadline, place_block, lift_block]
