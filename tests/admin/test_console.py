"""The console's pages: flows through the forms, escaping, no inline script, the projector page."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any
from urllib.parse import urlsplit

from starlette.testclient import TestClient

from forms_api import clock
from forms_api.bookings.forms import eligible_dates
from tests.admin_support import ADMIN, post_form
from tests.forms_support import approved_expert, booking_body, check_in_body, make_session, volunteer_body

EVIL = '<script>alert("x")</script>'
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def _times(minutes: int = -10) -> tuple[str, str]:
    starts = clock.now() + dt.timedelta(minutes=minutes)
    return starts.strftime("%Y-%m-%dT%H:%M"), (starts + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")


def _seed(client: TestClient) -> dict[str, Any]:
    expert_id = approved_expert(client, name="李华", title=EVIL)
    client.post("/api/volunteers", json=volunteer_body(phone="13700000009", name="赵<b>敏</b>",
                                                       bio=EVIL))
    booking = client.post("/api/bookings", json=booking_body(school=f"{EVIL}小学")).json()
    session = make_session(client, title=f"{EVIL}培训")
    assert client.post(f"/api/trainings/{session['id']}/attendance",
                       json=check_in_body(session, name="钱<i>老师</i>")).status_code == 201
    return {"expert_id": expert_id, "booking": booking, "session": session}


def test_every_page_escapes_user_text_and_has_no_inline_script(console: tuple[TestClient, str]) -> None:
    client, _ = console
    seeded = _seed(client)
    teacher = client.get("/api/admin/hours", headers=ADMIN).json()["items"][0]["key"]
    volunteer = client.get("/api/admin/volunteers?status=pending", headers=ADMIN).json()["items"][0]
    pages = ["/admin/", "/admin/trainings/", "/admin/trainings/new",
             f"/admin/trainings/{seeded['session']['id']}/",
             f"/admin/trainings/{seeded['session']['id']}/projector", "/admin/hours/",
             f"/admin/hours/{teacher}", "/admin/volunteers/?status=all",
             f"/admin/volunteers/{volunteer['id']}/", "/admin/experts/",
             f"/admin/experts/{seeded['expert_id']}/", "/admin/bookings/?status=all",
             f"/admin/bookings/{seeded['booking']['id']}/", "/admin/visits/", "/admin/limits/",
             "/admin/exports/", "/admin/privacy/", "/admin/audit/"]
    for path in pages:
        page = client.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-type"].startswith("text/html")
        assert EVIL not in page.text and "<b>敏" not in page.text and "<i>老师" not in page.text, path
        assert not INLINE_SCRIPT.search(page.text), path
        assert not INLINE_HANDLER.search(page.text), path
        assert '<script src="/assets/admin/admin.js" defer></script>' in page.text
        assert "'unsafe-inline'" not in page.headers["content-security-policy"].split(
            "script-src")[1].split(";")[0]
    shown = client.get(f"/admin/volunteers/{volunteer['id']}/").text
    assert html.escape(EVIL, quote=False) in shown or "&lt;script&gt;" in shown


def test_assets_are_served_by_the_site(console: tuple[TestClient, str]) -> None:
    client, _ = console
    for path in ("/assets/admin/admin.css", "/assets/admin/admin.js"):
        assert client.get(path).status_code == 200


def test_create_and_edit_a_session(console: tuple[TestClient, str]) -> None:
    client, csrf = console
    starts, ends = _times()
    bad = post_form(client, "/admin/trainings/new", csrf, module="policy", title="第三期",
                    starts_at=ends, ends_at=starts, location="报告厅", capacity="50")
    assert bad.status_code == 422
    assert "结束时间应晚于开始时间" in bad.text and 'value="第三期"' in bad.text  # nothing lost
    made = post_form(client, "/admin/trainings/new", csrf, module="policy", title="第三期",
                     starts_at=starts, ends_at=ends, location="报告厅", capacity="50", code="2468")
    assert made.status_code == 303
    detail = made.headers["location"]
    session_id = detail.split("/")[3]
    page = client.get(detail)
    assert "第三期" in page.text and "2468" in page.text
    edited = post_form(client, detail, csrf, module="policy", title="第三期（改）", starts_at=starts,
                       ends_at=ends, location="二楼会议室", capacity="60", code="")
    assert edited.status_code == 303
    session = client.get(f"/api/trainings/{session_id}").json()
    assert session["title"] == "第三期（改）" and session["capacity"] == 60
    listed = client.get("/api/admin/trainings", headers=ADMIN).json()["items"]
    assert listed[0]["code"] == "2468"  # a blank code keeps the old one


def test_projector_page(console: tuple[TestClient, str]) -> None:
    client, _ = console
    session = make_session(client)
    page = client.get(f"/admin/trainings/{session['id']}/projector")
    assert "<svg" in page.text and "<path" in page.text
    assert f'>{session["code"]}</p>' in page.text
    link = re.search(r"签到链接</dt><dd[^>]*>([^<]+)<",
                     client.get(f"/admin/trainings/{session['id']}/").text)
    assert link
    url = html.unescape(link[1])
    parts = urlsplit(url)
    assert parts.path == "/attend/" and f"session={session['id']}" in parts.query
    assert f"code={session['code']}" in parts.query
    attend = client.get(f"{parts.path}?{parts.query}")
    assert attend.status_code == 200 and session["title"] in attend.text
    count_url = re.search(r'data-live-count="([^"]+)"', page.text)
    assert count_url
    assert client.get(count_url[1]).json() == {"checked_in": 0, "capacity": 300}
    client.post(f"/api/trainings/{session['id']}/attendance", json=check_in_body(session))
    assert client.get(count_url[1]).json()["checked_in"] == 1


def test_hours_record(console: tuple[TestClient, str]) -> None:
    client, _ = console
    first, second = make_session(client), make_session(client, module="first-aid", title="心理急救")
    for s in (first, second):
        client.post(f"/api/trainings/{s['id']}/attendance", json=check_in_body(s))
    hours = {m["slug"]: m["hours"] for m in client.get("/api/modules").json()["items"]}
    teacher = client.get("/api/admin/hours", headers=ADMIN).json()["items"][0]
    assert teacher["hours"] == hours["policy"] + hours["first-aid"]
    record = client.get(f"/admin/hours/{teacher['key']}")
    assert "继续教育学时记录" in record.text and "data-print" in record.text
    assert f"{teacher['hours']:g}" in record.text
    assert client.get("/admin/hours/NOPE", follow_redirects=False).status_code == 404


def test_review_a_volunteer_in_the_console(console: tuple[TestClient, str]) -> None:
    client, csrf = console
    made = client.post("/api/volunteers", json=volunteer_body()).json()
    path = f"/admin/volunteers/{made['id']}/"
    queue = client.get("/admin/volunteers/")
    assert "张明" in queue.text and "0 天" in queue.text
    missing = post_form(client, path, csrf, action="request_info", note="")
    assert missing.status_code == 422
    asked = post_form(client, path, csrf, action="request_info", note="请补充证书照片")
    assert asked.status_code == 303
    assert "待补充材料" in client.get("/admin/volunteers/").text
    assert post_form(client, path, csrf, action="approved", note="").status_code == 303
    assert "李" not in client.get("/admin/experts/").text and "张明" in client.get("/admin/experts/").text
    refused = post_form(client, path, csrf, action="approved", note="")
    assert refused.status_code == 409 and "不能从 approved 改为 approved" in refused.text


def test_a_visit_on_a_past_date_is_refused(console: tuple[TestClient, str]) -> None:
    """Issue 12: staff could confirm (or offer) a visit on a date already gone, without a word."""
    client, csrf = console
    expert_id = approved_expert(client)
    made = client.post("/api/bookings", json=booking_body()).json()
    yesterday = (clock.today() - dt.timedelta(days=1)).isoformat()
    fields = {"status": "confirmed", "date": yesterday, "time_slot": "morning",
              "expert_id": expert_id}
    refused = post_form(client, f"/admin/bookings/{made['id']}/", csrf, **fields)
    assert refused.status_code == 422 and f"{yesterday} 已经过去" in refused.text
    assert "请选择今天或以后的日期" in refused.text
    api = client.patch(f"/api/admin/bookings/{made['id']}", headers=ADMIN, json=fields)
    assert api.status_code == 422 and "date" in api.json()["error"]["fields"]
    offered = client.post(f"/api/admin/bookings/{made['id']}/offer", headers=ADMIN,
                          json={"expert_id": expert_id, "date": yesterday, "time_slot": "morning"})
    assert offered.status_code == 422 and "date" in offered.json()["error"]["fields"]
    listed = client.get("/api/admin/bookings", headers=ADMIN).json()["items"]
    assert [b["status"] for b in listed if b["id"] == made["id"]] == ["requested"]


def test_confirm_a_visit_in_the_console(console: tuple[TestClient, str]) -> None:
    client, csrf = console
    expert_id = approved_expert(client)
    first = client.post("/api/bookings", json=booking_body()).json()
    second = client.post("/api/bookings", json=booking_body(school="市第二中学")).json()
    day = eligible_dates()[6].isoformat()
    fields = {"status": "confirmed", "date": day, "time_slot": "morning", "expert_id": expert_id}
    assert post_form(client, f"/admin/bookings/{first['id']}/", csrf, **fields).status_code == 303
    busy = post_form(client, f"/admin/bookings/{second['id']}/", csrf, **fields)
    assert busy.status_code == 409 and "已有确认的进校活动" in busy.text
    assert f'value="{day}"' in busy.text  # what was chosen is still there
    no_reason = post_form(client, f"/admin/bookings/{second['id']}/", csrf, status="declined")
    assert no_reason.status_code == 422
    declined = post_form(client, f"/admin/bookings/{second['id']}/", csrf, status="declined",
                         reason="专家档期已满")
    assert declined.status_code == 303
    visits = client.get("/admin/visits/?month=" + day[:7])
    assert "市实验小学" in visits.text
    assert post_form(client, f"/admin/bookings/{first['id']}/", csrf,
                     status="completed").status_code == 303
    expert_page = client.get(f"/admin/experts/{expert_id}/")
    assert first["reference"] in expert_page.text and "已完成" in expert_page.text


def test_limits_page(console: tuple[TestClient, str]) -> None:
    client, csrf = console
    bad = post_form(client, "/admin/limits/", csrf, per_school_per_term="0", blackout="明天")
    assert bad.status_code == 422 and "明天" in bad.text
    saved = post_form(client, "/admin/limits/", csrf, per_school_per_term="2",
                      per_expert_per_month="", blackout="2027-01-11 至 2027-01-12 期末考试")
    assert saved.status_code == 303
    rules = client.get("/api/admin/limits", headers=ADMIN).json()
    assert rules["per_school_per_term"] == 2 and rules["per_expert_per_month"] is None
    assert [b["reason"] for b in rules["blackout"]] == ["期末考试", "期末考试"]
    assert "2027-01-12 期末考试" in client.get("/admin/limits/").text


def test_a_console_path_without_its_slash_is_redirected(client: TestClient) -> None:
    for path in ("/admin/trainings", "/admin/hours", "/admin/exports", "/admin/rota"):
        response = client.get(path + "?status=all", follow_redirects=False)
        assert response.status_code == 308, path
        assert response.headers["location"] == path + "/?status=all"
    assert client.get("/admin/no-such-page", follow_redirects=False).status_code == 404
    assert client.get("/admin/trainings/", follow_redirects=False).status_code in (200, 303)
