"""A teacher checks in at a training by scanning its QR code, then scans it again."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from forms_api.clock import parse_iso, show_time
from tests.e2e.axe import assert_accessible
from tests.e2e.browser import Browse
from tests.e2e.pages import screenshot
from tests.e2e.people import attendance, consent, create_session, field, press, tick, wait_like_a_person
from tests.e2e.phone import assert_fits_phone, assert_readable
from tests.e2e.server import PortalServer

pytestmark = pytest.mark.e2e


def test_teacher_checks_in_from_the_qr_link_and_again(browse: Browse, portal: PortalServer
                                                      ) -> None:
    session = create_session(portal, title="危机干预专题培训（第一期）")
    link = f"/attend/?session={session['id']}&code={session['code']}"

    # The QR code opens the page on the teacher's phone: it names the session first.
    visit = browse("phone")
    page = visit.page
    page.goto(link)
    facts = page.locator(".portal-session")
    expect(facts).to_contain_text("危机干预专题培训（第一期）")
    expect(facts).to_contain_text("市教师发展中心 301 室")
    expect(facts).to_contain_text("正在签到")
    expect(field(page, "签到码")).to_have_value(session["code"])
    assert_fits_phone(page, "check-in page with a session")

    field(page, "姓名").fill("王芳")
    field(page, "学校").fill("市第一中学")
    field(page, "手机号").fill("138 0013 8001")
    field(page, "任教学科").fill("心理健康")
    tick(page, consent(page), touch=True)
    wait_like_a_person(page, "attendance")
    press(page.get_by_role("button", name="签到"), touch=True)

    receipt = page.locator("[data-portal-receipt]")
    expect(receipt).to_have_attribute("aria-live", "polite")  # read out when it appears
    expect(receipt).to_contain_text("已签到")
    expect(receipt).to_contain_text("王芳")
    assert_readable(receipt)
    screenshot(page, "attend-receipt-phone", full_page=False)
    assert_accessible(page, "check-in receipt")

    # The bureau's records hold exactly this check-in, phone normalised, time as shown.
    records = attendance(portal, session["id"])
    assert len(records) == 1, records
    record = records[0]
    assert (record["name"], record["school"], record["phone"], record["subject"]) == (
        "王芳", "市第一中学", "13800138001", "心理健康")
    first_time = show_time(parse_iso(record["checked_in_at"]))
    expect(receipt).to_contain_text(f"已签到 {first_time}")
    assert portal.get_json(f"/api/trainings/{session['id']}")["checked_in"] == 1

    # Scanning again later (new page, same phone): told so, with the first time; one record.
    again = browse("phone").page
    again.goto(link)
    field(again, "姓名").fill("王芳")
    field(again, "学校").fill("市第一中学")
    field(again, "手机号").fill("13800138001")
    tick(again, consent(again), touch=True)
    wait_like_a_person(again, "attendance")
    press(again.get_by_role("button", name="签到"), touch=True)
    receipt = again.locator("[data-portal-receipt]")
    expect(receipt).to_contain_text(f"已签到（此前已签到） {first_time}")
    assert_readable(receipt)
    screenshot(again, "attend-again-phone", full_page=False)
    records_after = attendance(portal, session["id"])
    assert records_after == records

    # The receipt links to her own record: this phone opens it without any other step.
    press(receipt.get_by_role("link", name="查看我的继续教育学时记录"), touch=True)
    expect(again.get_by_role("heading", name="继续教育培训学时记录")).to_be_visible()
    expect(again.locator(".portal-sheet")).to_contain_text("危机干预专题培训（第一期）")
    assert "13800138001" not in again.content()

def test_a_code_typed_with_spaces_and_full_width_digits(browse: Browse, portal: PortalServer
                                                        ) -> None:
    """Without the QR: the teacher types the code from the screen on a Chinese keyboard."""
    session = create_session(portal, title="家校沟通专题培训（输入签到码）")
    code = session["code"]
    full_width = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    typed = f"{full_width[:3]} {full_width[3:]}"
    page = browse("phone").page
    page.goto("/attend/")
    page.get_by_label("签到码").fill(typed)
    press(page.get_by_role("button", name="查找培训"), touch=True)
    expect(page.locator(".portal-session")).to_contain_text("家校沟通专题培训（输入签到码）")
    box = field(page, "签到码")
    expect(box).to_have_value(code)
    # The browser's own check of the form's code field lets such typing through too.
    for ok in (typed, f"{code[:3]} {code[3:]}", code):
        box.fill(ok)
        assert box.evaluate("el => el.checkValidity()"), ok
    box.fill("abc1")
    assert not box.evaluate("el => el.checkValidity()")
    box.fill(typed)
    field(page, "姓名").fill("吴静")
    field(page, "学校").fill("市第九中学")
    field(page, "手机号").fill("１３８ ００１３ ８０９９")
    tick(page, consent(page), touch=True)
    wait_like_a_person(page, "attendance")
    press(page.get_by_role("button", name="签到"), touch=True)
    expect(page.locator("[data-portal-receipt]")).to_contain_text("已签到")
    assert [r["phone"] for r in attendance(portal, session["id"])] == ["13800138099"]
