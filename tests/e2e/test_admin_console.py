"""Bureau staff run a training and handle a booking from the console, on a phone and a desktop."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from playwright.sync_api import Page, expect

from forms_api.bookings.forms import eligible_dates
from forms_api.clock import TZ
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import Browse
from tests.e2e.phone import MIN_TARGET, assert_fits_phone, assert_labelled
from tests.e2e.server import PortalServer

pytestmark = pytest.mark.e2e

# What a person taps in the console: its form controls, buttons and button links.
CONSOLE_TARGETS = ("main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), "
                   "main select, main textarea, main button, main a.adm-btn, "
                   "main label.adm-choice, .adm-nav a, .adm-tabs a")


def assert_console_fits_phone(page: Page, where: str) -> None:
    assert_fits_phone(page, where)
    assert_labelled(page, where)
    small = page.eval_on_selector_all(
        CONSOLE_TARGETS,
        """(els, min) => els.filter(el => {
            const box = el.getBoundingClientRect();
            return box.width > 0 && (box.height < min - 0.05 || box.width < min - 0.05);
        }).map(el => el.outerHTML.slice(0, 120))""", MIN_TARGET)
    assert not small, f"{where}: tap targets under {MIN_TARGET:.0f}px: {small}"
    assert_accessible(page, where)


def log_in(page: Page, portal: PortalServer) -> None:
    page.goto("/admin/")
    expect(page.get_by_role("heading", name="管理后台登录")).to_be_visible()
    page.get_by_label("管理员令牌").fill(portal.admin_token)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="概览")).to_be_visible()


def test_run_a_training_from_a_phone(browse: Browse, portal: PortalServer) -> None:
    visit = browse("phone")
    page = visit.page
    page.goto("/admin/")
    assert_console_fits_phone(page, "console login")
    log_in(page, portal)
    assert_console_fits_phone(page, "console overview")

    page.goto("/admin/trainings/new")
    starts = dt.datetime.now(TZ).replace(second=0, microsecond=0) - dt.timedelta(minutes=5)
    page.get_by_label("培训课程").select_option(index=1)
    page.get_by_label("场次名称").fill("心理委员培训（东城区）")
    page.get_by_label("开始时间").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("结束时间").fill((starts + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("地点").fill("东城区教师进修学校")
    page.get_by_label("名额").fill("60")
    assert_console_fits_phone(page, "new session form")
    page.get_by_role("button", name="创建").click()
    expect(page.get_by_role("heading", name="心理委员培训（东城区）")).to_be_visible()
    assert_console_fits_phone(page, "session page")
    session_id = page.url.rstrip("/").rsplit("/", 1)[1]
    code = page.locator(".adm-facts dd.adm-mono").first.text_content() or ""
    assert code.isdigit()

    page.get_by_role("link", name="打开投影签到页").click()
    expect(page.locator(".adm-qr svg")).to_be_visible()
    expect(page.locator(".adm-projector__code")).to_have_text(code)
    count = page.locator("[data-live-count]")
    expect(count).to_have_text("0")
    with portal.api() as client:
        response = client.post(f"/api/trainings/{session_id}/attendance", json={
            "name": "王芳", "school": "市第一中学", "phone": "13800138000", "code": code})
        assert response.status_code == 201, response.text
    # The count refreshes itself every five seconds, without a reload.
    deadline = time.monotonic() + 12
    while count.text_content() != "1" and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    assert count.text_content() == "1"

    for path in ("/admin/trainings/", "/admin/hours/", "/admin/volunteers/", "/admin/experts/",
                 "/admin/bookings/", "/admin/visits/", "/admin/limits/", "/admin/exports/",
                 "/admin/privacy/", "/admin/audit/", "/admin/outbox/?status=all"):
        page.goto(path)
        assert_console_fits_phone(page, path)


def test_handle_a_booking_on_a_desktop(browse: Browse, portal: PortalServer) -> None:
    with portal.api() as client:
        volunteer = client.post("/api/volunteers", json={
            "name": "周婷", "phone": "13700137111", "organization": "东城区教研室",
            "qualifications": ["school_counselor"], "years_experience": 8,
            "expertise": ["growth"], "consent": True}).json()
        days = eligible_dates()
        booking = client.post("/api/bookings", json={
            "school": "育才初级中学", "district": "东城区", "stage": "junior",
            "contact_name": "赵老师", "phone": "0391-7654321",
            "preferred_dates": [days[1].isoformat()], "time_slot": "morning", "topic": "growth",
            "audience": "students", "audience_size": 300, "consent": True}).json()
    page = browse("desktop").page
    log_in(page, portal)
    page.goto(f"/admin/volunteers/{volunteer['id']}/")
    page.get_by_role("radio", name="通过", exact=True).check()
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("已处理。")).to_be_visible()
    expect(page.locator("h1 .adm-status")).to_have_text("已通过")

    page.goto(f"/admin/bookings/{booking['id']}/")
    assert_accessible(page, "booking page")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_label("给学校的说明").fill("该日为学校期中考试，请改选下月日期后重新预约。")
    page.get_by_role("button", name="不能安排").click()
    expect(page.locator("h1 .adm-status")).to_have_text("未能安排")
    seen = portal.get_json(f"/api/bookings/{booking['reference']}",
                           params={"phone": "0391-7654321"})
    assert seen["status"] == "declined"
    assert seen["reason"] == "该日为学校期中考试，请改选下月日期后重新预约。"

    for path in ("/admin/", "/admin/trainings/", "/admin/trainings/new", "/admin/volunteers/",
                 f"/admin/volunteers/{volunteer['id']}/", f"/admin/experts/{volunteer['id']}/",
                 "/admin/bookings/?status=all", "/admin/visits/", "/admin/limits/",
                 "/admin/exports/", "/admin/privacy/", "/admin/audit/",
                 "/admin/outbox/?status=all"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, path
        assert_accessible(page, f"{path} (desktop)")

    # A waiting notice (no channel here): its text to pass on, and the buttons to do so.
    page.goto("/admin/outbox/?status=waiting")
    page.locator(".adm-table a").first.click()
    expect(page.get_by_role("button", name="已转告，标记为已通知")).to_be_visible()
    assert_accessible(page, "notice page (desktop)")
