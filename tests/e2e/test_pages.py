"""Every page, public and admin, on a phone and a desktop: own origin only, fits, accessible."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import Browse
from tests.e2e.pages import SERVED_ONLY, built_pages, public_pages
from tests.e2e.phone import assert_fits_phone, assert_labelled
from tests.e2e.server import PortalServer

pytestmark = pytest.mark.e2e

PAGES = sorted(set(public_pages()) | set(SERVED_ONLY))


def test_every_built_page_is_visited(built_site: Path) -> None:
    missing = set(built_pages(built_site)) - set(PAGES)
    assert not missing, f"pages built but not checked here: {sorted(missing)}"


@pytest.mark.parametrize("path", PAGES)
def test_page_on_phone(browse: Browse, path: str) -> None:
    visit = browse("phone")
    response = visit.page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    visit.page.wait_for_load_state("load")
    visit.guard.check(path)
    assert_fits_phone(visit.page, path)
    assert_labelled(visit.page, path)
    assert_accessible(visit.page, f"{path} (phone)")
    visit.guard.check(path)


@pytest.mark.parametrize("path", PAGES)
def test_page_on_desktop(browse: Browse, path: str) -> None:
    visit = browse("desktop")
    response = visit.page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    visit.page.wait_for_load_state("load")
    assert_labelled(visit.page, path)
    assert_accessible(visit.page, f"{path} (desktop)")
    visit.guard.check(path)


def test_unknown_path_shows_the_sites_404_page(browse: Browse, portal: PortalServer) -> None:
    visit = browse("phone")
    response = visit.page.goto("/no-such-page/")
    assert response is not None and response.status == 404
    assert "404" in visit.page.title() or visit.page.get_by_text("404").count()
    assert_fits_phone(visit.page, "404 page")
    assert_accessible(visit.page, "404 page")
    visit.guard.check("404 page")
