"""A person's printable sheets in Chromium: the teacher's hours record and the expert's
service certificate (screen and print layout, a PDF), the 志愿汇 CSV read back. Every context
is guarded: a request to any other origin fails the test."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from forms_api.clock import TZ
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import Browse
from tests.e2e.pages import SCREENSHOTS, screenshot
from tests.e2e.people import create_session, field, open_personal_link
from tests.e2e.server import PortalServer
from tests.forms_support import booking_body, volunteer_body

pytestmark = pytest.mark.e2e


def _print_layout(page: Page, name: str) -> bytes:
    """The print media: the site's chrome and the buttons hidden, the sheet alone; as a PDF."""
    page.emulate_media(media="print")
    expect(page.locator(".portal-sheet").first).to_be_visible()
    for chrome in (".md-header", ".md-footer", ".portal-noprint"):
        hidden = page.locator(chrome)
        for n in range(hidden.count()):
            expect(hidden.nth(n)).to_be_hidden()
    screenshot(page, f"{name}-print")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(path=str(SCREENSHOTS / f"{name}.pdf"), format="A4", print_background=False)
    page.emulate_media(media="screen")
    assert pdf.startswith(b"%PDF")
    return pdf


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_teacher_finds_and_prints_her_record(browse: Browse, portal: PortalServer,
                                                 device: str) -> None:
    session = create_session(portal, title="学生心理危机识别与转介")
    phone = f"136{secrets.randbelow(10**8):08d}"
    with portal.api() as client:
        assert client.post(f"/api/trainings/{session['id']}/attendance", json={
            "name": "周敏", "school": "市第一中学", "phone": phone,
            "code": session["code"]}).status_code == 201
    page = browse(device).page
    page.goto("/me/lookup/")
    field(page, "手机号").fill(phone)
    field(page, "姓名").fill("周敏")
    page.get_by_role("button", name="取得链接").click()
    page.get_by_role("link", name="打开我的学时记录").click()
    expect(page.get_by_role("heading", name="继续教育培训学时记录")).to_be_visible()
    assert page.url.endswith("/me/")  # the token left the address bar
    sheet = page.locator(".portal-sheet")
    for text in ("周敏", "市第一中学", "学生心理危机识别与转介", "合计", "出具单位", "（盖章）"):
        expect(sheet).to_contain_text(text)
    expect(sheet).to_contain_text(re.compile(r"编号：XY-JX-\d{4}-[0-9A-F]{8}"))
    assert phone not in page.content()
    assert_accessible(page, f"teacher record ({device})")
    screenshot(page, f"me-teacher-{device}")
    assert _pages(_print_layout(page, f"me-teacher-{device}")) == 1


def _served_expert(portal: PortalServer) -> tuple[str, dict[str, str]]:
    """An approved expert with a visit today (the earliest date staff may confirm)."""
    phone = f"137{secrets.randbelow(10**8):08d}"
    school = f"市第{secrets.randbelow(90) + 10}中学"
    with portal.api() as client:
        made = client.post("/api/volunteers", json=volunteer_body(phone=phone, name="冯雪"))
        assert made.status_code == 201, made.text
        booked = client.post("/api/bookings", json=booking_body(
            school=school, time_slot="afternoon",
            audience_size=60))
        assert booked.status_code == 201, booked.text
    expert_id: str = made.json()["id"]
    portal.admin_json("PATCH", f"/api/admin/volunteers/{expert_id}", json={"status": "approved"})
    today = dt.datetime.now(TZ).date().isoformat()
    booking: dict[str, str] = {**booked.json(), "school": school}
    portal.admin_json("PATCH", f"/api/admin/bookings/{booking['id']}", json={
        "status": "confirmed", "date": today, "time_slot": "afternoon",
        "expert_id": expert_id})
    return expert_id, booking


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_expert_reports_and_prints_the_certificate(browse: Browse, portal: PortalServer,
                                                       device: str) -> None:
    expert_id, booking = _served_expert(portal)
    page = browse(device).page
    open_personal_link(page, portal, expert_id)
    # The page offers the report form from the day after; the same post, sent today.
    filed = page.request.post("/me/report/", headers={"Origin": portal.origin}, form={
        "booking_id": booking["id"], "delivered": "yes", "audience_size": "58", "hours": "2.5"},
        max_redirects=0)
    assert filed.status == 303, filed.text()

    page.goto(f"/me/certificate/?id={booking['id']}")
    sheet = page.locator(".portal-sheet")
    expect(sheet).to_have_count(1)
    for text in ("志愿服务证明", "冯雪", "服务内容", "2.5 小时", "出具单位", "出具日期", "盖章处"):
        expect(sheet).to_contain_text(text)
    expect(sheet).to_contain_text(re.compile(r"证明编号：XY-ZY-\d{4}-"))
    assert_accessible(page, f"certificate ({device})")
    screenshot(page, f"me-certificate-{device}")
    assert _pages(_print_layout(page, f"me-certificate-{device}")) == 1

    # The CSV for 志愿汇, fetched with the page's own session, read back.
    got = page.request.get("/me/service.csv")
    assert got.ok and got.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(got.body().decode("utf-8-sig"))))
    assert rows[0][:3] == ["姓名", "服务日期", "开始时间"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["姓名"] == "冯雪" and row["服务时长（小时）"] == "2.5"
    assert row["服务地点"] == booking["school"]
    assert row["证明编号"].startswith("XY-ZY-") and row["证明编号"] in page.content()
