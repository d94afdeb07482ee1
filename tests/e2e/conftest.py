"""Real-browser fixtures: one `portal serve` and one headless Chromium for the whole run.

Each test gets fresh browser contexts (phone or desktop, JavaScript on or off), every one of
them routed through an `OriginGuard`: a request to anywhere but the portal fails the test.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, Browse, Visit, open_visit
from tests.e2e.guard import OriginGuard
from tests.e2e.server import PortalServer, start_server, stop_server
from tests.logcheck import LOG_DIR, remember

__all__ = ["Browse", "Visit"]  # test_admin_console.py imports Browse from here


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium "
                    "fonts-noto-cjk) to run the browser tests")
    driver = sync_playwright().start()
    yield driver
    driver.stop()


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless; Playwright's own browser download does not work here."""
    chromium = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                 args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def portal(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalServer]:
    """`portal serve` on a free port of 127.0.0.1, with an empty data directory."""
    token = secrets.token_urlsafe(24)
    remember(token)  # the run's log check fails if it ever shows up in a log
    # Its output goes where the run's log check scans it for phone numbers and e-mails.
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    server = start_server(site_dir=built_site,
                          data_dir=tmp_path_factory.mktemp("portal") / "data",
                          log=LOG_DIR / f"e2e-serve-{secrets.token_hex(4)}.log",
                          admin_token=token)
    yield server
    stop_server(server)


def _visits(browser: Browser, guard: Callable[[], OriginGuard], default_device: str,
            **defaults: Any) -> Iterator[Browse]:
    """Open guarded contexts on demand; close them all and fail on what any guard saw."""
    visits: list[Visit] = []

    def factory(device: str = default_device, javascript: bool = True, **options: Any) -> Visit:
        visit = open_visit(browser, guard(), device, javascript, **defaults, **options)
        visits.append(visit)
        return visit

    yield factory
    problems = [p for v in visits for p in v.guard.problems()]
    for visit in visits:
        visit.context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def browse(browser: Browser, portal: PortalServer) -> Iterator[Browse]:
    """`browse(device="phone"|"desktop", javascript=True)` -> a fresh guarded context."""
    yield from _visits(browser, lambda: OriginGuard(portal.origin), "phone",
                       base_url=portal.origin)


@pytest.fixture
def browse_files(browser: Browser) -> Iterator[Browse]:
    """Like `browse`, for pages opened from file://: nothing may go over the network."""
    yield from _visits(browser, lambda: OriginGuard(None, allow_file=True), "desktop")
