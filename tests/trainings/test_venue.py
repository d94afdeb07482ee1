"""The console on the day: projector (rotating code and QR), the sign-in sheet, 补录, removal,
corrections, cancelling, and the session form's rules."""

from __future__ import annotations

import datetime as dt
import re

from starlette.testclient import TestClient

from forms_api import clock
from tests.admin_support import post_form
from tests.forms_support import ADMIN, check_in_body, make_session

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)


def test_projector_shows_the_rotating_code_and_refreshes(console: tuple[TestClient, str]) -> None:
    client, _ = console
    session = make_session(client, code_rotation_seconds=30, sign_out=True)
    page = client.get(f"/admin/trainings/{session['id']}/projector")
    assert page.status_code == 200 and not INLINE_SCRIPT.search(page.text)
    shown = client.get(f"/admin/trainings/{session['id']}/code").json()
    assert shown["rotation_seconds"] == 30 and len(shown["code"]) == 6
    assert f'data-code aria-live="polite">{shown["code"]}<' in page.text
    assert 'data-rotation="30"' in page.text and "秒后更换" in page.text
    assert "data-fullscreen" in page.text and session["code"] not in page.text
    qr = client.get(f"/admin/trainings/{session['id']}/qr.svg")
    assert qr.headers["content-type"].startswith("image/svg+xml") and "<path" in qr.text
    out = client.get(f"/admin/trainings/{session['id']}/projector?purpose=signout")
    signout = client.get(f"/admin/trainings/{session['id']}/code?purpose=signout").json()
    assert signout["code"] in out.text and "签退二维码" in out.text
    # Without a console session there is no code.
    anonymous = TestClient(client.app)
    assert anonymous.get(f"/admin/trainings/{session['id']}/code",
                         follow_redirects=False).status_code == 303


def test_sign_in_sheet(console: tuple[TestClient, str]) -> None:
    client, _ = console
    deadline = clock.iso(clock.now() + dt.timedelta(days=1))
    session = make_session(client, opens_in=60 * 48, registration={
        "capacity": 10, "deadline": deadline, "required": False})
    for n, name in enumerate(("王芳", "李娜")):
        client.post(f"/api/trainings/{session['id']}/registrations",
                    json={"name": name, "school": "市第一中学", "phone": f"1380000000{n}",
                          "consent": True})
    sheet = client.get(f"/admin/trainings/{session['id']}/sheet")
    assert sheet.status_code == 200
    text = sheet.text
    assert session["title"] in text and session["location"] in text
    assert "王芳" in text and "李娜" in text and "138****0000" in text
    assert "13800000000" not in text  # a sheet passed around the hall shows no full number
    assert "签到签名" in text and "签退签名" in text and "<svg" in text
    numbers = re.findall(r'<td class="adm-sheet__n">(\d+)</td>', text)
    assert numbers == [str(n) for n in range(1, 18)]  # 2 registered, 15 blank


def test_paper_entry_correction_removal_and_cancel_in_the_console(
        console: tuple[TestClient, str]) -> None:
    client, csrf = console
    session = make_session(client, sign_out=True)
    base = f"/admin/trainings/{session['id']}"
    made = post_form(client, f"{base}/paper", csrf, name="赵老师", school="市第三中学",
                     phone="13600000001", arrived_at="", left_at="")
    assert made.status_code == 303 and made.headers["location"].endswith("done=paper")
    records = client.get(f"/api/admin/trainings/{session['id']}/attendance",
                         headers=ADMIN).json()["items"]
    assert records[0]["source"] == "paper"
    detail = client.get(f"{base}/").text
    assert "纸质补录" in detail and "未签退" in detail
    record_id = records[0]["id"]
    fixed = post_form(client, f"{base}/attendance/{record_id}/correct", csrf, counted="yes",
                      reason="paper_signed", note="")
    assert fixed.status_code == 303
    assert "计入" in client.get(f"{base}/").text
    gone = post_form(client, f"{base}/attendance/{record_id}/remove", csrf, reason="test")
    assert gone.status_code == 303
    assert client.get(f"/api/admin/trainings/{session['id']}/attendance",
                      headers=ADMIN).json()["items"] == []
    audit = client.get("/admin/audit/").text
    assert "补录纸质签到" in audit and "删除签到记录" in audit and "更正学时认定" in audit
    cancelled = post_form(client, f"{base}/cancel", csrf)
    assert cancelled.status_code == 303
    assert "这场培训已取消" in client.get(f"{base}/").text
    assert client.post(f"/api/trainings/{session['id']}/attendance",
                       json=check_in_body(session)).status_code == 409


def test_session_form_sets_and_clears_rules(console: tuple[TestClient, str]) -> None:
    client, csrf = console
    starts = clock.now() + dt.timedelta(days=3)
    fields = {"module": "policy", "title": "带规则的场次",
              "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
              "ends_at": (starts + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
              "location": "市教育局三楼报告厅", "capacity": "200", "code": "",
              "code_rotation_seconds": "30", "min_attendance": "0.8", "sign_out": "on",
              "registration_capacity": "150",
              "registration_deadline": (starts - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
              "registration_required": "on"}
    made = post_form(client, "/admin/trainings/new", csrf, **fields)
    assert made.status_code == 303, made.text
    session_id = made.headers["location"].rstrip("/").rsplit("/", 1)[1]
    stored = client.get(f"/api/trainings/{session_id}").json()
    assert stored["registration"]["capacity"] == 150 and stored["registration"]["required"]
    assert stored["code_rotation_seconds"] == 30 and stored["sign_out"] is True
    assert stored["min_attendance"] == 0.8
    form = client.get(f"/admin/trainings/{session_id}/").text
    assert 'name="sign_out" value="on" checked' in form
    cleared = {**fields, "sign_out": "", "registration_capacity": "", "registration_required": "",
               "code_rotation_seconds": "0", "min_attendance": ""}
    assert post_form(client, f"/admin/trainings/{session_id}/", csrf, **cleared).status_code == 303
    stored = client.get(f"/api/trainings/{session_id}").json()
    assert "registration" not in stored and "sign_out" not in stored
    too_many = {**fields, "registration_capacity": "500"}
    refused = post_form(client, "/admin/trainings/new", csrf, **too_many)
    assert refused.status_code == 422 and "报名名额不能多于场地名额" in refused.text
