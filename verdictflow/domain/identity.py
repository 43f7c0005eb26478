"""Keyed pseudonyms and ids derived from them.

A person is referred to by an HMAC of the normalised CPR number, never by the number:
the pseudonym is stable (a re-entry block can be checked with it) but cannot be
reversed without the key, and CPR numbers are guessable (date of birth + 4 digits),
so a plain hash would not do. Case ids are derived the same way from the verdict id
so that a repeated police event lands on the same workflow without the workflow id
carrying the police case number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

_CPR = re.compile(r"^(\d{6})-?(\d{4})$")
CPR_SHAPED = re.compile(r"(?<!\d)\d{6}-?\d{4}(?!\d)")
# Our own ids are hex or base32 and can hold a run of ten digits by chance (a 32-hex
# pseudonym does about one time in five): they are not CPR numbers, so they are kept.
_OUR_IDS = re.compile(
    r"\bp-[0-9a-f]{32}\b"                       # person pseudonym
    r"|\b(?:reentry-|followup-)?case-[a-z2-7]{24}[\w-]*"  # case, task, disclosure, block ids
    r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"  # event ids
    r"|\b[0-9a-f]{64}\b"                        # digests, audit hashes
)


class InvalidCpr(ValueError):
    pass


def normalise_cpr(cpr: str) -> str:
    """``"010190-1234"`` and ``" 0101901234 "`` are the same person.

    No modulus-11 check: it has not held for all numbers since 1 October 2007.
    """
    m = _CPR.match(cpr.strip())
    if not m:
        raise InvalidCpr("a CPR number has 10 digits (DDMMYY-SSSS)")
    return m.group(1) + m.group(2)


def _mac(key: bytes, label: bytes, value: str) -> bytes:
    return hmac.new(key, label + b"\x00" + value.encode(), hashlib.sha256).digest()


def person_ref(cpr: str, key: bytes) -> str:
    return "p-" + _mac(key, b"person", normalise_cpr(cpr)).hex()[:32]


def case_id_for(verdict_id: str, key: bytes) -> str:
    digest = _mac(key, b"case", verdict_id.strip())
    return "case-" + base64.b32encode(digest[:15]).decode().lower()


# 15 bytes of the case MAC in lower-case base32: how every case id looks, so an id read
# from a message can be checked before it names a workflow.
CASE_ID_PATTERN = re.compile(r"^case-[a-z2-7]{24}$")


def is_case_id(value: str) -> bool:
    return bool(CASE_ID_PATTERN.match(value))


def block_workflow_id(case_id: str) -> str:
    return f"reentry-{case_id}"


def case_of_workflow(workflow_id: str | None) -> str | None:
    """The case a workflow belongs to (its payloads are sealed under that case's key)."""
    if not workflow_id:
        return None
    if workflow_id.startswith("case-"):
        return workflow_id
    if workflow_id.startswith("reentry-case-"):
        return workflow_id[len("reentry-"):]
    # The municipality's follow-up: sealed under the case's key, shredded with the case.
    if workflow_id.startswith("followup-case-"):
        return workflow_id[len("followup-"):]
    return None


def mask_cpr_shaped(text: str, replacement: str) -> str:
    """Masks every CPR-shaped number in free text, leaving our own ids intact."""
    kept: list[str] = []

    def hold(m: re.Match[str]) -> str:
        kept.append(m.group(0))
        return f"\x00{len(kept) - 1}\x00"

    masked = CPR_SHAPED.sub(replacement, _OUR_IDS.sub(hold, text))
    return re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], masked)


def has_cpr_shaped(text: str) -> bool:
    return bool(CPR_SHAPED.search(_OUR_IDS.sub("", text)))


def mask_cpr(cpr: str) -> str:
    """For caseworker pages: the date part reveals the birth date; only the last digits show."""
    return "******-**" + normalise_cpr(cpr)[-2:]
