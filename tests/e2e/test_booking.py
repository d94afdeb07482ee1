"""A school books an expert's visit, looks the booking up, and cancels it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from forms_api.bookings.forms import REFERENCE_PATTERN, eligible_dates
from tests.e2e.axe import assert_accessible
from tests.e2e.browser import Browse
from tests.e2e.pages import screenshot
from tests.e2e.people import admin_items, consent, field, press, tick, wait_like_a_person
from tests.e2e.phone import assert_fits_phone, assert_readable
from tests.e2e.server import PortalServer

pytestmark = pytest.mark.e2e


def test_school_books_looks_up_and_cancels(browse: Browse, portal: PortalServer) -> None:
    first, second = eligible_dates()[0].isoformat(), eligible_dates()[3].isoformat()
    page = browse("phone").page
    page.goto("/booking/")
    field(page, "学校名称").fill("市实验小学")
    field(page, "所在区县").fill("东城区")
    field(page, "学段").select_option(label="小学")
    field(page, "联系人姓名").fill("张老师")
    field(page, "联系电话").fill("0391-7654321")
    page.get_by_label(re.compile(r"^希望的日期 第 1 个")).select_option(first)
    page.get_by_label(re.compile(r"^希望的日期 第 2 个")).select_option(second)
    tick(page, "上午", touch=True)
    field(page, "主题").select_option(label="危机干预")
    tick(page, "教师", touch=True)
    field(page, "人数").fill("80")
    field(page, "补充说明").fill("报告厅有投影仪和话筒。")
    tick(page, consent(page), touch=True)
    assert_fits_phone(page, "booking form filled in")
    wait_like_a_person(page, "bookings")
    press(page.get_by_role("button", name="提交预约"), touch=True)

    receipt = page.locator("[data-portal-receipt]")
    expect(receipt).to_contain_text("预约已提交")
    assert_readable(receipt)
    screenshot(page, "booking-receipt-phone", full_page=False)
    found = re.search(REFERENCE_PATTERN, receipt.inner_text())
    assert found, receipt.inner_text()
    reference = found[0]
    assert_accessible(page, "booking receipt")

    [record] = [b for b in admin_items(portal, "bookings") if b["reference"] == reference]
    assert record["status"] == "requested"
    assert (record["school"], record["district"], record["stage"], record["contact_name"]) == (
        "市实验小学", "东城区", "primary", "张老师")
    assert record["phone"] == "0391-7654321"
    assert record["preferred_dates"] == [first, second]
    assert (record["time_slot"], record["topic"], record["audience"], record["audience_size"]) == (
        "morning", "crisis", "teachers", 80)

    # Looking it up: a wrong phone gets the same answer as an unknown reference.
    page.goto("/booking/status/")
    field(page, "预约编号").fill(reference.lower().replace("-", " "))
    field(page, "联系电话").fill("0391-7654320")
    press(page.get_by_role("button", name="查询"), touch=True)
    expect(page.locator("[data-portal-summary]")).to_contain_text("没有找到这个预约")
    expect(field(page, "联系电话")).to_have_value("0391-7654320")
    field(page, "联系电话").fill("0391 7654321")
    press(page.get_by_role("button", name="查询"), touch=True)
    shown = page.locator("[data-booking]")
    expect(shown).to_contain_text(reference)
    expect(shown).to_contain_text("已提交，等待安排")
    expect(shown).to_contain_text("市实验小学")
    assert_readable(shown)
    assert_fits_phone(page, "booking status")
    screenshot(page, "booking-status-found-phone", full_page=False)
    assert_accessible(page, "booking status")

    press(page.get_by_role("button", name="取消这次预约"), touch=True)
    expect(page.get_by_role("heading", name=f"确认取消预约 {reference}")).to_be_visible()
    press(page.get_by_role("button", name="确认取消"), touch=True)  # a reason is optional here
    expect(page.get_by_text(f"预约 {reference} 已取消")).to_be_visible()
    assert_readable(page.get_by_text(f"预约 {reference} 已取消"))
    with portal.api() as client:
        answer = client.get(f"/api/bookings/{reference}", params={"phone": "0391-7654321"})
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled", answer.text
    [record] = [b for b in admin_items(portal, "bookings") if b["reference"] == reference]
    assert record["status"] == "cancelled"
