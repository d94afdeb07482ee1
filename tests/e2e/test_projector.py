"""The projector page at every hall screen: QR, code, countdown and count on one screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import Browse
from tests.e2e.pages import screenshot
from tests.e2e.server import PortalServer
from tests.e2e.test_admin_console import log_in

pytestmark = pytest.mark.e2e

SCREENS = ((1024, 768), (1280, 720), (1366, 768), (1920, 1080), (2560, 1440))


def test_projector_fits_every_hall_screen(browse: Browse, portal: PortalServer) -> None:
    modules = portal.get_json("/api/modules")["items"]
    import datetime as dt

    from forms_api.clock import TZ

    starts = dt.datetime.now(TZ).replace(microsecond=0) - dt.timedelta(minutes=5)
    session = portal.admin_json("POST", "/api/admin/trainings", json={
        "module": modules[0]["slug"], "title": "学生心理危机识别与干预（全市骨干教师专场）",
        "starts_at": starts.isoformat(), "ends_at": (starts + dt.timedelta(hours=3)).isoformat(),
        "location": "市教育局三楼报告厅", "capacity": 300, "code_rotation_seconds": 30,
        "sign_out": True})
    visit = browse("desktop")
    page = visit.page
    log_in(page, portal)
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"/admin/trainings/{session['id']}/projector")
        code = page.locator("[data-code]")
        expect(code).to_have_text(portal.admin_json(
            "GET", f"/api/admin/trainings/{session['id']}/code")["code"])
        page.wait_for_function("document.querySelector('img[data-qr]').naturalWidth > 0")
        boxes = page.evaluate("""() => Object.fromEntries(
            ["img[data-qr]", "[data-code]", "[data-countdown]", "[data-live-count]",
             "[data-fullscreen]"].map(s => [s, document.querySelector(s).getBoundingClientRect().toJSON()]))""")
        where = f"{width}×{height}"
        for selector, box in boxes.items():
            assert box["width"] > 0 and box["top"] >= 0 and box["left"] >= 0, (where, selector, box)
            assert box["bottom"] <= height and box["right"] <= width, (where, selector, box)
        assert page.evaluate("document.documentElement.scrollHeight") <= height, where
        assert boxes["[data-code]"]["height"] >= 0.1 * height, (where, boxes["[data-code]"])
        qr = boxes["img[data-qr]"]
        assert qr["width"] >= 0.4 * height and abs(qr["width"] - qr["height"]) < 2, (where, qr)
        screenshot(page, f"projector-{width}x{height}", full_page=False)
    # The countdown runs, and the sign-out code has its own screen.
    first = int(page.locator("[data-countdown]").inner_text())
    page.wait_for_timeout(1300)
    assert int(page.locator("[data-countdown]").inner_text()) != first or first == 30
    page.goto(f"/admin/trainings/{session['id']}/projector?purpose=signout")
    expect(page.get_by_text("微信或手机相机扫码签退")).to_be_visible()
    screenshot(page, "projector-signout-2560x1440", full_page=False)
