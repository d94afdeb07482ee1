"""The check-in page keeps working when the hall's Wi-Fi drops: queued on the phone, sent once."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import Browse
from tests.e2e.pages import screenshot
from tests.e2e.people import attendance, consent, create_session, field, press, tick, wait_like_a_person
from tests.e2e.server import PortalServer

pytestmark = pytest.mark.e2e


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
    stored = page.evaluate("""() => new Promise(resolve => {
        const open = indexedDB.open("xinyu-attend", 1);
        open.onsuccess = () => {
            const all = open.result.transaction("queue").objectStore("queue").getAll();
            all.onsuccess = () => resolve(all.result);
        };
    })""")
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
