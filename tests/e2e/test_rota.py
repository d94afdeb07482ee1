"""The hotline rota in Chromium: a volunteer takes a shift on /me/shifts/, the coordinator's
week grid, each on a 360 px phone and a desktop (screenshots, axe, nothing from elsewhere)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import pytest
from playwright.sync_api import expect

from forms_api.clock import TZ
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import Browse
from tests.e2e.pages import screenshot
from tests.e2e.people import create_session, open_personal_link
from tests.e2e.phone import assert_fits_phone, assert_labelled
from tests.e2e.server import PortalServer
from tests.e2e.test_admin_console import assert_console_fits_phone, log_in

pytestmark = pytest.mark.e2e


def _hotline(portal: PortalServer, module: str) -> dict[str, Any]:
    line: dict[str, Any] = portal.admin_json("POST", "/api/admin/hotlines", json={
        "name": f"市学生心理援助热线{secrets.token_hex(2)}", "number": "0530-1234567",
        "hours": "24小时", "training_module": module,
        "pattern": [{"start": "08:00", "end": "14:00"}, {"start": "20:00", "end": "08:00"}]})
    today = dt.datetime.now(TZ).date()
    portal.admin_json("POST", f"/api/admin/hotlines/{line['id']}/shifts/generate", json={
        "from": (today + dt.timedelta(days=3)).isoformat(),
        "to": (today + dt.timedelta(days=9)).isoformat()})
    return line


def _volunteer(portal: PortalServer, module_session: dict[str, Any]) -> str:
    phone = f"139{secrets.randbelow(10**8):08d}"
    with portal.api() as client:
        made = client.post("/api/volunteers", json={
            "name": "李红", "phone": phone, "organization": "市第一中学", "title": "心理教师",
            "roles": ["visits", "hotline"], "qualifications": ["school_counselor"],
            "years_experience": 6, "expertise": ["counseling"], "consent": True})
        assert made.status_code == 201, made.text
        checked = client.post(f"/api/trainings/{module_session['id']}/attendance", json={
            "name": "李红", "school": "市第一中学", "phone": phone,
            "code": module_session["code"]})
        assert checked.is_success, checked.text
    vid: str = made.json()["id"]
    portal.admin_json("PATCH", f"/api/admin/volunteers/{vid}", json={"status": "approved"})
    return vid


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_volunteer_takes_a_shift_on_their_own_page(browse: Browse, portal: PortalServer,
                                                     device: str) -> None:
    module = portal.get_json("/api/modules")["items"][0]["slug"]
    session = create_session(portal, title="热线接听培训")
    _hotline(portal, module)
    vid = _volunteer(portal, session)
    visit = browse(device)
    page = visit.page
    open_personal_link(page, portal, vid)
    page.goto("/me/shifts/")
    expect(page.get_by_role("heading", name="可认领的班次")).to_be_visible()
    if device == "phone":
        assert_fits_phone(page, "my shifts")
    assert_labelled(page, f"my shifts ({device})")
    assert_accessible(page, f"my shifts ({device})")
    screenshot(page, f"rota-me-{device}")
    page.get_by_role("button", name="认领").first.click()
    expect(page.get_by_text("已认领这个班次。")).to_be_visible()
    expect(page.get_by_role("button", name="退出这个班次")).to_be_visible()
    assert_accessible(page, f"my shifts after taking ({device})")
    screenshot(page, f"rota-me-taken-{device}")
    mine = [s for s in portal.admin_json("GET", "/api/admin/shifts")["items"]
            if vid in s["volunteers"]]
    assert len(mine) == 1


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_coordinator_sees_gaps_first_and_the_week(browse: Browse, portal: PortalServer,
                                                      device: str) -> None:
    module = portal.get_json("/api/modules")["items"][0]["slug"]
    line = _hotline(portal, module)
    visit = browse(device)
    page = visit.page
    log_in(page, portal)
    page.get_by_role("link", name="热线值班").first.click()
    expect(page.get_by_role("heading", name="未来 14 天的缺岗", exact=False)).to_be_visible()
    first_gap = page.locator(".rota-gap").first
    expect(first_gap).to_be_visible()
    page.get_by_role("link", name="下一周 →").click()
    expect(page.get_by_role("heading", name=line["name"], exact=False)).to_be_visible()
    expect(page.locator(".rota-cell--gap").first).to_be_visible()
    if device == "phone":
        assert_console_fits_phone(page, "rota week")
    else:
        assert_accessible(page, "rota week (desktop)")
    screenshot(page, f"rota-week-{device}")
    page.locator(".rota-cell--gap").first.click()
    expect(page.get_by_role("heading", name="安排志愿者")).to_be_visible()
    assert_accessible(page, f"rota shift ({device})")
    screenshot(page, f"rota-shift-{device}")
    page.emulate_media(media="print")
    page.goto(page.url.split("/admin/")[0] + "/admin/rota/?print=1")
    expect(page.locator(".adm-header")).to_be_hidden()
    screenshot(page, f"rota-print-{device}")
