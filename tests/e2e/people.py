"""What a person does on the portal's pages, in the browser: fill, wait like a human, submit."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any
from weakref import WeakKeyDictionary

from playwright.sync_api import Locator, Page

from forms_api.app import FORMS
from forms_api.clock import TZ
from tests.e2e.server import PortalServer
from tests.logcheck import remember

CONSENT = "我已阅读并同意"  # how the privacy-notice checkbox's label begins on every form

# A submission faster than a form's `min_fill_seconds` after the page was served is answered
# like a bot's: success shown, nothing stored. People take longer; so must the tests.
_LOADED: WeakKeyDictionary[Page, float] = WeakKeyDictionary()


def track_loads(page: Page) -> None:
    """Note when each document of `page` arrives (works with JavaScript off, unlike evaluate)."""
    def loaded(which: Page) -> None:
        _LOADED[which] = time.monotonic()  # noted after the server answered: errs long

    page.on("domcontentloaded", loaded)


def wait_like_a_person(page: Page, form: str) -> None:
    """Wait until the page has been open as long as a person needs to fill `form`."""
    left = FORMS[form].min_fill_seconds - (time.monotonic() - _LOADED[page])
    if left > 0:
        page.wait_for_timeout(left * 1000)


def press(target: Locator, touch: bool) -> None:
    """Tap on a phone, click with a mouse."""
    if touch:
        target.tap()
    else:
        target.click()


def field(page: Page, label: str) -> Locator:
    """The control labelled `label` (a required field's label ends with a `*`)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def consent(page: Page) -> Locator:
    """The checkbox agreeing to the privacy notice (its label links to the notice)."""
    return page.get_by_label(re.compile(rf"^\s*{CONSENT}"))


def tick(page: Page, label: str | Locator, touch: bool) -> None:
    """Tick a checkbox or radio as a person would: tap its label, or the box itself when the
    label holds a link (tapping the middle of such a label opens the link)."""
    box = field(page, label) if isinstance(label, str) else label
    if not box.is_checked():
        ident = box.get_attribute("id")
        target = page.locator(f"label:has(#{ident}), label[for='{ident}']").first
        press(box if target.locator("a").count() else target, touch)
    assert box.is_checked(), label


def create_session(portal: PortalServer, *, title: str, capacity: int = 40,
                   starts_in: dt.timedelta = dt.timedelta(minutes=-10),
                   lasts: dt.timedelta = dt.timedelta(hours=2)) -> dict[str, Any]:
    """A training session open for check-in now, made through the admin API."""
    modules = portal.get_json("/api/modules")["items"]
    starts = dt.datetime.now(TZ).replace(microsecond=0) + starts_in
    session: dict[str, Any] = portal.admin_json("POST", "/api/admin/trainings", json={
        "module": modules[0]["slug"], "title": title, "starts_at": starts.isoformat(),
        "ends_at": (starts + lasts).isoformat(), "location": "市教师发展中心 301 室",
        "capacity": capacity})
    assert session["code"] and session["id"], session
    return session


def attendance(portal: PortalServer, session_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = portal.admin_json(
        "GET", f"/api/admin/trainings/{session_id}/attendance")["items"]
    return items


def admin_items(portal: PortalServer, what: str, **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = portal.admin_json("GET", f"/api/admin/{what}",
                                                    params=params)["items"]
    return items


def open_personal_link(page: Page, portal: PortalServer, volunteer_id: str) -> None:
    """Open the volunteer's own page as they would: staff issue a link, the volunteer opens it
    (the token then leaves the address bar for the session cookie)."""
    link = portal.admin_json("POST", f"/api/admin/volunteers/{volunteer_id}/link")["link"]
    remember(link.rsplit("t=", 1)[1])
    path = link[link.index("/me/?t="):]
    page.goto(path)
    assert page.url.endswith("/me/"), page.url
