"""An expert signs up as a volunteer, is told what to fix, fixes it, and is registered."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import assert_accessible
from tests.e2e.browser import Browse
from tests.e2e.pages import screenshot
from tests.e2e.people import admin_items, consent, field, press, tick, wait_like_a_person
from tests.e2e.phone import assert_fits_phone, assert_readable, assert_stands_out
from tests.e2e.server import PortalServer

pytestmark = pytest.mark.e2e


def test_expert_signs_up_fixes_a_field_error_and_succeeds(browse: Browse, portal: PortalServer
                                                          ) -> None:
    page = browse("phone").page
    page.goto("/volunteer/")
    field(page, "姓名").fill("李静")
    field(page, "手机号").fill("139 0013 900")  # one digit short
    field(page, "电子邮箱").fill("lijing@example.com")
    field(page, "工作单位").fill("市心理健康中心")
    field(page, "职称/职务").fill("副主任医师")
    tick(page, "注册心理师", touch=True)
    field(page, "心理健康相关从业年限").fill("8")
    tick(page, "危机干预", touch=True)
    tick(page, "心理疏导", touch=True)
    field(page, "可服务区县").fill("东城区、西城区")
    tick(page, "同意在“专家团队”页面公开姓名、职称、单位和擅长领域", touch=True)
    tick(page, consent(page), touch=True)
    submit = page.get_by_role("button", name="提交报名")
    press(submit, touch=True)

    # The error is announced, sits next to its field, and nothing typed is lost.
    summary = page.locator("[data-portal-summary]")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text("手机号")
    phone = field(page, "手机号")
    expect(phone).to_have_attribute("aria-invalid", "true")
    error = page.locator("#f-volunteers-phone-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("11位手机号")
    assert error.get_attribute("id") in (phone.get_attribute("aria-describedby") or "").split()
    expect(phone).to_have_value("139 0013 900")
    assert_stands_out(phone, field(page, "姓名"))
    expect(field(page, "姓名")).to_have_value("李静")
    expect(field(page, "注册心理师")).to_be_checked()
    expect(field(page, "危机干预")).to_be_checked()
    expect(consent(page)).to_be_checked()
    assert_fits_phone(page, "volunteer form with an error")
    screenshot(page, "volunteer-error-phone", full_page=False)
    assert_accessible(page, "volunteer form with an error")
    assert all(v["name"] != "李静" for v in admin_items(portal, "volunteers"))

    phone.fill("139 0013 9000")
    wait_like_a_person(page, "volunteers")
    press(submit, touch=True)
    receipt = page.locator("[data-portal-receipt]")
    expect(receipt).to_contain_text("报名已提交")
    assert_readable(receipt)
    screenshot(page, "volunteer-receipt-phone", full_page=False)
    expect(phone).to_be_hidden()  # the form gives way to the receipt
    assert_accessible(page, "volunteer receipt")

    # The bureau sees one pending application with everything typed; the public sees nothing.
    mine = [v for v in admin_items(portal, "volunteers", status="pending") if v["name"] == "李静"]
    assert len(mine) == 1, mine
    record = mine[0]
    assert record["phone"] == "13900139000"
    assert record["email"] == "lijing@example.com"
    assert record["organization"] == "市心理健康中心"
    assert record["qualifications"] == ["registered_psychologist"]
    assert record["years_experience"] == 8
    assert set(record["expertise"]) == {"crisis", "counseling"}
    assert record["districts"] == ["东城区", "西城区"]
    assert record["public_profile"] is True and record["status"] == "pending"
    experts = portal.get_json("/api/experts")["items"]
    assert all(e["name"] != "李静" for e in experts)
