"""Reading the law and section of an offence as police systems write them.

"244", "§ 244", "§244", "252, stk. 1", "252 stk. 1", "134 a" and "134a" must all be
understood, because the offence list of almenlejeloven § 90, stk. 1, nr. 10 names
some sections whole (§ 244) and some only in one subsection (§ 252, stk. 1;
§ 291, stk. 2). Pure.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SECTION = re.compile(r"(\d+)\s*([a-zæøå])?(?![a-zæøå])")
_STK = re.compile(r"stk\.?\s*(\d+)")


@dataclass(frozen=True)
class SectionRef:
    section: str  # "244", "134 a"
    stk: int | None = None


def parse_section(text: str | int) -> SectionRef | None:
    """The section (with its letter) and the subsection, or None if no number is found."""
    s = unicodedata.normalize("NFC", str(text)).casefold()
    m = _SECTION.search(s)
    if not m:
        return None
    section = m.group(1).lstrip("0") or "0"
    if m.group(2):
        section += " " + m.group(2)
    stk = _STK.search(s, m.end())
    return SectionRef(section, int(stk.group(1)) if stk else None)


def normalise_law(text: str, aliases: dict[str, list[str]]) -> str | None:
    """The canonical law name the policy uses, or None for a law the policy does not know."""
    t = " ".join(unicodedata.normalize("NFC", text).casefold().split())
    for canonical, names in aliases.items():
        if t == canonical.casefold() or t in (n.casefold() for n in names):
            return canonical
    return None


def describe(law: str | None, ref: SectionRef | None) -> str:
    """Danish citation built only from parsed parts, so free text from the input never leaks."""
    if ref is None:
        where = "en bestemmelse, der ikke kunne læses"
        return where if law is None else f"{where} i {law}"
    section = f"§ {ref.section}" + (f", stk. {ref.stk}" if ref.stk is not None else "")
    if law == "straffeloven":
        return f"straffelovens {section}"
    if law is None:
        return f"{section} i en lov, politikken ikke omfatter"
    return f"{section} i {law}"


def parse_sections(text: str | int) -> list[SectionRef]:
    """Every section cited, each with the subsection written after it and before the next
    section: "§ 21, jf. § 252, stk. 1" is [§ 21, § 252 stk. 1]."""
    s = unicodedata.normalize("NFC", str(text)).casefold()
    found = list(_SECTION.finditer(_STK.sub(lambda m: " " * len(m.group(0)), s)))
    refs = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(s)
        section = (m.group(1).lstrip("0") or "0") + (" " + m.group(2) if m.group(2) else "")
        stk = _STK.search(s, m.end(2) if m.group(2) else m.end(1), end)
        refs.append(SectionRef(section, int(stk.group(1)) if stk else None))
    return refs


def principal_section(text: str | int, accessory: frozenset[str]) -> SectionRef | None:
    """The offence a citation is about, whichever order it is written in: "§ 21, jf. § 237"
    and "§ 237, jf. § 21" are both § 237 (attempt, straffeloven § 21, and complicity, § 23,
    only qualify the principal offence). None when nothing, or more than one principal
    section, is cited."""
    refs = parse_sections(text)
    principal = [r for r in refs if r.section not in accessory] or refs[:1]
    return principal[0] if len(principal) == 1 else None
