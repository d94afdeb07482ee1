"""The offline zip edition, opened from file:// as a teacher would from a USB stick."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from forms_api.build import OFFLINE_ROOT, build_offline_zip
from tests.e2e.browser import Browse
from tests.e2e.pages import screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def offline_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("offline")
    archive = build_offline_zip(base / "xinyu-offline.zip")
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(base)
    return base / OFFLINE_ROOT


def test_search_works_from_file_with_no_network(browse_files: Browse, offline_site: Path
                                                ) -> None:
    visit = browse_files("desktop")
    page = visit.page
    page.goto((offline_site / "index.html").as_uri())
    expect(page.locator("h1").first).to_be_visible()
    query = page.locator("input.md-search__input")
    query.click()
    query.fill("危机干预")
    results = page.locator(".md-search-result__item")
    expect(results.first).to_be_visible()
    expect(page.locator(".md-search-result mark").first).to_contain_text("危机干预")
    screenshot(page, "offline-search-desktop")
    # The first hit opens from the zip too.
    results.first.locator("a").first.click()
    page.wait_for_load_state("load")
    assert page.url.startswith("file://"), page.url
    visit.guard.check("offline search")


@pytest.mark.parametrize("form_page", ["volunteer.html", "booking/index.html", "attend.html"])
def test_form_page_from_file_says_it_needs_the_online_site(browse_files: Browse,
                                                           offline_site: Path,
                                                           form_page: str) -> None:
    visit = browse_files("phone")
    page = visit.page
    page.goto((offline_site / form_page).as_uri())
    note = page.locator("[data-portal-offline]").first
    expect(note).to_be_visible()
    expect(note).to_contain_text("需要在线")
    visit.guard.check(form_page)
