"""Debian's Chromium, and guarded browser contexts sized like a phone or a desktop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page

from tests.e2e.guard import OriginGuard
from tests.e2e.people import track_loads
from tests.e2e.phone import DESKTOP, PHONE

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


def open_visit(browser: Browser, guard: OriginGuard, device: str, javascript: bool,
               **options: Any) -> Visit:
    """A new context of `browser` sized for `device`, every request through `guard`."""
    sizes = {"phone": PHONE, "desktop": DESKTOP}[device]
    # Service workers are off unless a test turns them on (the check-in page's offline copy).
    workers = options.pop("service_workers", "block")
    context = browser.new_context(**sizes, java_script_enabled=javascript, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", service_workers=workers,
                                  accept_downloads=True, **options)
    context.set_default_timeout(TIMEOUT_MS)
    guard.attach(context)
    page = context.new_page()
    track_loads(page)
    return Visit(context, page, guard)
