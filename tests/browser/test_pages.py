"""The caseworker pages in a real Chromium: what a caseworker, a police reviewer and a
municipality caseworker do, each page checked with axe-core and screenshotted."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from services.api.pages.danish import dansk_dato
from tests.browser.conftest import check_page, sign_in
from tests.browser.site import (
    BLOCKED_CPR,
    BLOCKED_NAME,
    CPR,
    DISTRICT,
    MUNICIPALITY,
    NAME,
    ORG,
    OTHER_ORG,
    Site,
)
from verdictflow.platform.audit import CPR_REVEALED, DISCLOSURE_READ, TASK_ASSIGN


@pytest.fixture(scope="module", autouse=True)
def cases(site: Site) -> dict[str, str]:
    return {
        "due": site.add_case("sag-frist"),
        "overdue": site.add_case("sag-overskredet", due_in_days=-3, stage_days_ago=40),
        "held": site.add_case("sag-taget", assignee="kollega@bbs", due_in_days=12),
        "refuse": site.add_case("sag-afvist", due_in_days=11),
        "claim": site.add_case("sag-tag", due_in_days=13),
        "theirs": site.add_case("sag-andres", org=OTHER_ORG, area="sydbyen"),
        "review": site.add_case("sag-politi", org=DISTRICT, kind="review", due_in_days=5),
    }


def test_sign_in_page(page: Any) -> None:
    page.goto("/ui/login")
    assert page.get_by_role("heading", level=1).inner_text() == "Log ind"
    # Every organisation and role comes from the reference data.
    options = page.locator("#konto option").evaluate_all("els => els.map(e => e.value)")
    assert f"{ORG}|caseworker" in options and f"{DISTRICT}|police_reviewer" in options
    assert f"{MUNICIPALITY}|municipality_caseworker" in options
    check_page(page, "01-log-ind")


def test_caseworker_reads_reveals_and_decides(page: Any, site: Site,
                                              cases: dict[str, str]) -> None:
    sign_in(page, ORG, "caseworker")
    assert page.url.endswith("/ui/opgaver")
    rows = page.locator("table.liste tbody tr")
    # Overdue first, marked, with Danish dates.
    assert cases["overdue"] in rows.first.inner_text()
    assert "Overskredet" in rows.first.inner_text()
    assert dansk_dato(date.today() - timedelta(days=3)) in rows.first.inner_text()
    assert cases["theirs"] not in page.content()  # another organisation's task
    check_page(page, "02-indbakke")

    page.get_by_role("link", name=cases["due"]).click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Afgørelse om lejemålet")
    assert NAME in page.content()
    assert page.locator("#cpr-maskeret").inner_text() == "******-**34"
    assert CPR not in page.content() and "010190-1234" not in page.content()
    # The rules, one by one, as the disclosure explains them.
    assert "Gerningsstedet ligger 180 m fra ejendommen." in page.content()
    assert page.get_by_text("Uafklaret").count() == 1
    assert "Videregivet til boligorganisationen" in page.locator(".tidslinje").inner_text()
    reads = [e for e in site.audit(DISCLOSURE_READ) if e.task_id == cases["due"]]
    assert reads and reads[-1].actor == f"dev-caseworker@{ORG}"
    check_page(page, "03-sag")

    page.get_by_role("button", name="Vis fuldt CPR-nummer").click()
    assert page.locator("#cpr-fuldt").inner_text() == "010190-1234"
    [revealed] = [e for e in site.audit(CPR_REVEALED) if e.task_id == cases["due"]]
    assert (revealed.actor, revealed.org_id, revealed.case_id) == (
        f"dev-caseworker@{ORG}", ORG, "sag-frist")

    page.get_by_label("Ophævelse af lejemålet").check()
    page.get_by_label("Ophævelse (almenlejeloven § 90").check()
    page.get_by_label("Grundlag").fill("almenlejeloven § 90, stk. 1, nr. 10")
    page.get_by_label("Dato (kun ved ophør").fill(date.today().isoformat())
    page.get_by_label("Begrundelse").fill("Grov vold mod en nabo i opgangen; dom er endelig.")
    page.get_by_role("button", name="Send afgørelsen").click()

    assert "er sendt til sagen" in page.locator(".besked").inner_text()
    [sent] = site.temporal.calls
    assert (sent.task_id, sent.outcome, sent.org_id) == (cases["due"], "terminate", ORG)
    block = page.locator("tr.spaerring")
    assert "Aktiv" in block.inner_text()
    until = date.today().replace(year=date.today().year + 2)
    assert dansk_dato(until) in block.inner_text()
    assert "Afgjort: Ophævelse af lejemålet" in page.locator(".tidslinje").inner_text()
    assert page.get_by_role("button", name="Send afgørelsen").count() == 0  # task done
    check_page(page, "04-sag-afgjort")


def test_refused_decision_shows_the_reason_beside_the_field(page: Any, site: Site,
                                                            cases: dict[str, str]) -> None:
    sign_in(page, ORG, "caseworker")
    page.goto(f"/ui/opgaver/{cases['refuse']}")
    page.get_by_label("Ophævelse af lejemålet").check()
    page.get_by_label("Ophævelse (almenlejeloven § 90").check()
    page.get_by_label("Grundlag").fill("almenlejeloven § 90, stk. 1, nr. 10")
    too_late = date.today() + timedelta(days=400)
    page.get_by_label("Dato (kun ved ophør").fill(too_late.isoformat())
    page.get_by_label("Begrundelse").fill("Grov vold mod en nabo i opgangen.")
    page.get_by_role("button", name="Send afgørelsen").click()

    field = page.locator("#termination_date")
    reason = page.locator("#termination_date-fejl")
    assert re.search(r"højst ligge 366 dage efter afgørelsen", reason.inner_text())
    assert "termination_date-fejl" in field.get_attribute("aria-describedby")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.input_value() == too_late.isoformat()  # what was typed stays
    assert page.title().startswith("Fejl:")
    # The summary links to the field.
    page.locator(".fejlresume a").click()
    assert page.evaluate("document.activeElement.id") == "termination_date"
    assert not [c for c in site.temporal.calls if c.task_id == cases["refuse"]]
    check_page(page, "05-afgoerelse-afvist")

    page.get_by_label("Advarsel").check()
    page.get_by_label("Begrundelse").fill("kort")
    page.get_by_role("button", name="Send afgørelsen").click()
    assert "mindst 10 tegn" in page.locator("#justification-fejl").inner_text()


def test_another_organisations_case_is_not_reachable_by_url(page: Any, site: Site,
                                                            cases: dict[str, str]) -> None:
    sign_in(page, ORG, "caseworker")
    before = len(site.audit())
    theirs = page.goto(f"/ui/opgaver/{cases['theirs']}")
    unknown_page = page.content()
    assert theirs is not None and theirs.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Opgaven findes ikke"
    check_page(page, "06-ikke-fundet")
    unknown = page.goto("/ui/opgaver/findes-ikke")
    assert unknown is not None and unknown.status == 404
    assert page.content() == unknown_page  # the same answer: existence does not leak
    posted = page.request.post(f"/ui/opgaver/{cases['theirs']}/cpr",
                               form={"csrf": "x"}, max_redirects=0)
    assert posted.status == 403  # no matching CSRF token: refused before anything is read
    assert len(site.audit()) == before


def test_claim_release_and_supervisor_reassigns(browser: Any, page: Any, site: Site,
                                                cases: dict[str, str]) -> None:
    sign_in(page, ORG, "caseworker")
    row = page.locator("tr", has_text=cases["claim"])
    row.get_by_role("button", name=f"Tag opgave {cases['claim']}").click()
    assert page.locator(".besked").inner_text() == "Du har taget opgaven."
    assert site.task(cases["claim"]).assignee == f"dev-caseworker@{ORG}"
    held = page.locator("tr", has_text=cases["held"])
    assert held.get_by_role("button").count() == 0  # a colleague's: neither take nor free
    page.locator("tr", has_text=cases["claim"]).get_by_role(
        "button", name=f"Frigiv opgave {cases['claim']}").click()
    assert site.task(cases["claim"]).assignee is None
    details = [e.detail for e in site.audit(TASK_ASSIGN) if e.task_id == cases["claim"]]
    assert details == ["claim", "release"]

    boss = browser.new_context(base_url=site.url, locale="da-DK").new_page()
    sign_in(boss, ORG, "supervisor")
    boss.goto(f"/ui/opgaver/{cases['held']}")
    boss.get_by_label("Tildel til medarbejder (id)").fill("cw-42")
    boss.get_by_role("button", name="Tildel", exact=True).click()
    assert boss.locator(".besked").inner_text() == "Opgaven er tildelt."
    assert site.task(cases["held"]).assignee == "cw-42"
    check_page(boss, "07-teamleder-sag")
    boss.context.close()


def test_filters(page: Any, cases: dict[str, str]) -> None:
    sign_in(page, ORG, "caseworker")
    page.get_by_label("Status").select_option("done")
    page.get_by_role("button", name="Vis", exact=True).click()
    assert "status=done" in page.url
    assert cases["overdue"] not in page.locator("tbody").inner_text()  # open: not shown
    page.get_by_label("Område").select_option("broendby-strand")
    page.get_by_label("Status").select_option("open")
    page.get_by_role("button", name="Vis", exact=True).click()
    body = page.locator("tbody").inner_text()
    assert cases["overdue"] in body and "Brøndby Strand" in body


def test_police_reviewers_queue(page: Any, site: Site, cases: dict[str, str]) -> None:
    sign_in(page, DISTRICT, "police_reviewer")
    assert page.get_by_role("heading", level=1).inner_text() == "Politiets kø"
    body = page.locator("tbody").inner_text()
    assert cases["review"] in body and cases["due"] not in body
    check_page(page, "08-politiets-koe")
    page.get_by_role("link", name=cases["review"]).click()
    assert page.get_by_label("Videregiv til boligorganisationen").count() == 1
    assert page.get_by_label("Videregiv ikke").count() == 1
    assert page.get_by_label("Dato (kun ved ophør").count() == 0
    check_page(page, "09-politiets-vurdering")
    # A housing organisation's page is not theirs.
    assert page.goto(f"/ui/opgaver/{cases['due']}").status == 404


def test_municipality_follow_up(page: Any, site: Site) -> None:
    site.add_notification("n-1", "sag-kommune")
    sign_in(page, MUNICIPALITY, "municipality_caseworker")
    page.get_by_role("link", name="Opfølgning", exact=True).click()
    assert "sag-kommune" in page.locator("tbody").inner_text()
    assert "Opfølgning (barnets lov §§ 38-39)" in page.locator("tbody").inner_text()
    check_page(page, "10-kommunens-opfoelgning")
    assert page.goto("/ui/genindflytning").status == 403  # the housing organisations' check
    assert page.get_by_role("heading", level=1).inner_text() == "Ingen adgang"
    check_page(page, "15-ingen-adgang")


def test_reentry_check(page: Any, site: Site) -> None:
    site.add_block("sag-gammel", BLOCKED_CPR, BLOCKED_NAME, terminated_days_ago=200)
    sign_in(page, ORG, "caseworker")
    page.get_by_role("link", name="Genindflytning (§ 28)").click()
    check_page(page, "11-genindflytning")
    move_in = date.today() + timedelta(days=30)
    page.get_by_label("Den boligsøgendes CPR-nummer").fill("020285-1111")
    page.get_by_label("Planlagt indflytningsdato").fill(move_in.isoformat())
    page.get_by_role("button", name="Slå op").click()
    answer = page.locator(".svar").inner_text()
    assert "Registreret ophævelse/opsigelse" in answer and BLOCKED_NAME in answer
    assert dansk_dato(date.today() - timedelta(days=200)) in answer
    assert "0202851111" not in page.url and "020285" not in page.url
    assert page.locator("#cpr").input_value() == ""  # not echoed back
    check_page(page, "12-genindflytning-svar")

    page.get_by_label("Den boligsøgendes CPR-nummer").fill("311299-9999")
    page.get_by_label("Planlagt indflytningsdato").fill(move_in.isoformat())
    page.get_by_role("button", name="Slå op").click()
    assert "Ingen registreret ophævelse/opsigelse" in page.locator(".svar").inner_text()

    page.get_by_label("Den boligsøgendes CPR-nummer").fill("12")
    page.get_by_role("button", name="Slå op").click()
    assert page.locator("#cpr-fejl").is_visible()
    assert "cpr-fejl" in page.locator("#cpr").get_attribute("aria-describedby")


def test_partnership_figures(page: Any, site: Site) -> None:
    sign_in(page, ORG, "supervisor")
    page.get_by_role("link", name="Partnerskabstal").click()
    check_page(page, "13-partnerskabstal")
    year = date.today().year
    page.get_by_role("link", name=f"{year} for Strategisk partnerskabsaftale for Brøndby "
                     "Strand").click()
    assert page.locator("svg.soejler").count() >= 2  # the area and all areas
    first = page.locator("svg.soejler").first
    assert first.get_attribute("role") == "img"
    registered = page.locator("table.smal").first.locator("tr", has_text="Domme registreret")
    expected = site.registered_in(year)
    assert expected > 0 and int(registered.locator("td").inner_text()) == expected
    check_page(page, "14-partnerskabstal-aar")
    other = page.goto(f"/ui/tal/slagelse/{year}")
    assert other is not None and other.status == 404  # not a party
