"""The bureau's console: log in, create a session, approve a volunteer, confirm a visit, export.

Also every console page, on a phone and a desktop: own origin only, fits, accessible.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from playwright.sync_api import Page, expect

from forms_api.bookings.forms import eligible_dates
from forms_api.clock import TZ
from tests.e2e.axe import assert_accessible
from tests.e2e.browser import Browse
from tests.e2e.pages import screenshot
from tests.e2e.people import create_session, field
from tests.e2e.phone import assert_fits_phone, assert_labelled
from tests.e2e.server import PortalServer

pytestmark = pytest.mark.e2e

# The console's own navigation (base.html), each checked on both screens.
CONSOLE_NAV = ["培训", "学时", "志愿者审核", "专家", "进校预约", "日程", "预约限制", "导出",
               "个人信息", "操作记录"]


def submit_volunteer(portal: PortalServer, name: str, phone: str) -> dict[str, Any]:
    """A volunteer's sign-up arriving through the public API (as a script would send it)."""
    with portal.api() as client:
        answer = client.post("/api/volunteers", json={
            "name": name, "phone": phone, "organization": "市精神卫生中心", "title": "主治医师",
            "qualifications": ["psychiatrist"], "years_experience": 10,
            "expertise": ["crisis", "growth"], "public_profile": True, "consent": True})
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def submit_booking(portal: PortalServer, school: str, phone: str) -> dict[str, Any]:
    with portal.api() as client:
        answer = client.post("/api/bookings", json={
            "school": school, "district": "南湖区", "stage": "junior", "contact_name": "钱老师",
            "phone": phone, "preferred_dates": [eligible_dates()[2].isoformat()],
            "time_slot": "afternoon", "topic": "crisis", "audience": "teachers",
            "audience_size": 60, "consent": True})
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def log_in(page: Page, token: str) -> None:
    page.goto("/admin/")
    field(page, "管理员令牌").fill(token)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("概览")


def checked(page: Page, where: str) -> None:
    """What every console page must be: labelled controls and no serious axe finding."""
    assert_labelled(page, where)
    assert_accessible(page, where)


def test_admin_runs_a_session_a_volunteer_a_visit_and_an_export(
        browse: Browse, portal: PortalServer, tmp_path: Path) -> None:
    volunteer = submit_volunteer(portal, "吴桐", "13300133000")
    booking = submit_booking(portal, "南湖区实验中学", "13300133001")

    visit = browse("desktop")
    page = visit.page
    page.goto("/admin/")
    # Nothing is shown before credentials; a wrong token is refused and announced.
    expect(page.get_by_role("heading", level=1)).to_have_text("管理后台登录")
    expect(page.get_by_text("吴桐")).to_have_count(0)
    checked(page, "console login")
    field(page, "管理员令牌").fill("not-the-token")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("令牌不正确")
    log_in(page, portal.admin_token)
    pending = len(portal.admin_json("GET", "/api/admin/volunteers",
                                    params={"status": "pending"})["items"])
    expect(page.get_by_role("link", name=re.compile("份志愿者报名待审核"))).to_have_text(
        f"{pending}份志愿者报名待审核")

    # A training session, as the bureau schedules it.
    page.get_by_role("link", name=re.compile("新建培训场次")).click()
    starts = (dt.datetime.now(TZ) + dt.timedelta(days=3)).replace(hour=9, minute=0, second=0,
                                                                  microsecond=0)
    field(page, "培训课程").select_option(index=1)
    module = field(page, "培训课程").input_value()
    field(page, "场次名称").fill("心理急救实务（第二期）")
    field(page, "开始时间").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    field(page, "结束时间").fill((starts + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    field(page, "地点").fill("市教育局报告厅")
    field(page, "名额").fill("120")
    page.get_by_role("button", name="创建").click()
    expect(page).to_have_url(re.compile(r"/admin/trainings/[^/]+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("心理急救实务（第二期）")
    session_id = page.url.rstrip("/").rsplit("/", 1)[1]
    public = portal.get_json(f"/api/trainings/{session_id}")
    assert (public["title"], public["module"], public["location"], public["capacity"]) == (
        "心理急救实务（第二期）", module, "市教育局报告厅", 120)
    assert dt.datetime.fromisoformat(public["starts_at"]) == starts
    assert "code" not in public
    # The link under the session's QR code opens, on a teacher's phone, this session's page.
    link = page.locator("dt:text-is('签到链接') + dd").inner_text().strip()
    assert link.startswith(f"{portal.origin}/attend/?session={session_id}&code="), link
    phone = browse("phone").page
    phone.goto(link)
    expect(phone.locator(".portal-session")).to_contain_text("心理急救实务（第二期）")
    expect(phone.locator(".portal-session")).to_contain_text("签到将于")  # opens an hour before

    # The volunteer, approved.
    page.get_by_role("navigation", name="后台导航").get_by_role("link", name="志愿者审核").click()
    page.get_by_role("link", name="吴桐").click()
    field(page, "通过").check()
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("status")).to_contain_text("已处理")
    [stored] = [v for v in portal.admin_json("GET", "/api/admin/volunteers")["items"]
                if v["id"] == volunteer["id"]]
    assert stored["status"] == "approved"
    experts = portal.get_json("/api/experts")["items"]
    assert [e["name"] for e in experts if e["id"] == volunteer["id"]] == ["吴桐"]
    assert all("phone" not in e for e in experts)

    # The school's booking, confirmed with that expert.
    day = eligible_dates()[4]
    page.get_by_role("navigation", name="后台导航").get_by_role("link", name="进校预约").click()
    page.get_by_role("link", name=booking["reference"]).click()
    field(page, "日期").fill(day.isoformat())
    field(page, "时段").select_option(label="上午")
    field(page, "专家").select_option(volunteer["id"])
    page.get_by_role("button", name="确认安排").click()
    expect(page.get_by_role("status")).to_contain_text("已处理")
    screenshot(page, "admin-booking-confirmed-desktop")
    with portal.api() as client:
        seen = client.get(f"/api/bookings/{booking['reference']}",
                          params={"phone": "13300133001"}).json()
    assert (seen["status"], seen["date"], seen["time_slot"], seen["expert"]["name"]) == (
        "confirmed", day.isoformat(), "morning", "吴桐")

    # The bookings, exported to Excel and opened.
    page.get_by_role("navigation", name="后台导航").get_by_role("link", name="导出").click()
    card = page.locator("form.adm-card", has=page.locator("#f-bstatus"))
    with page.expect_download() as download:
        card.get_by_role("button", name="导出 Excel").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx", saved
    sheet = openpyxl.load_workbook(saved).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[0]
    mine = [dict(zip(header, r, strict=True)) for r in rows[1:]
            if r[header.index("预约编号")] == booking["reference"]]
    assert len(mine) == 1, rows
    assert (mine[0]["状态"], mine[0]["学校"], mine[0]["专家"], mine[0]["联系电话"]) == (
        "已确认", "南湖区实验中学", "吴桐", "13300133001")
    assert str(mine[0]["确认日期"]).startswith(day.isoformat())


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_every_console_page(browse: Browse, portal: PortalServer, device: str) -> None:
    """Each page of the console's navigation, and one of each kind of record page."""
    n = {"phone": "0", "desktop": "1"}[device]
    volunteer = submit_volunteer(portal, f"冯{'一二'[int(n)]}", f"1320013200{n}")
    booking = submit_booking(portal, "北山小学", f"1310013100{n}")
    session = create_session(portal, title=f"班主任心理健康培训（{device}）")
    records = {
        "new-session": "/admin/trainings/new",
        "session": f"/admin/trainings/{session['id']}/",
        "projector": f"/admin/trainings/{session['id']}/projector",
        "volunteer": f"/admin/volunteers/{volunteer['id']}/",
        "booking": f"/admin/bookings/{booking['id']}/",
    }
    page = browse(device).page
    log_in(page, portal.admin_token)
    pages = [("overview", page.url)]
    nav = page.get_by_role("navigation", name="后台导航")
    for label in CONSOLE_NAV:
        href = nav.get_by_role("link", name=label, exact=True).get_attribute("href") or ""
        pages.append((href.strip("/").rsplit("/", 1)[-1], href))
    pages += list(records.items())
    problems = []
    for name, path in pages:
        response = page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        screenshot(page, f"admin-{name}-{device}")
        where = f"console {name} {path} ({device})"
        try:  # every page is checked, whichever fails first
            if device == "phone":
                assert_fits_phone(page, where)
            checked(page, where)
        except AssertionError as failure:
            problems.append(str(failure))
    assert not problems, "\n\n".join(problems)
