"""Exports read back with the csv module and openpyxl; formula-looking input stays text; ICS."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

from forms_api import clock
from forms_api.admin.exports import neutralise
from forms_api.bookings.calendar import fold
from forms_api.bookings.forms import eligible_dates
from forms_api.trainings.records import ATTENDANCE
from forms_api.volunteers.records import VOLUNTEERS
from tests.admin_support import ADMIN, ADMIN_TOKEN, login
from tests.conftest import assert_error
from tests.forms_support import approved_expert, booking_body, check_in_body, make_session, volunteer_body

FORMULAS = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "  =HYPERLINK(\"http://x\")"]


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(admin_token=ADMIN_TOKEN, rate_limit=0)


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert "attachment" in response.headers["content-disposition"]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx(response: Any) -> list[list[Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value  # no formula anywhere
    # A carriage return is stored as OOXML's escape `_x000D_` (Excel shows it as typed);
    # openpyxl reads the escape as it is.
    return [[v.replace("_x000D_", "\r") if isinstance(v, str) else v for v in r]
            for r in sheet.iter_rows(values_only=True)]


def test_neutralise() -> None:
    for text in FORMULAS:
        assert neutralise(text) == "'" + text
    assert neutralise("王芳") == "王芳" and neutralise("0391-1234567") == "0391-1234567"
    assert neutralise(-5) == -5 and neutralise(None) is None


def test_volunteer_exports_keep_formulas_as_text(client: TestClient) -> None:
    for n, text in enumerate(FORMULAS):
        body = volunteer_body(phone=f"1370000{n:04d}", organization=f"{text}单位"[:60],
                              bio=text, availability=text)
        assert client.post("/api/volunteers", json=body).status_code == 201
    approved = approved_expert(client, phone="13600000000", organization="普通医院")
    # Forms trim what is typed; data from elsewhere may still begin with a tab or a CR.
    db = client.app.state.portal.db
    stored = client.get("/api/admin/volunteers?status=pending", headers=ADMIN).json()["items"]
    db.table("volunteers").update_id(stored[4]["id"], {"bio": "\tx"})
    db.table("volunteers").update_id(stored[5]["id"], {"bio": "\r=1"})
    db.table("volunteers").update_id(stored[6]["id"], {"bio": "  =HYPERLINK(\"http://x\")"})
    bios = [v["bio"] for v in client.get("/api/admin/volunteers", headers=ADMIN).json()["items"]
            if v.get("bio")]
    assert len(bios) == len(FORMULAS) and approved
    rows = _csv(client.get("/api/admin/export/volunteers.csv", headers=ADMIN))
    header = rows[0]
    assert header[:3] == ["状态", "姓名", "手机号"] and "专业资质" in header
    bio = header.index("个人简介")
    found = sorted(r[bio] for r in rows[1:] if r[bio])
    assert found == sorted("'" + t for t in bios)
    assert {"'\tx", "'\r=1", "'=1+2", "'@cmd"} <= set(found)
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)
    table = _xlsx(client.get("/api/admin/export/volunteers.xlsx", headers=ADMIN))
    assert table[0] == header
    # A CR is kept (written as `_x000D_`, read back by `_xlsx`); the cell is text.
    assert sorted(r[bio] for r in table[1:] if r[bio]) == found
    # The same filter as the list: only approved volunteers.
    approved_rows = _csv(client.get("/api/admin/export/volunteers.csv?status=approved",
                                    headers=ADMIN))
    assert len(approved_rows) == 2 and approved_rows[1][0] == "已通过"
    assert approved_rows[1][header.index("手机号")] == "13600000000"
    assert_error(client.get("/api/admin/export/volunteers.csv?status=nope", headers=ADMIN),
                 422, "validation_error")


def test_booking_and_attendance_exports(client: TestClient) -> None:
    made = client.post("/api/bookings", json=booking_body(school="=cmd|' /C calc'!A0",
                                                          notes="@SUM(1)"))
    assert made.status_code == 201, made.text
    client.post("/api/bookings", json=booking_body(school="市第二中学"))
    rows = _csv(client.get("/api/admin/export/bookings.csv?status=requested", headers=ADMIN))
    assert rows[0][0] == "预约编号" and len(rows) == 3
    schools = {r[2] for r in rows[1:]}
    assert "'=cmd|' /C calc'!A0" in schools
    assert _xlsx(client.get("/api/admin/export/bookings.xlsx", headers=ADMIN))[1][2] in schools
    session = make_session(client)
    other = make_session(client, title="第二期")
    for s, phone in ((session, "13800138000"), (session, "13800138001"), (other, "13800138000")):
        response = client.post(f"/api/trainings/{s['id']}/attendance",
                               json=check_in_body(s, phone=phone, name="-王芳"))
        assert response.status_code == 201, response.text
    rows = _csv(client.get(f"/api/admin/export/attendance.csv?session={session['id']}",
                           headers=ADMIN))
    assert len(rows) == 3 and rows[0][:4] == ["培训场次", "课程", "开始时间", "姓名"]
    assert {r[3] for r in rows[1:]} == {"'-王芳"}
    assert len(_csv(client.get("/api/admin/export/attendance.csv", headers=ADMIN))) == 4
    hours = _xlsx(client.get("/api/admin/export/hours.xlsx", headers=ADMIN))
    assert hours[0] == ["姓名", "学校", "手机号", "参加场次", "继续教育学时", "未计学时的场次"]
    module_hours = {m["slug"]: m["hours"] for m in client.get("/api/modules").json()["items"]}
    top = hours[1]
    assert top[2] == "13800138000" and top[3] == 2 and top[4] == 2 * module_hours["policy"]


def test_unknown_export_and_format(client: TestClient) -> None:
    assert_error(client.get("/api/admin/export/secrets.csv", headers=ADMIN), 404, "not_found")
    assert_error(client.get("/api/admin/export/bookings.pdf", headers=ADMIN), 404, "not_found")


def test_exports_are_audited_without_personal_data(client: TestClient) -> None:
    client.post("/api/volunteers", json=volunteer_body())
    client.get("/api/admin/export/volunteers.csv?status=pending", headers=ADMIN)
    entries = client.get("/api/admin/audit", headers=ADMIN).json()["items"]
    export = next(e for e in entries if e["action"] == "export")
    assert export["target"] == "volunteers" and export["actor"] == "bootstrap"
    assert export["detail"] == {"format": "csv", "rows": 1, "status": "pending"}
    assert "13700137000" not in str(entries) and "张明" not in str(entries)


def test_console_downloads_need_the_session(client: TestClient) -> None:
    assert client.get("/admin/export/bookings.csv", follow_redirects=False).status_code == 303
    login(client)
    rows = _csv(client.get("/admin/export/bookings.csv"))
    assert rows[0][0] == "预约编号"


def test_calendar_feed(client: TestClient) -> None:
    expert_id = approved_expert(client)
    made = client.post("/api/bookings", json=booking_body(school="市实验小学, 东校区;一部"))
    day = eligible_dates()[4].isoformat()
    assert client.patch(f"/api/admin/bookings/{made.json()['id']}", headers=ADMIN, json={
        "status": "confirmed", "date": day, "time_slot": "afternoon", "expert_id": expert_id,
    }).status_code == 200
    client.post("/api/bookings", json=booking_body(school="未确认的学校"))
    session = make_session(client, title="危机干预培训")
    response = client.get("/api/admin/calendar.ics", headers=ADMIN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    text = response.content.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    unfolded = text.replace("\r\n ", "")
    assert unfolded.count("BEGIN:VEVENT") == 2
    assert "市实验小学\\, 东校区\\;一部" in unfolded
    assert "未确认的学校" not in unfolded
    assert f"DTSTART:{day.replace('-', '')}T060000Z" in unfolded  # 14:00 in Shanghai
    assert f"UID:{session['id']}@xinyu-portal" in unfolded
    assert "0391-1234567" not in unfolded and "13700137000" not in unfolded
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75


def test_fold_keeps_characters_whole() -> None:
    line = "SUMMARY:" + "培训" * 60
    folded = fold(line)
    parts = folded.split("\r\n ")
    assert "".join(parts) == line and all(len(p.encode()) <= 75 for p in parts)


def test_a_control_character_is_refused_with_the_field_named(client: TestClient) -> None:
    response = client.post("/api/volunteers", json=volunteer_body(name="张\x00明",
                                                                 bio="简介\x0c第二页"))
    error = assert_error(response, 422, "validation_error")
    assert set(error["fields"]) == {"name", "bio"}
    assert "控制字符" in error["fields"]["name"] and "姓名" in error["fields"]["name"]
    assert client.post("/api/volunteers", json=volunteer_body(bio="第一行\n第二行\t缩进")
                       ).status_code == 201  # line breaks and tabs are text


def test_exports_survive_control_characters_stored_earlier(
        client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    session = make_session(client)
    assert client.post(f"/api/trainings/{session['id']}/attendance",
                       json=check_in_body(session)).status_code == 201
    db = client.app.state.portal.db  # a record stored before the forms refused them
    record = db.table(ATTENDANCE).all()[0]
    with db.transaction():
        db.table(ATTENDANCE).update_id(record["id"], {"name": "王\x00芳\x1b", "school": "一中\x0b"})
    for name in ("attendance", "hours"):
        for extension in ("xlsx", "csv"):
            response = client.get(f"/api/admin/export/{name}.{extension}", headers=ADMIN)
            assert response.status_code == 200, (name, extension)
    rows = _xlsx(client.get("/api/admin/export/attendance.xlsx", headers=ADMIN))
    assert rows[1][3] == "王芳" and rows[1][4] == "一中"
    assert "王" not in caplog.text


def test_exports_and_the_calendar_name_a_module_by_its_title(client: TestClient) -> None:
    """Issue 12: exports and the calendar showed `psych-committee` where 心理委员… belongs."""
    titles = {m["slug"]: m["title"] for m in client.get("/api/modules").json()["items"]}
    session = make_session(client, module="psych-committee", title="心理委员培训（西城区）")
    assert client.post(f"/api/trainings/{session['id']}/attendance",
                       json=check_in_body(session)).status_code == 201
    title = titles["psych-committee"]
    assert title != "psych-committee"
    rows = _csv(client.get("/api/admin/export/attendance.csv", headers=ADMIN))
    column = rows[0].index("课程")
    assert [r[column] for r in rows[1:]] == [title]
    sheet = _xlsx(client.get("/api/admin/export/attendance.xlsx", headers=ADMIN))
    assert [r[column] for r in sheet[1:]] == [title]
    me = client.get("/api/admin/export/hours.csv", headers=ADMIN).text
    assert "psych-committee" not in me
    feed = client.get("/api/admin/calendar.ics", headers=ADMIN).content.decode("utf-8")
    unfolded = feed.replace("\r\n ", "")
    assert f"课程 {title}" in unfolded and "psych-committee" not in unfolded


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\u2028"])
def test_control_characters_are_refused_in_every_public_form(client: TestClient,
                                                             char: str) -> None:
    """Issue 12's probe: a NUL (or any control character) in stored text broke the exports.
    Each public form refuses it with 422 naming the field; nothing is stored."""
    session = make_session(client, opens_in=30, registration={
        "capacity": 10, "required": False,
        "deadline": clock.iso(clock.now() + dt.timedelta(minutes=5))})
    cases = [
        (f"/api/trainings/{session['id']}/attendance",
         check_in_body(session, school=f"市第一{char}中学"), "school"),
        (f"/api/trainings/{session['id']}/registrations",
         {"name": f"王{char}芳", "school": "市第一中学", "phone": "13800138001", "consent": True},
         "name"),
        ("/api/bookings", booking_body(contact_name=f"赵{char}老师"), "contact_name"),
        ("/api/volunteers", volunteer_body(organization=f"市精神{char}卫生中心"), "organization"),
    ]
    for url, body, name in cases:
        error = assert_error(client.post(url, json=body), 422, "validation_error")
        assert list(error["fields"]) == [name], (url, error)
        assert "控制字符" in error["fields"][name], (url, error)
    for table in ("bookings", "volunteers"):
        assert client.get(f"/api/admin/{table}", headers=ADMIN).json()["items"] == []
    assert client.get(f"/api/trainings/{session['id']}").json()["checked_in"] == 0


def test_the_volunteers_export_survives_control_characters_stored_earlier(
        client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    expert_id = approved_expert(client, name="钱医生")
    db = client.app.state.portal.db  # stored before the forms refused them
    with db.transaction():
        db.table(VOLUNTEERS).update_id(expert_id, {"name": "钱\x00医生", "bio": "简介\x0c续"})
    for extension in ("xlsx", "csv"):
        response = client.get(f"/api/admin/export/volunteers.{extension}", headers=ADMIN)
        assert response.status_code == 200, extension
    rows = _xlsx(client.get("/api/admin/export/volunteers.xlsx", headers=ADMIN))
    assert any("钱医生" in row for row in rows), rows
    assert "钱" not in caplog.text
