"""The paper sign-in sheet as Chromium prints it: A4, numbered rows, the registered teachers
pre-filled, blank rows for walk-ins, signature columns for arrival and departure, a QR."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from forms_api.clock import TZ
from forms_api.trainings.venue import BLANK_ROWS
from tests.e2e.browser import Browse
from tests.e2e.pages import SCREENSHOTS, screenshot
from tests.e2e.qr import decode_file
from tests.e2e.server import PortalServer
from tests.e2e.test_admin_console import log_in

pytestmark = pytest.mark.e2e

TEACHERS = (("王芳", "市第一中学", "13800001111"), ("李娜", "市第二中学", "13800002222"),
            ("张伟", "市实验小学", "13800003333"))
# A4 in PostScript points (210 × 297 mm), as Chromium writes the page box.
A4 = (595.0, 842.0)


def test_sign_in_sheet_prints_on_a4(browse: Browse, portal: PortalServer) -> None:
    modules = portal.get_json("/api/modules")["items"]
    starts = dt.datetime.now(TZ).replace(microsecond=0) + dt.timedelta(days=3)
    session = portal.admin_json("POST", "/api/admin/trainings", json={
        "module": modules[0]["slug"], "title": "班主任心理辅导能力提升（纸质签到场）",
        "starts_at": starts.isoformat(), "ends_at": (starts + dt.timedelta(hours=3)).isoformat(),
        "location": "市教师发展中心 201 室", "capacity": 60, "sign_out": True,
        "registration": {"capacity": 40, "required": False,
                         "deadline": (starts - dt.timedelta(days=1)).isoformat()}})
    with portal.api() as client:
        for name, school, phone in TEACHERS:
            answer = client.post(f"/api/trainings/{session['id']}/registrations",
                                 json={"name": name, "school": school, "phone": phone,
                                       "consent": True})
            assert answer.status_code == 201, answer.text
    page = browse("desktop", device_scale_factor=2).page
    log_in(page, portal)
    page.goto(f"/admin/trainings/{session['id']}/sheet")
    expect(page.get_by_role("heading", name=re.compile("签到表"))).to_be_visible()
    page.emulate_media(media="print")
    # The printable area of A4 at 96 px per inch: 186 × 273 mm inside the 12 mm margins.
    page.set_viewport_size({"width": 703, "height": 1032})
    shot = screenshot(page, "sign-in-sheet-print")
    expect(page.locator(".adm-header")).to_be_hidden()  # the console's chrome is not printed

    # The QR on the sheet opens the training schedule (a real decoder reads it on paper).
    assert decode_file(shot) == [f"{portal.origin}/training/schedule/"]

    pdf = page.pdf(format="A4", print_background=True)
    (SCREENSHOTS / "sign-in-sheet.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1, "the sheet for 18 rows fits one A4 page"
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - A4[0]) < 2 and abs(float(box.height) - A4[1]) < 2, box
    # Chromium's font subsets map some characters to look-alikes (心 as the Kangxi radical ⼼,
    # full-width brackets): NFKC reads them back as typed.
    text = unicodedata.normalize("NFKC", reader.pages[0].extract_text())
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines() if line.strip()]
    title = unicodedata.normalize("NFKC", session["title"])
    assert any(title in line for line in lines), lines
    assert "地点:市教师发展中心 201 室" in lines, lines
    header = next(line for line in lines if line.startswith("序号"))
    assert header.split() == ["序号", "姓名", "学校", "手机号", "签到签名", "签退签名"]
    rows = [line for line in lines if re.fullmatch(r"\d+( .*)?", line)]
    # Registered teachers first, in order of registration, phone masked; then blank rows.
    assert rows[:3] == [f"{n} {name} {school} {phone[:3]}****{phone[-4:]}"
                        for n, (name, school, phone) in enumerate(TEACHERS, start=1)], rows
    assert rows[3:] == [str(n) for n in range(4, 4 + BLANK_ROWS)], rows
    assert not any(phone in text for _, _, phone in TEACHERS)  # no full number on paper
    assert "本表由工作人员收回后补录" in "".join(lines)
