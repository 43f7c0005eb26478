"""Browser tests: Debian's Chromium (``/usr/bin/chromium``, or ``VF_CHROMIUM``) driven by
Playwright, which never downloads a browser of its own here. Without Chromium or Playwright
the tests skip, saying why (``make test`` / ``.ci/run`` install Debian's package).

Every page visited is checked with axe-core (no serious or critical violation) and
screenshotted to ``.state/screenshots/`` (git-ignored; ``VF_SCREENSHOT_DIR`` moves it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.site import Site, start_site

REPO = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("VF_SCREENSHOT_DIR", REPO / ".state" / "screenshots"))


def chromium_path() -> str | None:
    for candidate in (os.environ.get("VF_CHROMIUM"), shutil.which("chromium"),
                      "/usr/bin/chromium", shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Per module, not per session: while Playwright's sync API is open it holds an event
    loop running in the main thread, and every asyncio test collected after the browser
    tests (the rest of the suite) then fails with "cannot be called from a running event
    loop"."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed (pip install -e '.[test]')")
    path = chromium_path()
    if path is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium; "
                    "or set VF_CHROMIUM to its path)")
    with sync_playwright() as p:
        # --lang: date fields show dd.mm.åååå as a Danish caseworker's browser does.
        b = p.chromium.launch(executable_path=path, headless=True, args=["--lang=da-DK"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    s = start_site(tmp_path_factory.mktemp("pages"))
    yield s
    s.server.stop()
    s.db.dispose()


@pytest.fixture
def context(browser: Any, site: Site) -> Iterator[Any]:
    ctx = browser.new_context(base_url=site.url, locale="da-DK",
                              viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


def check_page(page: Any, name: str) -> None:
    """axe-core over the page (no serious or critical violation), then a screenshot."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"]
           if v.get("impact") in ("serious", "critical")]
    assert not bad, f"{name}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at "
        f"{[n['target'] for n in v['nodes']][:3]}" for v in bad)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, org: str, role: str) -> None:
    page.goto("/ui/login")
    page.get_by_label("Organisation og rolle").select_option(f"{org}|{role}")
    page.get_by_role("button", name="Log ind").click()
