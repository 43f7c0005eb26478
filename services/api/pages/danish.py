"""Danish words for what the pages show: dates, stages, outcomes, task kinds, reasons.

The API speaks English ids and English reasons; a caseworker reads Danish. Every label a
page shows comes from here, so a new stage or outcome falls back to its id, visibly.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

DANISH_TIME = ZoneInfo("Europe/Copenhagen")
MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
          "september", "oktober", "november", "december")


def dansk_dato(value: date | datetime | str | None) -> str:
    """``5. december 2026``; a time of day is turned into Danish time first."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))
        value = aware.astimezone(DANISH_TIME).date()
    return f"{value.day}. {MONTHS[value.month - 1]} {value.year}"


def dansk_tid(value: datetime) -> str:
    """``5. december 2026 kl. 14.05`` in Danish time."""
    aware = value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))
    local = aware.astimezone(DANISH_TIME)
    return f"{dansk_dato(local.date())} kl. {local:%H.%M}"


STAGES = {
    "registered": "Dom registreret",
    "awaiting_finality": "Venter på endelig dom",
    "eligibility": "Vurdering efter politikken",
    "awaiting_review": "Til vurdering hos politiet",
    "not_eligible": "Ikke omfattet",
    "disclosed": "Videregivet til boligorganisationen",
    "awaiting_decision": "Afventer boligorganisationens afgørelse",
    "decided": "Afgjort",
    "termination_noticed": "Opsagt; varslet løber (§ 88)",
    "objected": "Lejeren har gjort indsigelse (§ 89)",
    "in_court": "Sagen er i retten",
    "reentry_blocked": "Genindflytningsspærring (§ 28)",
    "overturned": "Dommen omstødt",
    "retracted": "Videregivelsen trukket tilbage",
    "closed": "Afsluttet",
}

OUTCOMES = {
    "terminate": "Ophævelse af lejemålet",
    "warn": "Advarsel",
    "no_action": "Ingen handling",
    "disclose": "Videregiv til boligorganisationen",
    "no_disclosure": "Videregiv ikke",
    "keep_open": "Hold anmodningen åben",
    "refuse": "Afvis anmodningen",
    # Added on the follow-up branch: the police confirm an appeal's outcome, the
    # municipality records its measure (barnets lov §§ 38-39).
    "still_pending": "Anken verserer stadig",
    "final": "Dommen er endelig",
    "overturned": "Dommen er omstødt",
    "foraeldrepaalaeg": "Forældrepålæg (barnets lov § 38)",
    "boerne_og_ungepaalaeg": "Børne- og ungepålæg (barnets lov § 39)",
    "other_support": "Anden støtte",
    "no_measure": "Ingen foranstaltning",
}

KINDS = {
    "decision": "Afgørelse om lejemålet",
    "review": "Politiets vurdering af en dom",
    "request": "Boligorganisations anmodning",
    "confirm_finality": "Bekræft ankens udfald",
    "municipality_followup": "Kommunens opfølgning (barnets lov §§ 38-39)",
}

ELIGIBILITY = {
    "eligible": "Omfattet: kan videregives, og nr. 10 gælder",
    "disclose_other_ground": "Kan videregives; udlejers vej er husordenen (anden grund)",
    "manual_review": "Til manuel vurdering",
    "not_eligible": "Ikke omfattet",
}

TASK_STATES = {"open": "Åben", "done": "Afsluttet", "withdrawn": "Trukket tilbage"}

RULE_RESULT = {True: "Opfyldt", False: "Ikke opfyldt", None: "Uafklaret"}

SENTENCES = {
    "unconditional_custody": "Ubetinget fængsel",
    "conditional_custody": "Betinget fængsel",
    "fine": "Bøde",
    "committal": "Anbringelse",
    "treatment": "Behandlingsdom",
}

NOTIFICATION_KINDS = {"follow_up": "Opfølgning (barnets lov §§ 38-39)"}
NOTIFICATION_STATES = {"open": "Åben", "acknowledged": "Kvitteret", "withdrawn": "Trukket tilbage"}

ROLES = {
    "caseworker": "Sagsbehandler (boligorganisation)",
    "supervisor": "Teamleder (boligorganisation)",
    "police_reviewer": "Politiets sagsbehandler",
    "municipality_caseworker": "Kommunal sagsbehandler",
    "operator": "Driftsansvarlig",
    "auditor": "Revisor",
}


def label(table: dict[str, str], key: str | None) -> str:
    if key is None:
        return "–"
    return table.get(key, key)


# The domain's reasons (decision_problem and the API's checks), said in Danish. Each
# pattern names the form field the reason belongs beside; unknown reasons pass through.
_REASONS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"^outcome must be one of: (.*)$"), "outcome", "Vælg en af de mulige afgørelser."),
    (re.compile(r"^a justification of at least (\d+) characters is required$"),
     "justification", "Skriv en begrundelse på mindst {0} tegn."),
    (re.compile(r"^termination_date is required to terminate$"), "termination_date",
     "Angiv ophævelsesdatoen: en ophævelse skal have en dato."),
    (re.compile(r"^termination_date must be a date"), "termination_date",
     "Ophævelsesdatoen skal være en dato (dd-mm-åååå)."),
    (re.compile(r"^termination_date is only given when terminating$"), "termination_date",
     "Ophævelsesdato angives kun ved ophævelse; lad feltet være tomt."),
    (re.compile(r"^termination_date is before the verdict \((.*)\)$"), "termination_date",
     "Ophævelsesdatoen ligger før dommen ({0:dato})."),
    (re.compile(r"^termination_date may be at most (\d+) days before the decision "
                r"\(not before (.*)\)$"), "termination_date",
     "Ophævelsesdatoen må højst ligge {0} dage før afgørelsen (ikke før {1:dato})."),
    (re.compile(r"^termination_date may be at most (\d+) days after the decision "
                r"\(not after (.*)\)$"), "termination_date",
     "Ophævelsesdatoen må højst ligge {0} dage efter afgørelsen (ikke efter {1:dato})."),
    (re.compile(r"^route is required to terminate"), "route",
     "Vælg ophævelse (§ 90, stk. 1) eller opsigelse (§ 85, stk. 1), med grundlaget."),
    (re.compile(r"^ground is required with the route"), "ground",
     "Angiv grundlaget, fx «almenlejeloven § 90, stk. 1, nr. 10»."),
    (re.compile(r"^ground must be a ground of"), "ground",
     "Grundlaget skal være en bestemmelse i almenlejelovens § 90, stk. 1 eller § 85, stk. 1, "
     "fx «§ 85, stk. 1, nr. 4»."),
    (re.compile(r"^(.*) is a ground for (\w+), not (\w+)"), "ground",
     "{0} er grundlag for {1}, ikke {2}: § 90 er ophævelse, § 85 opsigelse."),
    (re.compile(r"^route and ground are only given when terminating$"), "route",
     "Vej og grundlag angives kun, når lejemålet bringes til ophør; lad felterne være tomme."),
]


def reason_in_danish(reason: str) -> tuple[str | None, str]:
    """(the field the reason belongs to or None, the reason in Danish)."""
    for pattern, field, text in _REASONS:
        m = pattern.match(reason)
        if m:
            parts = [dansk_dato(g) if f"{{{i}:dato}}" in text else g
                     for i, g in enumerate(m.groups())]
            return field, text.replace(":dato}", "}").format(*parts)
    return None, reason
