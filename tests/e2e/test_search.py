"""Chinese search on the served site: a teacher types a programme term and finds pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import Browse
from tests.e2e.pages import screenshot

pytestmark = pytest.mark.e2e


def test_home_page_shows_chinese_text(browse: Browse) -> None:
    visit = browse("desktop")
    page = visit.page
    page.goto("/")
    expect(page.locator("h1").first).to_contain_text("心育驿站")
    expect(page.get_by_role("link", name="我是教师：培训签到")).to_be_visible()
    screenshot(page, "home-served-desktop")
    visit.guard.check("home page")


@pytest.mark.parametrize("term", ["心理委员", "危机干预"])
def test_search_finds_programme_terms(browse: Browse, term: str) -> None:
    visit = browse("desktop")
    page = visit.page
    page.goto("/")
    query = page.locator("input.md-search__input")
    query.click()
    expect(query).to_be_focused()
    page.wait_for_timeout(300)  # let the focus event settle, so only the text can start a search
    # One input event and no keyup, as an input method or a phone keyboard delivers Chinese
    # text (`fill` would also fire events that start a search on their own).
    page.keyboard.insert_text(term)
    results = page.locator(".md-search-result__item")
    expect(results.first).to_be_visible()
    expect(page.locator(".md-search-result mark").first).to_contain_text(term)
    screenshot(page, f"search-{term}-desktop")
    visit.guard.check(f"search {term}")
