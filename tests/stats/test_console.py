"""The console's 统计 pages: the dashboard, the printable report, the targets, the download."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

from forms_api import clock
from forms_api.trainings.records import ATTENDANCE
from tests.admin_support import login, post_form
from tests.forms_support import ADMIN, ADMIN_TOKEN
from tests.stats import known

_DATA = re.compile(r'<script type="application/json" id="stats-data">(.*?)</script>', re.S)


@pytest.fixture
def seeded(make_client: Callable[..., TestClient]) -> tuple[TestClient, str]:
    client = make_client(admin_token=ADMIN_TOKEN, rate_limit=0, bureau_name="某市教育局")
    known.seed(client.app.state.portal.db)  # type: ignore[attr-defined]
    return client, login(client)


def chart_data(html: str) -> Any:
    match = _DATA.search(html)
    assert match, "the page has no stats-data block"
    return json.loads(match[1])


def audit(client: TestClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/api/admin/audit", headers=ADMIN).json()["items"]
    return items


def test_dashboard_shows_fractions_beside_percentages(seeded: tuple[TestClient, str]) -> None:
    client, _ = seeded
    page = client.get("/admin/stats/?year=2025")
    assert page.status_code == 200, page.text
    html = page.text
    assert '<a href="/admin/stats/" aria-current="page">统计</a>' in html
    assert "2025–2026 学年" in html
    assert '50.0%<span class="stats-frac">（2/4）</span>' in html  # coverage
    assert '50.0%<span class="stats-frac">（1/2）</span>' in html  # each district
    assert "还差 2 所" in html  # 95% of 4 schools is 4 (rounded up), 2 are covered
    # The schools to chase, by district; closed and merged schools are not among them.
    chase = html.split('id="h-uncovered"')[1].split('id="h-never"')[0]
    assert "实验小学" in chase and "特教学校" in chase
    assert "红旗小学" not in chase and "育才中学" not in chase
    assert "有 1 条签到、0 条进校预约填写的学校不在学校名录中" in html
    assert "/assets/vendor/echarts/echarts.min.js" in html and "/assets/admin/stats.js" in html
    assert "<script>" not in html  # no inline script: the CSP would refuse it


def test_dashboard_data_block_is_what_the_charts_draw(seeded: tuple[TestClient, str]) -> None:
    client, _ = seeded
    data = chart_data(client.get("/admin/stats/?from=2025-09-01&to=2026-08-31").text)
    assert data["coverage"] == {"covered": 2, "total": 4, "target": 95.0}
    assert [d["district"] for d in data["districts"]] == ["东城区", "西城区"]
    assert len(data["trend"]) == 12
    assert "1380000" not in json.dumps(data)


def test_data_block_cannot_close_its_script(make_client: Callable[..., TestClient]) -> None:
    client = make_client(admin_token=ADMIN_TOKEN, rate_limit=0)
    db = client.app.state.portal.db  # type: ignore[attr-defined]
    known.seed(db)
    with db.transaction():
        db.table("schools").update_id("S-A", {"district": "</script><script>alert(1)</script>"})
    login(client)
    html = client.get("/admin/stats/?year=2025").text
    assert "<script>alert(1)" not in html
    assert chart_data(html)["districts"][0]["district"] == "</script><script>alert(1)</script>"


def test_dashboard_defaults_to_this_school_year_and_offers_years(
        seeded: tuple[TestClient, str]) -> None:
    client, _ = seeded
    html = client.get("/admin/stats/").text
    assert re.search(r'<option value="(\d{4})" selected>\1–\d{4} 学年</option>', html)
    assert '<option value="2024">2024–2025 学年</option>' in html  # the oldest record: 2025-08


def test_a_bad_period_is_explained_on_the_page(seeded: tuple[TestClient, str]) -> None:
    client, _ = seeded
    page = client.get("/admin/stats/?from=2026-05-01&to=2026-04-01")
    assert page.status_code == 422
    assert "结束日期不能早于开始日期" in page.text
    assert 'value="2026-05-01"' in page.text  # what was typed stays
    assert "stats-data" not in page.text


def test_report_page_names_the_bureau_and_the_period_and_is_audited(
        seeded: tuple[TestClient, str]) -> None:
    client, _ = seeded
    page = client.get("/admin/stats/report/?year=2025")
    assert page.status_code == 200, page.text
    assert "某市教育局" in page.text
    assert "中小学心理健康教育工作统计（2025–2026 学年）" in page.text
    assert "统计期间：2025-09-01 至 2026-08-31" in page.text
    assert "data-print" in page.text
    entry = next(e for e in audit(client) if e["action"] == "export")
    assert entry["target"] == "stats" and entry["detail"]["format"] == "print"


def test_console_download_is_the_workbook(seeded: tuple[TestClient, str]) -> None:
    client, _ = seeded
    response = client.get("/admin/stats/report.xlsx?from=2025-09-01&to=2025-12-31")
    assert response.status_code == 200
    assert "xinyu-stats-20250901-20251231.xlsx" in response.headers["content-disposition"]
    summary = dict(load_workbook(io.BytesIO(response.content))["概况"].iter_rows(
        min_row=2, max_col=2, values_only=True))
    assert summary["统计单位"] == "某市教育局"
    assert summary["统计期间"] == "2025-09-01 至 2025-12-31"
    assert any(e["detail"].get("format") == "xlsx" for e in audit(client))


def test_targets_are_edited_in_the_console_with_an_audit_entry(
        seeded: tuple[TestClient, str]) -> None:
    client, csrf = seeded
    form = client.get("/admin/stats/targets/").text
    assert 'name="coverage"' in form and 'value="95"' in form
    refused = post_form(client, "/admin/stats/targets/", csrf, coverage="150", teachers="1.5")
    assert refused.status_code == 422
    assert "培训覆盖学校比例（%）" in refused.text and "参训教师人数（人）请填写整数" in refused.text
    assert 'value="150"' in refused.text
    done = post_form(client, "/admin/stats/targets/", csrf, coverage="40", teachers="",
                     visit_coverage="60", hours_per_teacher="2")
    assert done.status_code == 303 and done.headers["location"] == "/admin/stats/targets/?saved=1"
    assert [e["action"] for e in audit(client)].count("stats.targets") == 1
    html = client.get("/admin/stats/?year=2025").text
    assert "目标 40%" in html and "（已达成）" in html and "目标 60%" in html
    assert client.get("/admin/audit/").text.count("修改统计目标") >= 1


def test_targets_need_the_csrf_token(seeded: tuple[TestClient, str]) -> None:
    client, _ = seeded
    refused = post_form(client, "/admin/stats/targets/", "wrong", coverage="10")
    assert refused.status_code == 403
    assert not [e for e in audit(client) if e["action"] == "stats.targets"]


def test_pages_need_a_session(portal_client: TestClient) -> None:
    for path in ("/admin/stats/", "/admin/stats/report/", "/admin/stats/report.xlsx",
                 "/admin/stats/targets/"):
        response = portal_client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith(
            "/admin/?next="), path


def test_exports_page_offers_the_report(seeded: tuple[TestClient, str]) -> None:
    client, _ = seeded
    html = client.get("/admin/exports/").text
    assert "年度统计报告" in html and 'href="/admin/stats/report.xlsx"' in html


def test_an_empty_portal_shows_zeros_not_errors(console: tuple[TestClient, str]) -> None:
    client, _ = console
    page = client.get("/admin/stats/")
    assert page.status_code == 200, page.text
    assert "学校名录为空" in page.text and "—" in page.text
    assert chart_data(page.text)["coverage"] == {"covered": 0, "total": 0, "target": 95.0}
    body = client.get("/api/admin/stats", headers=ADMIN).json()
    assert body["schools"] == {"total": 0, "covered": 0, "coverage": None, "uncovered": [],
                               "closed": 0, "merged": 0}
    assert body["hours_per_teacher"] is None and body["by_district"] == []
    workbook = client.get("/admin/stats/report.xlsx")
    assert load_workbook(io.BytesIO(workbook.content))["按区县"].max_row == 1


def test_overview_tile_shows_this_years_coverage(console: tuple[TestClient, str]) -> None:
    client, _ = console
    html = client.get("/admin/").text
    assert 'href="/admin/stats/"><strong>—</strong>培训覆盖学校（0/0，' in html


def test_overview_tile_counts_this_years_check_ins(seeded: tuple[TestClient, str]) -> None:
    client, _ = seeded
    db = client.app.state.portal.db  # type: ignore[attr-defined]
    with db.transaction():
        db.table(ATTENDANCE).insert({**known.CHECKIN_ROWS[0], "id": "C-NOW",
                                     "checked_in_at": clock.iso(clock.now())})
    assert "<strong>25.0%</strong>培训覆盖学校（1/4，" in client.get("/admin/").text
