"""The school picker on the check-in page (phone and desktop) and the 学校名录 console page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import assert_accessible
from tests.e2e.browser import Browse
from tests.e2e.pages import screenshot
from tests.e2e.people import attendance, consent, create_session, field, press, tick, wait_like_a_person
from tests.e2e.phone import assert_fits_phone
from tests.e2e.server import PortalServer
from tests.e2e.test_admin_console import assert_console_fits_phone, log_in

pytestmark = pytest.mark.e2e

LIST = ("学校标识码,学校名称,区县,学段,别名\r\n"
        "3141000601,第六中学,浏览器区,初中,六中\r\n"
        "3141000602,第六十中学,浏览器区,初中,\r\n"
        "2141000603,东风路小学,浏览器区,小学,\r\n").encode("utf-8-sig")


def _registry(portal: PortalServer) -> dict[str, str]:
    with portal.admin() as client:
        response = client.post("/api/admin/schools/import",
                               files={"file": ("名录.csv", LIST, "text/csv")})
    assert response.is_success, response.text
    items = portal.admin_json("GET", "/api/admin/schools", params={"district": "浏览器区"})
    return {s["name"]: s["id"] for s in items["items"]}


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_picker_finds_a_school_by_initials_and_links_the_check_in(
        browse: Browse, portal: PortalServer, device: str) -> None:
    ids = _registry(portal)
    touch = device == "phone"
    session = create_session(portal, title=f"学校选择测试（{device}）")
    page = browse(device).page
    page.goto(f"/attend/?session={session['id']}&code={session['code']}")
    field(page, "姓名").fill("李华")
    school = field(page, "学校")
    expect(school).to_have_attribute("role", "combobox")
    school.press_sequentially("dlzx", delay=30)
    listbox = page.get_by_role("listbox", name="学校名录中的学校")
    expect(listbox).to_be_visible()
    options = listbox.get_by_role("option")
    expect(options.first).to_contain_text("第六中学")
    expect(school).to_have_attribute("aria-expanded", "true")
    if touch:
        assert_fits_phone(page, "school picker open")
    screenshot(page, f"school-picker-{device}", full_page=False)
    assert_accessible(page, "school picker open")
    if touch:
        options.first.tap()
    else:
        school.press("ArrowDown")
        expect(options.first).to_have_attribute("aria-selected", "true")
        school.press("Enter")
    expect(school).to_have_value("第六中学")
    expect(listbox).to_be_hidden()
    # The choice fills the hidden school_id (the server would also match the exact name).
    expect(page.locator('input[type=hidden][name=school_id]')).to_have_value(ids["第六中学"])
    phone = "13900139061" if touch else "13900139062"
    field(page, "手机号").fill(phone)
    tick(page, consent(page), touch=touch)
    wait_like_a_person(page, "attendance")
    press(page.get_by_role("button", name="签到"), touch=touch)
    expect(page.locator("[data-portal-receipt]")).to_contain_text("已签到")
    [record] = [r for r in attendance(portal, session["id"]) if r["phone"] == phone]
    assert record["school"] == "第六中学"
    assert record["school_id"] == ids["第六中学"]


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_registry_console_page(browse: Browse, portal: PortalServer, device: str) -> None:
    _registry(portal)
    page = browse(device).page
    log_in(page, portal)
    page.get_by_role("navigation", name="后台导航").get_by_role("link", name="学校名录").click()
    expect(page.get_by_role("heading", name="学校名录")).to_be_visible()
    page.get_by_label("学校名称、别名或标识码").fill("六中")
    page.get_by_role("button", name="查找").click()
    expect(page.get_by_role("link", name="第六中学", exact=True)).to_be_visible()
    screenshot(page, f"schools-console-{device}", full_page=False)
    if device == "phone":
        assert_console_fits_phone(page, "school registry")
    else:
        assert_accessible(page, "school registry")
    page.get_by_role("link", name="第六中学", exact=True).click()
    expect(page.get_by_role("heading", name="第六中学")).to_be_visible()
    assert_accessible(page, "one school")
    page.get_by_role("link", name="导入").click()
    expect(page.get_by_role("button", name="上传并预览")).to_be_visible()
    assert_accessible(page, "school import")
    page.get_by_role("link", name="待对应的名称").click()
    assert_accessible(page, "mapping list")
