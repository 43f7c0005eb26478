"""Re-entry checks and refusals (udlejningsbekendtgørelsen § 28, almenboligloven § 63 e).

A housing organisation asks, for an applicant and a move-in date, whether a lease in its
own area was terminated on a listed ground within the two years before; the answer is
"no recorded termination" or § 63 e's minimum (name, address, ground, termination date).
An organisation outside the area, an area that is not the caller's, an unknown person and
a purged case all get the one negative answer, byte for byte, so the answer itself never
tells more than the law allows. Every look-up is audited for the data protection officer;
the sealed tenant is opened (and audited) only for a positive answer.

A refusal rests on a positive answer, is recorded as the fact (ids and dates; the
reasonable grounds sealed under the termination's case key) and is reported to the
area's municipality by the worker's outbox relay (``services.refusal_reports``): the API
reaches no Kafka.

Shared by the task API and the ``verdictflow reentry`` command.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from sqlmodel import select

from verdictflow.domain.identity import InvalidCpr, person_ref
from verdictflow.domain.partnerships import Partnerships, load_partnerships
from verdictflow.domain.reentry import (
    DEFAULT_GROUND,
    RecordedTermination,
    areas_of_org,
    check_id_for,
    grounds_problem,
    qualifying,
    refusal_id_for,
)
from verdictflow.domain.sealing import SealError, open_case_layer, seal_case_layer
from verdictflow.platform.audit import (
    REENTRY_CHECK,
    REENTRY_REFUSAL,
    REENTRY_TENANT_OPENED,
    record_audit,
)
from verdictflow.platform.casekeys import CaseKeyDestroyed, CaseKeyUnknown
from verdictflow.platform.database import Database
from verdictflow.platform.keys import KeyStore
from verdictflow.platform.readmodel import (
    ReentryBlockRecord,
    ReentryCheckRecord,
    ReentryRefusalRecord,
)
from verdictflow.platform.reference import load_policies
from verdictflow.platform.settings import Settings


class ReentryProblem(Exception):
    """``str(self)`` says why, never quoting the CPR number or the grounds."""


class RefusalInvalid(ReentryProblem):
    """The refusal breaks a rule (422)."""


class RefusalConflict(ReentryProblem):
    """The termination the check found no longer qualifies (409)."""


@dataclass(frozen=True)
class Termination:
    """A positive answer: § 63 e's minimum, and the check id a refusal can rest on."""

    check_id: str
    name: str | None
    address: str | None
    ground: str
    terminated_on: date


@dataclass(frozen=True)
class Refusal:
    refusal_id: str
    area_id: str
    municipality_id: str | None
    move_in_on: date
    refused_on: date


@dataclass(frozen=True)
class ReentryDesk:
    """What a check needs: the keys, the read model, the areas and the years."""

    keys: KeyStore
    db: Database
    partnerships: Partnerships
    years: int  # reentry_block_years of the policy in force (2 [BEK28])

    @classmethod
    def of(cls, settings: Settings, keys: KeyStore, db: Database) -> ReentryDesk:
        return cls(keys, db, _partnerships(str(settings.partnerships_file)),
                   _years(settings))


@lru_cache
def _partnerships(path: str) -> Partnerships:
    return load_partnerships(Path(path).read_text(encoding="utf-8"))


def _years(settings: Settings) -> int:
    return load_policies(settings).for_new_case(datetime.now(UTC).date()).reentry_block_years


def org_areas(ps: Partnerships, org_id: str) -> set[str]:
    return areas_of_org([(d.housing_org_id, d.area_id) for d in ps.departments()], org_id)


def _pseudonym(desk: ReentryDesk, cpr: str) -> str:
    try:
        return person_ref(cpr, desk.keys.pseudonym_key())
    except InvalidCpr as exc:
        raise RefusalInvalid(f"cpr: {exc}") from None


def _recorded(db: Database, ref: str, areas: set[str]) -> list[ReentryBlockRecord]:
    if not areas:
        return []
    with db.session() as s:
        q = select(ReentryBlockRecord).where(
            ReentryBlockRecord.person_ref == ref,
            ReentryBlockRecord.area_id.in_(areas))  # type: ignore[attr-defined]
        return list(s.exec(q))


def _termination(row: ReentryBlockRecord) -> RecordedTermination:
    return RecordedTermination(row.block_id, row.case_id, row.area_id, row.placed_on,
                               row.lift_reason if row.status == "lifted" else None)


def _open_tenant(desk: ReentryDesk, row: ReentryBlockRecord) -> tuple[str | None, str | None]:
    """Raises CaseKeyDestroyed after a purge: the tenant is gone, and so is the answer."""
    if row.sealed_tenant is None:  # placed before blocks carried the tenant
        return None, None
    try:
        tenant = open_case_layer(json.loads(row.sealed_tenant), row.case_id,
                                 desk.keys.case_keys().key(row.case_id))
    except CaseKeyUnknown as exc:
        raise CaseKeyDestroyed(str(exc)) from None
    return tenant.get("name"), tenant.get("address")


def find_termination(desk: ReentryDesk, ref: str, org_id: str, area_id: str | None,
                     move_in: date) -> tuple[ReentryBlockRecord, RecordedTermination] | None:
    """The termination the organisation may refuse on, searched only in its own areas (one
    of them if ``area_id`` names it; an area that is not its own, none)."""
    mine = org_areas(desk.partnerships, org_id)
    areas = mine if area_id is None else mine & {area_id}
    rows = {r.block_id: r for r in _recorded(desk.db, ref, areas)}
    found = qualifying([_termination(r) for r in rows.values()], areas, move_in, desk.years)
    return (rows[found.block_id], found) if found else None


def check(desk: ReentryDesk, *, cpr: str, org_id: str, actor: str, move_in: date,
          area_id: str | None = None) -> Termination | None:
    """The § 28 answer for the applicant: None is "no recorded termination"."""
    ref = _pseudonym(desk, cpr)
    # Audited before the answer is known, in one shape for every answer: the organisation's
    # own auditor reads its entries, and must not learn from them what the caller did not.
    record_audit(desk.db, actor=actor, action=REENTRY_CHECK, org_id=org_id,
                 detail=f"{ref} move-in {move_in.isoformat()} area {area_id or '*'}")
    hit = find_termination(desk, ref, org_id, area_id, move_in)
    if hit is None:
        return None
    row, found = hit
    check_id = check_id_for(ref, org_id, row.block_id, move_in)
    try:
        name, address = _open_tenant(desk, row)
    except (CaseKeyDestroyed, SealError):
        return None  # purged (or unreadable): nothing is recorded any more
    record_audit(desk.db, actor=actor, action=REENTRY_TENANT_OPENED, org_id=org_id,
                 case_id=row.case_id, detail=check_id)
    _keep_check(desk.db, ReentryCheckRecord(
        check_id=check_id, org_id=org_id, area_id=row.area_id, block_id=row.block_id,
        case_id=row.case_id, person_ref=ref, move_in_on=move_in,
        checked_on=datetime.now(UTC).date()))
    return Termination(check_id, name, address, row.ground or DEFAULT_GROUND,
                       found.terminated_on)


def _keep_check(db: Database, record: ReentryCheckRecord) -> None:
    with db.session() as s:
        if s.get(ReentryCheckRecord, record.check_id) is None:
            s.add(record)
            s.commit()


def _stored_check(db: Database, check_id: str, org_id: str) -> ReentryCheckRecord | None:
    with db.session() as s:
        row = s.get(ReentryCheckRecord, check_id)
    return row if row is not None and row.org_id == org_id else None


NO_BASIS = ("no check of this organisation found a termination in its area that allows a "
            "refusal (udlejningsbekendtgørelsen § 28)")


def refuse(desk: ReentryDesk, *, org_id: str, actor: str, grounds: str,
           check_id: str | None = None, cpr: str | None = None, move_in: date | None = None,
           area_id: str | None = None) -> tuple[Refusal, bool]:
    """Records the refusal (True when new): on a stored check of the organisation, or on a
    fresh check of ``cpr`` and ``move_in``. The same refusal twice is one refusal."""
    problem = grounds_problem(grounds)
    if problem:
        raise RefusalInvalid(problem)
    if check_id is not None:
        stored = _stored_check(desk.db, check_id, org_id)
        if stored is None:  # unknown, or another organisation's: one answer
            raise RefusalInvalid(NO_BASIS)
    elif cpr is not None and move_in is not None:
        answer = check(desk, cpr=cpr, org_id=org_id, actor=actor, move_in=move_in,
                       area_id=area_id)
        stored = _stored_check(desk.db, answer.check_id, org_id) if answer else None
        if stored is None:
            raise RefusalInvalid(NO_BASIS)
    else:
        raise RefusalInvalid("either check_id, or cpr and move_in_on, is required")

    # The law is applied on the day of the refusal, not of the check: a block lifted since
    # as unjustified or not sued in time no longer allows one.
    if find_termination(desk, stored.person_ref, org_id, stored.area_id,
                        stored.move_in_on) is None:
        raise RefusalConflict("the termination the check found no longer allows a refusal "
                              "(lifted, or outside the two years)")
    area = desk.partnerships.area(stored.area_id)
    refusal_id = refusal_id_for(stored.person_ref, org_id, stored.area_id, stored.move_in_on)
    today = datetime.now(UTC).date()
    try:
        case_key = desk.keys.case_keys().key(stored.case_id)
    except (CaseKeyDestroyed, CaseKeyUnknown):
        raise RefusalConflict("the termination the check found is no longer recorded") from None
    with desk.db.session() as s:
        existing = s.get(ReentryRefusalRecord, refusal_id)
        if existing is None:
            sealed = seal_case_layer({"reasonable_grounds": grounds.strip()}, stored.case_id,
                                     case_key)
            s.add(ReentryRefusalRecord(
                refusal_id=refusal_id, area_id=stored.area_id,
                partnership_id=area.partnership_id if area else None, org_id=org_id,
                municipality_id=area.municipality_id if area else None,
                block_id=stored.block_id, person_ref=stored.person_ref,
                move_in_on=stored.move_in_on, refused_on=today, check_id=stored.check_id,
                sealed_grounds=json.dumps(sealed, separators=(",", ":"))))
            s.commit()
            row = s.get(ReentryRefusalRecord, refusal_id)
        else:
            row = existing
        assert row is not None
        refusal = Refusal(row.refusal_id, row.area_id, row.municipality_id, row.move_in_on,
                          row.refused_on)
    if existing is None:
        record_audit(desk.db, actor=actor, action=REENTRY_REFUSAL, org_id=org_id,
                     case_id=stored.case_id, detail=refusal_id)
    return refusal, existing is None
