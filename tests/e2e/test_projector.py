"""The projector page at every hall screen: QR, code, countdown and count on one screen."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import pytest
from PIL import Image
from playwright.sync_api import expect

from forms_api.clock import TZ
from tests.e2e.browser import Browse
from tests.e2e.pages import SCREENSHOTS, screenshot
from tests.e2e.qr import decode, photographed_from_the_side
from tests.e2e.server import PortalServer
from tests.e2e.test_admin_console import log_in

pytestmark = pytest.mark.e2e

SCREENS = ((1024, 768), (1280, 720), (1366, 768), (1920, 1080), (2560, 1440))


def test_projector_fits_every_hall_screen(browse: Browse, portal: PortalServer) -> None:
    modules = portal.get_json("/api/modules")["items"]
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


def _session(portal: PortalServer, **extra: object) -> dict[str, Any]:
    modules = portal.get_json("/api/modules")["items"]
    starts = dt.datetime.now(TZ).replace(microsecond=0) - dt.timedelta(minutes=5)
    made: dict[str, Any] = portal.admin_json("POST", "/api/admin/trainings", json={
        "module": modules[0]["slug"], "title": "扫码签到演练", "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(hours=2)).isoformat(), "location": "市教育局报告厅",
        "capacity": 300, **extra})
    return made


def _current(portal: PortalServer, session_id: str, purpose: str = "checkin") -> str:
    return str(portal.admin_json("GET", f"/api/admin/trainings/{session_id}/code",
                                 params={"purpose": purpose})["code"])


@pytest.mark.parametrize(("rotation", "purpose"), [(30, "checkin"), (30, "signout"), (0, "checkin")])
def test_projector_qr_decodes_straight_and_from_an_angle(
        browse: Browse, portal: PortalServer, rotation: int, purpose: str) -> None:
    """A phone's decoder reads the projected QR, also photographed from the side: it carries
    the session's check-in (or sign-out) link with the code of this moment."""
    session = _session(portal, code_rotation_seconds=rotation, sign_out=True)
    page = browse("desktop").page
    log_in(page, portal)
    page.set_viewport_size({"width": 1280, "height": 720})
    before = _current(portal, session["id"], purpose)
    page.goto(f"/admin/trainings/{session['id']}/projector?purpose={purpose}")
    qr = page.locator(".adm-qr")
    if rotation:
        page.wait_for_function("document.querySelector('img[data-qr]').naturalWidth > 0")
    shot = screenshot(page, f"projector-qr-{purpose}-{rotation or 'fixed'}", full_page=False)
    after = _current(portal, session["id"], purpose)
    box = qr.bounding_box()
    assert box is not None
    with Image.open(shot) as whole:
        # The QR as the camera frames it, with some of the screen around it.
        crop = whole.crop((max(0, int(box["x"]) - 40), max(0, int(box["y"]) - 40),
                           int(box["x"] + box["width"]) + 40, int(box["y"] + box["height"]) + 40))
        crop.load()
    where = "/attend/" if purpose == "checkin" else "/attend/signout/"
    expected = {f"{portal.origin}{where}?{urlencode({'session': session['id'], 'code': code})}"
                for code in (before, after)}
    straight = decode(crop)
    assert len(straight) == 1 and straight[0] in expected, (straight, expected)
    if not rotation:
        assert straight[0].endswith(f"code={session['code']}")
    # Photographed from a side seat and far away: the right edge a third shorter, half size.
    angled = photographed_from_the_side(crop, squeeze=0.3, shrink=0.5)
    angled.save(SCREENSHOTS / f"projector-qr-{purpose}-{rotation or 'fixed'}-angled.png")
    assert decode(angled) == straight
    # The whole screen, photographed the same way, still gives the one link.
    with Image.open(shot) as whole:
        assert decode(photographed_from_the_side(whole, squeeze=0.2, shrink=0.8)) == straight
    # And the link it carries opens the form with the code filled in, ready to check in.
    phone = browse("phone").page
    phone.goto(straight[0].removeprefix(portal.origin))
    expect(phone.locator("input[name=code]")).to_have_value(straight[0].rsplit("=", 1)[1])
