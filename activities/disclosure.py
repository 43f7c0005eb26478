"""Sealing a disclosure to the receiving housing organisation, publishing and retracting it.

A re-publication (after a missing receipt, or a retried attempt) must send the very same
bytes under the same event id: the gateway acts once per disclosure id, and the receipt
commits to the digest of what it got. ``deliver_disclosure`` (cases from
``lean-disclosure`` on) seals once and keeps the sealed bytes in the read model before
it publishes them, so every later attempt publishes that copy; the workflow keeps only
the digest. Cases before it sealed and published in two activities, the sealed object
kept in the workflow's history (``seal_disclosure``, ``publish_disclosure``).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from typing import Any

from sqlalchemy.exc import IntegrityError
from temporalio import activity

from activities.casebook import record_stages
from activities.deps import Deps
from verdictflow.domain import sealing
from verdictflow.domain.cloudevents import cloud_event
from verdictflow.domain.policy import EligibilityDecision
from verdictflow.domain.sealing import (
    INSTRUCTION_FORMAT,
    seal_case_layer,
    sealed_digest,
    sign_instruction,
)
from verdictflow.domain.topics import DISCLOSURE_RETRACTED, DISCLOSURE_SEALED, HOUSING_DISCLOSURES
from verdictflow.platform.readmodel import SentDisclosure
from workflows.case.messages import (
    Delivered,
    DisclosureDelivery,
    PublishRequest,
    RetractRequest,
    SealRequest,
)


def personal_part(req: SealRequest) -> dict[str, Any]:
    """What identifies the person or describes the crime: sealed under the case key too."""
    v, d = req.verdict, req.decision
    return {
        "verdict": {
            "verdict_id": v.verdict_id,
            "court": v.court,
            "case_reference": v.case_reference,
            "decided_on": v.decided_on,
            "final": v.final,
        },
        "person": asdict(v.person),
        "offences": [asdict(o) for o in v.offences],
        "sentence": asdict(v.sentence),
        "crime_scene": asdict(v.crime_scene),
        "rules": [asdict(r) for r in d.rules],
    }


def assessment_summary(d: EligibilityDecision) -> dict[str, Any]:
    summary: dict[str, Any] = {"policy_version": d.policy_version, "outcome": d.outcome}
    if d.termination_ground:  # v2: which route the landlord has
        summary["termination_ground"] = d.termination_ground
    return summary


def disclosure_content(req: SealRequest, case_key: bytes) -> dict[str, Any]:
    """Only what the housing organisation needs to decide on the lease (data minimisation)."""
    d = req.decision
    return {
        "case_id": req.case_id,
        "disclosure_id": req.disclosure_id,
        "legal_basis": "Almenboligloven § 63 d",
        "assessment": assessment_summary(d),
        "housing": {
            "housing_org_id": d.housing_org_id,
            "department_id": d.department_id,
            "area_id": d.area_id,
            "partnership_id": d.partnership_id,
        },
        "decision_due_on": req.decision_due_on,
        **({"request_id": req.request_id} if req.request_id else {}),
        "personal": seal_case_layer(personal_part(req), req.case_id, case_key),
    }


class DisclosureActivities:
    """Sealing, publishing and retracting disclosures.

    The activity names (``name=``) stand in recorded histories: they never change,
    whatever the methods are called.
    """

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    @activity.defn(name="seal_disclosure")
    async def seal_disclosure(self, req: SealRequest) -> dict[str, str]:
        return self._seal(req)

    @activity.defn(name="publish_disclosure")
    async def publish_disclosure(self, req: PublishRequest) -> None:
        await self._publish(req.case_id, req.org_id, req.sealed, req.at)

    @activity.defn(name="deliver_disclosure")
    async def deliver_disclosure(self, d: DisclosureDelivery) -> Delivered:
        """Seals (once), publishes, then records the stages that led here.

        Idempotent: the sealed copy is written before it is published and every attempt
        publishes the copy that was written first (``_sealed_once``), under the event id
        derived from the disclosure id; the stages are idempotent on their (case, seq).
        """
        sealed = await self._sealed_once(d.seal)
        await self._publish(d.seal.case_id, d.org_id, sealed, d.at)
        await record_stages(self.deps, d.stages)
        return Delivered(d.seal.disclosure_id, sealed_digest(sealed))

    async def _sealed_once(self, req: SealRequest) -> dict[str, str]:
        kept = await asyncio.to_thread(self._kept_copy, req.disclosure_id)
        if kept is not None:
            return self._opened(kept)
        sealed = self._seal(req)
        try:
            await asyncio.to_thread(self._keep, req, sealed)
        except IntegrityError:
            # Another attempt of this activity wrote its copy first: that one is sent.
            kept = await asyncio.to_thread(self._kept_copy, req.disclosure_id)
            if kept is None:
                raise
            return self._opened(kept)
        return sealed

    def _kept_copy(self, disclosure_id: str) -> SentDisclosure | None:
        with self.deps.read_model.session() as s:
            return s.get(SentDisclosure, disclosure_id)

    def _keep(self, req: SealRequest, sealed: dict[str, str]) -> None:
        with self.deps.read_model.session() as s:
            s.add(SentDisclosure(
                disclosure_id=req.disclosure_id, case_id=req.case_id,
                org_id=req.decision.housing_org_id or "", digest=sealed_digest(sealed),
                sealed=json.dumps(sealed)))
            s.commit()

    @staticmethod
    def _opened(kept: SentDisclosure) -> dict[str, str]:
        if kept.sealed is None:
            # Purged: the case key is gone and nothing may be sent again.
            raise ValueError(f"disclosure {kept.disclosure_id} was purged")
        sealed: dict[str, str] = json.loads(kept.sealed)
        return sealed

    def _seal(self, req: SealRequest) -> dict[str, str]:
        org_id = req.decision.housing_org_id
        if org_id is None:
            raise ValueError("an eligible decision names the receiving housing organisation")
        org = self.deps.keys.org_keys(org_id)
        signer_kid, signer = self.deps.keys.platform_signing()
        case_key = self.deps.keys.case_keys().key(req.case_id, create=True)
        sealed = sealing.seal_disclosure(
            disclosure_content(req, case_key),
            disclosure_id=req.disclosure_id,
            case_id=req.case_id,
            recipient_org=org_id,
            recipient_key_id=org.encryption_key_id,
            recipient_public=org.encryption.public_key(),
            signer=signer,
            signer_key_id=signer_kid,
        )
        return sealed.to_dict()

    async def _publish(self, case_id: str, org_id: str, sealed: dict[str, str],
                       at: str) -> None:
        # Idempotent on the disclosure id: the event id derives from it.
        event = cloud_event(
            type=DISCLOSURE_SEALED,
            subject=case_id,
            data=sealed,
            time=at,
            idempotency_key=f"disclosure:{sealed['disclosure_id']}",
        )
        await self.deps.publisher.publish(HOUSING_DISCLOSURES, org_id, event)

    @activity.defn(name="retract_disclosure")
    async def retract_disclosure(self, req: RetractRequest) -> None:
        signer_kid, signer = self.deps.keys.platform_signing()
        instruction = {
            "format": INSTRUCTION_FORMAT,
            "instruction": "delete",
            "disclosure_id": req.disclosure_id,
            "case_id": req.case_id,
            "recipient_org": req.org_id,
            "reason": req.reason,
            "issued_at": req.at,
            "signer_key_id": signer_kid,
        }
        # Idempotent on the disclosure id: a retry sends the same event id, and Ed25519
        # signs deterministically, so the very same bytes.
        event = cloud_event(
            type=DISCLOSURE_RETRACTED,
            subject=req.case_id,
            data={**instruction, "signature": sign_instruction(instruction, signer)},
            time=req.at,
            idempotency_key=f"retraction:{req.disclosure_id}",
        )
        await self.deps.publisher.publish(HOUSING_DISCLOSURES, req.org_id, event)
