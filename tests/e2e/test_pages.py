"""Every page, public and admin, on a phone and a desktop: own origin only, fits, accessible.

On the phone every page gets every check, axe included. On the desktop every page is loaded
through the origin guard with its labels checked, and axe runs on one page of each kind: the
article pages of a section share one template with their section's first page, so axe on
those adds nothing but minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.e2e.axe import assert_accessible, text_contrast
from tests.e2e.browser import Browse, Visit, open_visit
from tests.e2e.guard import OriginGuard
from tests.e2e.pages import SERVED_ONLY, TOKEN_ONLY, built_pages, public_pages
from tests.e2e.people import create_session
from tests.e2e.phone import assert_fits_phone, assert_labelled
from tests.e2e.server import PortalServer

pytestmark = pytest.mark.e2e

PAGES = sorted((set(public_pages()) | set(SERVED_ONLY)) - set(TOKEN_ONLY))
ARTICLE_SECTIONS = ("training", "guidance", "activities", "help")


def _one_of_a_kind(path: str) -> bool:
    """Pages whose template or content kind no other checked page shares."""
    parts = path.strip("/").split("/")
    if parts[0] not in ARTICLE_SECTIONS or len(parts) == 1:
        return True
    articles = sorted(p for p in PAGES if p.startswith(f"/{parts[0]}/") and p.count("/") == 3
                      and not p.endswith("/schedule/"))
    return path == articles[0] or path.endswith("/schedule/")


DESKTOP_AXE = [p for p in PAGES if _one_of_a_kind(p)]


@pytest.fixture(scope="module")
def with_records(portal: PortalServer) -> None:
    """A session and an approved public expert, so the lists show rows rather than notes."""
    create_session(portal, title="学生心理危机识别与干预")
    with portal.api() as client:
        made = client.post("/api/volunteers", json={
            "name": "陈思远", "phone": "13100131000", "organization": "市第一人民医院",
            "title": "心理治疗师", "qualifications": ["registered_psychologist"],
            "years_experience": 9, "expertise": ["counseling", "family"],
            "public_profile": True, "consent": True})
    assert made.status_code == 201, made.text
    portal.admin_json("PATCH", f"/api/admin/volunteers/{made.json()['id']}",
                      json={"status": "approved"})


@pytest.fixture(scope="module")
def tabs(browser: Browser, portal: PortalServer, with_records: None) -> Iterator[dict[str, Visit]]:
    """One guarded tab per screen size, reused page after page (a context costs ~0.3 s)."""
    opened = {device: open_visit(browser, OriginGuard(portal.origin), device, True,
                                 base_url=portal.origin) for device in ("phone", "desktop")}
    yield opened
    for visit in opened.values():
        visit.context.close()


def _load(visit: Visit, path: str) -> None:
    visit.guard.check("before " + path)
    response = visit.page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    visit.guard.check(path)


def test_every_built_page_is_visited(built_site: Path) -> None:
    missing = set(built_pages(built_site)) - set(PAGES) - set(TOKEN_ONLY)
    assert not missing, f"pages built but not checked here: {sorted(missing)}"


@pytest.mark.parametrize("path", PAGES)
def test_page_on_phone(tabs: dict[str, Visit], path: str) -> None:
    visit = tabs["phone"]
    _load(visit, path)
    assert_fits_phone(visit.page, path)
    assert_labelled(visit.page, path)
    assert_accessible(visit.page, f"{path} (phone)")
    visit.guard.check(path)


@pytest.mark.parametrize("path", PAGES)
def test_page_on_desktop(tabs: dict[str, Visit], path: str) -> None:
    visit = tabs["desktop"]
    _load(visit, path)
    assert_labelled(visit.page, path)
    if path in DESKTOP_AXE:
        assert_accessible(visit.page, f"{path} (desktop)")
    visit.guard.check(path)


def test_unknown_path_shows_the_sites_404_page(browse: Browse) -> None:
    visit = browse("phone")
    response = visit.page.goto("/no-such-page/")
    assert response is not None and response.status == 404
    assert "404" in visit.page.title() or visit.page.get_by_text("404").count()
    assert_fits_phone(visit.page, "404 page")
    assert_accessible(visit.page, "404 page")
    visit.guard.check("404 page")


def test_search_on_a_phone_finds_a_chinese_word(tabs: dict[str, Visit]) -> None:
    visit = tabs["phone"]
    _load(visit, "/")
    visit.page.locator("label.md-header__button[for=__search]").tap()
    query = visit.page.locator("input.md-search__input")
    query.fill("心理委员")
    hit = visit.page.locator(".md-search-result__item").first
    hit.wait_for()
    assert "心理委员" in visit.page.locator(".md-search-result mark").first.inner_text()
    hit.locator("a").first.tap()
    visit.page.wait_for_load_state("load")
    assert "心理委员" in visit.page.locator(".md-content").inner_text()
    visit.guard.check("search")


def test_the_guard_blocks_and_reports_other_origins(browse: Browse, portal: PortalServer) -> None:
    """The check every other test relies on: a request elsewhere is stopped and reported."""
    other = f"http://127.0.0.2:{portal.port}/probe.js"  # another host, same port: still foreign
    fetch = """async (url) => {
        try { await fetch(url, {mode: "no-cors"}); return "sent"; } catch (e) { return "failed"; }
    }"""
    # The site's own CSP refuses it first; the guard reports the refusal.
    visit = browse("phone")
    _load(visit, "/")
    assert visit.page.evaluate(fetch, other) == "failed"
    assert any(other in text for text in visit.guard.csp), visit.guard.csp
    visit.guard.csp.clear()
    # Without that CSP, the route aborts the request and the guard reports it.
    bare = browse("phone", bypass_csp=True)
    _load(bare, "/")
    assert bare.page.evaluate(fetch, other) == "failed"
    assert bare.guard.blocked == [other], bare.guard.blocked
    bare.guard.blocked.clear()


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_pressed_button_stays_readable(tabs: dict[str, Visit], device: str) -> None:
    """Material recolours a hovered or tapped button with the accent; axe only sees it at rest."""
    visit = tabs[device]
    _load(visit, "/volunteer/")
    button = visit.page.get_by_role("button", name="提交报名")
    assert text_contrast(button) >= 4.5
    button.hover()
    button.focus()
    assert text_contrast(button) >= 4.5, "hovered or tapped submit button"
