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
    return None


def mask_cpr(cpr: str) -> str:
    """For caseworker pages: the date part reveals birth date, so only the last digits are hinted."""
    return "******-**" + normalise_cpr(cpr)[-2:]
