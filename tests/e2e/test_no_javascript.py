"""The public forms with JavaScript off: plain POSTs, 303 to a thank-you page, errors kept."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, Response, expect

from forms_api.bookings.forms import REFERENCE_PATTERN, eligible_dates
from tests.e2e.axe import assert_accessible
from tests.e2e.browser import Browse
from tests.e2e.pages import screenshot
from tests.e2e.people import admin_items, attendance, consent, create_session, field, press, tick, wait_like_a_person
from tests.e2e.phone import assert_fits_phone, assert_readable, assert_stands_out
from tests.e2e.server import PortalServer

pytestmark = pytest.mark.e2e


def post(page: Page, button: Locator, touch: bool) -> Response:
    """Submit the form the old way; the server's first answer to the POST."""
    with page.expect_navigation(), page.expect_response(
            lambda r: r.request.method == "POST") as answer:
        press(button, touch)
    return answer.value


def assert_accessible_as_shown(browse: Browse, page: Page, device: str, where: str) -> None:
    """axe on exactly what the script-less browser shows.

    axe runs asynchronously, which a page without JavaScript cannot do; so the same HTML is
    served again, at the same address, to a browser where the page's own scripts are
    forbidden by its CSP (axe itself is injected through the DevTools protocol).
    """
    html, url = page.content(), page.url
    twin = browse(device)
    twin.page.route(url, lambda route: route.fulfill(
        status=200, body=html, content_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": "script-src 'none'"}))
    twin.page.goto(url)
    twin.guard.csp.clear()  # the refusals asked for above
    assert twin.page.content().count("portal-field") == html.count("portal-field")
    assert_accessible(twin.page, where)


def assert_error_shown(page: Page, form: str, name: str, text: str) -> None:
    """The field's error is next to it, linked to it, marked invalid, and in the summary."""
    error = page.locator(f"#f-{form}-{name}-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(text)
    owner = page.locator(f'[data-field="{name}"]')
    described = [c.get_attribute("aria-describedby") or "" for c in
                 owner.locator("input, select, textarea").all()]
    assert any(f"f-{form}-{name}-error" in d.split() for d in described), described
    assert owner.locator('[aria-invalid="true"]').count() >= 1
    summary = page.locator("[data-portal-summary]")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text(text)


def test_check_in_without_javascript(browse: Browse, portal: PortalServer) -> None:
    session = create_session(portal, title="心理委员培训（无脚本签到）")
    page = browse("phone", javascript=False).page
    page.goto(f"/attend/?session={session['id']}&code={session['code']}")
    expect(page.locator(".portal-session")).to_contain_text("心理委员培训（无脚本签到）")
    field(page, "姓名").fill("赵敏")
    field(page, "学校").fill("市第二中学")
    field(page, "手机号").fill("13700137000")
    field(page, "签到码").fill("0000")  # mistyped
    tick(page, consent(page), touch=True)
    wait_like_a_person(page, "attendance")  # sooner, it would be taken for a bot
    answer = post(page, page.get_by_role("button", name="签到"), touch=True)
    assert answer.status == 403, answer.status
    assert_error_shown(page, "attendance", "code", "签到码不正确")
    assert_readable(page.locator("[data-portal-summary]"))  # seen without scrolling for it
    expect(field(page, "姓名")).to_have_value("赵敏")
    assert_stands_out(field(page, "签到码"), field(page, "姓名"))
    expect(field(page, "手机号")).to_have_value("13700137000")
    expect(consent(page)).to_be_checked()
    expect(page.locator(".portal-session")).to_contain_text("心理委员培训（无脚本签到）")
    assert_fits_phone(page, "check-in error page")
    screenshot(page, "nojs-attend-error-phone", full_page=False)
    assert_accessible_as_shown(browse, page, "phone", "check-in error page")
    assert attendance(portal, session["id"]) == []

    field(page, "签到码").fill(session["code"])
    wait_like_a_person(page, "attendance")
    answer = post(page, page.get_by_role("button", name="签到"), touch=True)
    assert answer.status == 303, answer.status
    assert re.search(r"/thanks/attend/\?id=", page.url), page.url
    [record] = attendance(portal, session["id"])
    assert (record["name"], record["phone"]) == ("赵敏", "13700137000")
    receipt = page.locator(".portal-receipt")
    expect(receipt).to_contain_text("已签到 " + record["checked_in_at"][11:16])
    assert_readable(receipt)
    screenshot(page, "nojs-attend-thanks-phone", full_page=False)
    assert_accessible_as_shown(browse, page, "phone", "check-in thank-you page")


def test_volunteer_without_javascript(browse: Browse, portal: PortalServer) -> None:
    page = browse("desktop", javascript=False).page
    page.goto("/volunteer/")
    field(page, "姓名").fill("周宁")
    field(page, "手机号").fill("13600136000")
    field(page, "电子邮箱").fill("zhouning@example")  # no domain ending
    field(page, "工作单位").fill("市第三人民医院")
    tick(page, "精神科医师", touch=False)
    field(page, "心理健康相关从业年限").fill("12")
    # 擅长领域 left empty
    field(page, "个人简介").fill("从事儿童青少年精神科临床工作十二年。")
    tick(page, consent(page), touch=False)
    answer = post(page, page.get_by_role("button", name="提交报名"), touch=False)
    assert answer.status == 422, answer.status
    assert_error_shown(page, "volunteers", "email", "电子邮箱")
    assert_error_shown(page, "volunteers", "expertise", "")
    expect(page.locator("[data-portal-summary]")).to_be_in_viewport()
    kept: dict[str, Any] = {"姓名": "周宁", "手机号": "13600136000", "电子邮箱": "zhouning@example",
                            "工作单位": "市第三人民医院", "心理健康相关从业年限": "12",
                            "个人简介": "从事儿童青少年精神科临床工作十二年。"}
    for label, value in kept.items():
        expect(field(page, label)).to_have_value(value)
    expect(field(page, "精神科医师")).to_be_checked()
    expect(consent(page)).to_be_checked()
    screenshot(page, "nojs-volunteer-error-desktop")
    assert_accessible_as_shown(browse, page, "desktop", "volunteer error page")
    assert all(v["name"] != "周宁" for v in admin_items(portal, "volunteers"))

    field(page, "电子邮箱").fill("zhouning@example.com")
    tick(page, "家庭教育指导", touch=False)
    wait_like_a_person(page, "volunteers")
    answer = post(page, page.get_by_role("button", name="提交报名"), touch=False)
    assert answer.status == 303, answer.status
    assert page.url.endswith("/thanks/volunteer/"), page.url
    expect(page.get_by_role("heading", level=1)).to_contain_text("报名已提交")
    [record] = [v for v in admin_items(portal, "volunteers") if v["name"] == "周宁"]
    assert (record["email"], record["qualifications"], record["expertise"], record["status"]) == (
        "zhouning@example.com", ["psychiatrist"], ["family"], "pending")


def test_booking_without_javascript(browse: Browse, portal: PortalServer) -> None:
    day = eligible_dates()[1].isoformat()
    page = browse("desktop", javascript=False).page
    page.goto("/booking/")
    field(page, "学校名称").fill("市第四中学")
    field(page, "所在区县").fill("西城区")
    field(page, "学段").select_option(label="高中")
    field(page, "联系人姓名").fill("孙主任")
    field(page, "联系电话").fill("13500135000")
    page.get_by_label(re.compile(r"^希望的日期 第 1 个")).select_option(day)
    tick(page, "下午", touch=False)
    field(page, "主题").select_option(label="生涯规划")
    tick(page, "学生", touch=False)
    field(page, "人数").fill("0")  # out of range
    tick(page, consent(page), touch=False)
    answer = post(page, page.get_by_role("button", name="提交预约"), touch=False)
    assert answer.status == 422, answer.status
    assert_error_shown(page, "bookings", "audience_size", "")
    expect(page.locator("[data-portal-summary]")).to_be_in_viewport()
    expect(field(page, "学校名称")).to_have_value("市第四中学")
    expect(page.get_by_label(re.compile(r"^希望的日期 第 1 个"))).to_have_value(day)
    expect(field(page, "下午")).to_be_checked()
    expect(field(page, "主题")).to_have_value("career")
    assert_accessible_as_shown(browse, page, "desktop", "booking error page")

    field(page, "人数").fill("600")
    wait_like_a_person(page, "bookings")
    answer = post(page, page.get_by_role("button", name="提交预约"), touch=False)
    assert answer.status == 303, answer.status
    reference = page.locator("[data-reference]")
    expect(reference).to_have_text(re.compile(REFERENCE_PATTERN))
    [record] = [b for b in admin_items(portal, "bookings")
                if b["reference"] == reference.inner_text()]
    assert (record["school"], record["preferred_dates"], record["time_slot"],
            record["audience_size"], record["status"]) == (
        "市第四中学", [day], "afternoon", 600, "requested")
    assert_accessible_as_shown(browse, page, "desktop", "booking thank-you page")
