"""Real-browser fixtures: one `portal serve` and one headless Chromium for the whole run.

Each test gets fresh browser contexts (phone or desktop, JavaScript on or off), every one of
them routed through an `OriginGuard`: a request to anywhere but the portal fails the test.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.e2e.guard import OriginGuard
from tests.e2e.people import track_loads
from tests.e2e.phone import DESKTOP, PHONE
from tests.e2e.server import PortalServer, start_server, stop_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-dev-shm-usage"]
# Playwright's default is 30 s; a condition that holds at all holds well within this.
TIMEOUT_MS = 10_000


@dataclass
class Visit:
    """A browser context, its first page, and the guard watching both."""

    context: BrowserContext
    page: Page
    guard: OriginGuard


Browse = Callable[..., Visit]


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium "
                    "fonts-noto-cjk) to run the browser tests")
    driver = sync_playwright().start()
    yield driver
    driver.stop()


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Browser]:
    """Debian's Chromium, headless; Playwright's own browser download does not work here."""
    chromium = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                 args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def portal(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalServer]:
    """`portal serve` on a free port of 127.0.0.1, with an empty data directory."""
    base = tmp_path_factory.mktemp("portal")
    server = start_server(site_dir=built_site, data_dir=base / "data", log=base / "serve.log",
                          admin_token=secrets.token_urlsafe(24))
    yield server
    stop_server(server)


def _open(browser: Browser, guard: OriginGuard, device: str, javascript: bool,
          **options: Any) -> Visit:
    sizes = {"phone": PHONE, "desktop": DESKTOP}[device]
    context = browser.new_context(**sizes, java_script_enabled=javascript, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", service_workers="block",
                                  accept_downloads=True, **options)
    context.set_default_timeout(TIMEOUT_MS)
    guard.attach(context)
    page = context.new_page()
    track_loads(page)
    return Visit(context, page, guard)


@pytest.fixture
def browse(browser: Browser, portal: PortalServer) -> Iterator[Browse]:
    """`browse(device="phone"|"desktop", javascript=True)` -> a fresh guarded context."""
    visits: list[Visit] = []

    def factory(device: str = "phone", javascript: bool = True, **options: Any) -> Visit:
        visit = _open(browser, OriginGuard(portal.origin), device, javascript,
                      base_url=portal.origin, **options)
        visits.append(visit)
        return visit

    yield factory
    problems = [p for v in visits for p in v.guard.problems()]
    for visit in visits:
        visit.context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def browse_files(browser: Browser) -> Iterator[Browse]:
    """Like `browse`, for pages opened from file://: nothing may go over the network."""
    visits: list[Visit] = []

    def factory(device: str = "desktop", javascript: bool = True, **options: Any) -> Visit:
        visit = _open(browser, OriginGuard(None, allow_file=True), device, javascript, **options)
        visits.append(visit)
        return visit

    yield factory
    problems = [p for v in visits for p in v.guard.problems()]
    for visit in visits:
        visit.context.close()
    assert not problems, "\n".join(problems)
