"""The check-in page keeps working when the hall's Wi-Fi drops: queued on the phone, sent once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from forms_api.clock import TZ
from tests.e2e.browser import Browse
from tests.e2e.pages import screenshot
from tests.e2e.people import (
    admin_items,
    attendance,
    consent,
    create_session,
    field,
    press,
    tick,
    wait_like_a_person,
)
from tests.e2e.server import PortalServer

pytestmark = pytest.mark.e2e


def queued_on_the_phone(page: Page) -> list[dict[str, Any]]:
    """What the page's offline queue holds in IndexedDB."""
    stored: list[dict[str, Any]] = page.evaluate("""() => new Promise(resolve => {
        const open = indexedDB.open("xinyu-attend", 1);
        open.onsuccess = () => {
            const all = open.result.transaction("queue").objectStore("queue").getAll();
            all.onsuccess = () => resolve(all.result);
        };
    })""")
    return stored


def test_offline_check_in_is_queued_and_sent_once(browse: Browse, portal: PortalServer) -> None:
    session = create_session(portal, title="离线签到演练")
    link = f"/attend/?session={session['id']}&code={session['code']}"
    visit = browse("phone", service_workers="allow")
    page = visit.page
    page.goto(link)
    # The service worker takes the page (and what it loaded) into its keeping.
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null"
                           " || new Promise(r => navigator.serviceWorker.ready.then(() => r(true)))")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")

    field(page, "姓名").fill("孙丽")
    field(page, "学校").fill("市第五中学")
    field(page, "手机号").fill("13800138077")
    tick(page, consent(page), touch=True)
    wait_like_a_person(page, "attendance")
    visit.context.set_offline(True)
    press(page.get_by_role("button", name="签到"), touch=True)
    queued = page.locator("[data-offline-queue]")
    expect(queued).to_contain_text("已记录，联网后自动提交")
    expect(queued.get_by_role("button", name="立即提交")).to_be_visible()
    screenshot(page, "attend-offline-queued-phone", full_page=False)
    assert attendance(portal, session["id"]) == []
    stored = queued_on_the_phone(page)
    assert len(stored) == 1 and len(stored[0]["nonce"]) >= 16 and stored[0]["made_at"]

    # Opened again without a connection: the kept copy shows, with the queue.
    page.reload()
    expect(page.locator(".portal-session")).to_contain_text("离线签到演练")
    expect(page.locator("[data-offline-queue]")).to_contain_text("已记录，联网后自动提交")

    # The connection returns: the `online` event sends it.
    visit.context.set_offline(False)
    expect(page.locator("[data-offline-queue]")).to_contain_text("签到已提交", timeout=15_000)
    records = attendance(portal, session["id"])
    assert [(r["name"], r["phone"]) for r in records] == [("孙丽", "13800138077")]
    assert records[0]["nonce"] == stored[0]["nonce"]

    # Sending the same check-in again (a second tap, a lost answer) stores nothing more.
    body = stored[0]["body"]
    again = page.evaluate("""([action, body]) => fetch(action, {method: "POST", body,
        headers: {"Accept": "application/json",
                  "Content-Type": "application/x-www-form-urlencoded"}}).then(r => r.status)""",
                          [stored[0]["action"], body])
    assert again == 200
    assert len(attendance(portal, session["id"])) == 1


def _hours_of(portal: PortalServer, phone: str) -> dict[str, Any]:
    teachers = {t["phone"]: t for t in admin_items(portal, "hours")}
    return teachers[phone]


def test_offline_sign_out_is_queued_sent_once_and_credits_the_hours(
        browse: Browse, portal: PortalServer) -> None:
    """Sign-out at the end of a session whose hall Wi-Fi dropped: kept on the phone, sent
    once when the connection returns, and then the hours count (the minimum share is met)."""
    modules = portal.get_json("/api/modules")["items"]
    # Near its end: started 110 minutes ago, ends in 10 (sign-out opens at the start).
    starts = dt.datetime.now(TZ).replace(microsecond=0) - dt.timedelta(minutes=110)
    session = portal.admin_json("POST", "/api/admin/trainings", json={
        "module": modules[0]["slug"], "title": "离线签退演练", "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(hours=2)).isoformat(), "location": "市教师发展中心 301 室",
        "capacity": 40, "sign_out": True, "min_attendance": 0.8})
    phone_number = "13800138088"
    with portal.api() as client:  # she checked in on arrival (a queued check-in made then)
        arrived = client.post(f"/api/trainings/{session['id']}/attendance", json={
            "name": "周敏", "school": "市第六中学", "phone": phone_number, "code": session["code"],
            "nonce": "arrival-0000000001",
            "made_at": (starts + dt.timedelta(minutes=2)).isoformat()})
        assert arrived.status_code == 201, arrived.text
    assert _hours_of(portal, phone_number)["incomplete"][0]["reason"] == "未签退"
    code = portal.admin_json("GET", f"/api/admin/trainings/{session['id']}/code",
                             params={"purpose": "signout"})["code"]

    visit = browse("phone", service_workers="allow")
    page = visit.page
    page.goto(f"/attend/signout/?session={session['id']}&code={code}")
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null"
                           " || new Promise(r => navigator.serviceWorker.ready.then(() => r(true)))")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    expect(page.locator(".portal-session")).to_contain_text("正在签退")
    expect(field(page, "签退码")).to_have_value(code)
    field(page, "手机号").fill(phone_number)
    wait_like_a_person(page, "signout")
    visit.context.set_offline(True)
    press(page.get_by_role("button", name="签退"), touch=True)
    queued = page.locator("[data-offline-queue]")
    expect(queued).to_contain_text("已记录，联网后自动提交")
    expect(queued).to_contain_text("签退")
    screenshot(page, "signout-offline-queued-phone", full_page=False)
    assert "signed_out_at" not in attendance(portal, session["id"])[0]
    stored = queued_on_the_phone(page)
    assert len(stored) == 1 and len(stored[0]["nonce"]) >= 16 and stored[0]["made_at"]
    assert stored[0]["action"].endswith(f"/api/trainings/{session['id']}/signout")

    # Opened again without a connection: the kept page shows what waits.
    page.reload()
    expect(page.locator("[data-offline-queue]")).to_contain_text("已记录，联网后自动提交")

    # Back online: sent by the `online` event, once; she is signed out at the time she tapped.
    visit.context.set_offline(False)
    expect(page.locator("[data-offline-queue]")).to_contain_text("签退已提交", timeout=15_000)
    records = attendance(portal, session["id"])
    assert len(records) == 1 and records[0]["signout_nonce"] == stored[0]["nonce"]
    made = dt.datetime.fromisoformat(stored[0]["made_at"].replace("Z", "+00:00"))
    signed = dt.datetime.fromisoformat(records[0]["signed_out_at"])
    assert abs((signed - made).total_seconds()) < 2, (signed, made)
    again = page.evaluate("""([action, body]) => fetch(action, {method: "POST", body,
        headers: {"Accept": "application/json",
                  "Content-Type": "application/x-www-form-urlencoded"}}).then(r => r.status)""",
                          [stored[0]["action"], stored[0]["body"]])
    assert again == 200
    assert len(attendance(portal, session["id"])) == 1
    # Present from minute 2 to about minute 110 of 120: over the 80% this session requires.
    teacher = _hours_of(portal, phone_number)
    assert teacher["incomplete"] == [] and teacher["hours"] > 0, teacher
