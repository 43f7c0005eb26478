"""Checks an eligibility policy file (v1 or v2) before a partnership deploys it. Pure: the
caller reads the file and prints the result."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from verdictflow.domain.eligibility_policy import load_policy
from verdictflow.domain.eligibility_policy_v2 import load_policy_v2, missing_sources


@dataclass
class PolicyCheck:
    found: list[str] = field(default_factory=list)  # what the file says, for a person
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_policy_text(text: str | bytes) -> PolicyCheck:
    result = PolicyCheck()
    try:
        raw = json.loads(text)
    except ValueError as e:
        result.problems.append(f"not JSON: {e}")
        return result
    if not isinstance(raw, dict):
        result.problems.append("a policy file is a JSON object")
        return result
    version = raw.get("version")
    if version == "v1":
        _check_v1(raw, result)
    elif version == "v2":
        _check_v2(raw, result)
    else:
        result.problems.append(f"unknown policy version {version!r} (expected 'v1' or 'v2')")
        return result
    result.problems += [f"no source line for {key!r}" for key in missing_sources(raw)]
    return result


def _check_v1(raw: dict[str, Any], result: PolicyCheck) -> None:
    try:
        p = load_policy(raw)
    except (KeyError, TypeError, ValueError) as e:
        result.problems.append(f"v1 cannot be loaded: {e!r}")
        return
    result.found += [
        f"version {p.version}, effective from {p.effective_from} (one combined question)",
        f"{len(p.qualifying_offences)} qualifying offences",
        f"qualifying sanctions: {', '.join(p.qualifying_sanctions)}",
        f"proximity {p.proximity_m} m; matters older than {p.max_age_of_matter_years} years "
        f"are refused",
    ]


def _check_v2(raw: dict[str, Any], result: PolicyCheck) -> None:
    try:
        p = load_policy_v2(raw)
    except ValueError as e:
        result.problems.append(str(e))
        return
    unconfirmed = [o.citation() for o in p.qualifying_offences if not o.confirmed]
    result.found += [
        f"version {p.version}, effective from {p.effective_from} "
        f"(§ 63 d disclosure basis and § 90, stk. 1, nr. 10 termination ground apart)",
        f"{len(p.qualifying_offences)} listed offences"
        + (f"; unconfirmed, sent to review: {', '.join(unconfirmed)}" if unconfirmed else ""),
        f"custodial sanctions: {', '.join(p.custodial_sanctions)}",
        f"proximity {p.proximity_m} m from the property; matters older than "
        f"{p.matter_age_presumption_years} years go to review",
        f"await finality: {'yes' if p.await_finality else 'no'}",
    ]
