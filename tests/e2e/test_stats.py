"""The statistics dashboard and the yearly report in Chromium, at desktop size and on a phone.

A server of its own, started on a data directory holding the known city (tests/stats/known.py),
so the charts have something to draw. Every page must draw its charts (an ECharts SVG in each
chart), keep the tables beside them, load nothing from another origin and pass axe.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from forms_api.storage import Database
from tests.e2e.axe import assert_accessible
from tests.e2e.browser import Browse
from tests.e2e.pages import screenshot
from tests.e2e.server import PortalServer, start_server, stop_server
from tests.e2e.test_admin_console import assert_console_fits_phone
from tests.logcheck import LOG_DIR, remember
from tests.stats import known

pytestmark = pytest.mark.e2e

#: Opens a logged-in console page on the known city's server, at a device size.
LoggedIn = Callable[[str], Page]

CHARTS = ("gauge", "districts", "trend")
TABLES = ("培训覆盖学校", "按区县", "按学段", "月度趋势")


@pytest.fixture(scope="module")
def city(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalServer]:
    data_dir = tmp_path_factory.mktemp("stats") / "data"
    db = Database.open(data_dir)
    try:
        known.seed(db)
    finally:
        db.close()
    token = secrets.token_urlsafe(24)
    remember(token)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    server = start_server(site_dir=built_site, data_dir=data_dir, admin_token=token,
                          log=LOG_DIR / f"e2e-stats-{secrets.token_hex(4)}.log")
    yield server
    stop_server(server)


@pytest.fixture
def visit_city(browse: Browse, city: PortalServer) -> LoggedIn:
    """`browse`, pointed at the known city's server instead of the shared one."""

    def factory(device: str = "desktop") -> Page:
        visit = browse(device)
        visit.guard.origin = city.origin
        page = visit.page
        page.goto(city.url("/admin/"))
        page.get_by_label("管理员令牌").fill(city.admin_token)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("heading", name="概览")).to_be_visible()
        return page

    return factory


def assert_charts_drawn(page: Page) -> None:
    for kind in CHARTS:
        chart = page.locator(f'[data-chart="{kind}"][data-drawn]')
        expect(chart).to_have_count(1)
        expect(chart.locator("svg")).to_have_count(1)
        assert chart.locator("svg text").count() > 0, f"the {kind} chart has no labels"
        expect(chart).to_have_attribute("role", "img")
    for caption in TABLES:
        expect(page.locator("table caption", has_text=caption).first).to_be_attached()


def test_dashboard_on_a_desktop(visit_city: LoggedIn, city: PortalServer) -> None:
    page = visit_city("desktop")
    page.get_by_role("link", name="统计").click()
    page.get_by_label("学年（9月1日至次年8月31日）").select_option("2025")
    page.get_by_role("button", name="查看", exact=True).click()
    expect(page.get_by_role("heading", name="统计 2025–2026 学年")).to_be_visible()
    assert_charts_drawn(page)
    expect(page.locator(".stats-tile").first).to_contain_text("50.0%（2/4）")
    gauge = page.locator('[data-chart="gauge"] svg')
    expect(gauge).to_contain_text("2/4 所")
    expect(page.locator('[data-chart="districts"] svg')).to_contain_text("东城区")
    # Chart and table side by side on a wide screen.
    chart_box = page.locator('[data-chart="districts"]').bounding_box()
    table_box = page.locator("table", has=page.locator("caption", has_text="按区县")).bounding_box()
    assert chart_box and table_box and table_box["x"] > chart_box["x"] + chart_box["width"] - 1
    assert_accessible(page, "statistics dashboard (desktop)")
    screenshot(page, "admin-stats-desktop")

    page.get_by_role("link", name="打印版报告").click()
    expect(page.get_by_role("heading", name="中小学心理健康教育工作统计（2025–2026 学年）")).to_be_visible()
    expect(page.locator(".stats-report-bureau")).to_have_text("市教育局")
    assert_charts_drawn(page)
    assert_accessible(page, "statistics report")
    page.emulate_media(media="print")
    expect(page.locator(".adm-nav")).to_be_hidden()
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    screenshot(page, "admin-stats-report-print")
    page.emulate_media(media="screen")


def test_dashboard_on_a_phone(visit_city: LoggedIn, city: PortalServer) -> None:
    page = visit_city("phone")
    page.goto(city.url("/admin/stats/?year=2025"))
    assert_charts_drawn(page)
    box = page.locator('[data-chart="trend"]').bounding_box()
    assert box and box["width"] <= 360
    assert_console_fits_phone(page, "statistics dashboard (phone)")
    screenshot(page, "admin-stats-phone")
    page.goto(city.url("/admin/stats/targets/"))
    assert_console_fits_phone(page, "statistics targets (phone)")


def test_without_javascript_the_tables_carry_everything(browse: Browse, city: PortalServer
                                                        ) -> None:
    visit = browse("desktop", javascript=False)
    visit.guard.origin = city.origin
    page = visit.page
    page.goto(city.url("/admin/"))
    page.get_by_label("管理员令牌").fill(city.admin_token)
    page.get_by_role("button", name="登录").click()
    page.goto(city.url("/admin/stats/?year=2025"))
    expect(page.locator("[data-drawn]")).to_have_count(0)
    expect(page.locator("table", has=page.locator("caption", has_text="按区县"))).to_contain_text(
        "50.0%（1/2）")
