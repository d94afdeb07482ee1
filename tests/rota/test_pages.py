"""The volunteer's page /me/shifts/, the coordinator's console, the export and the ICS feeds."""

from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook
from starlette.testclient import TestClient

from forms_api import clock
from forms_api.rota.records import week_start
from tests.admin_support import csrf_of, post_form
from tests.forms_support import ADMIN
from tests.rota.support import add_shift, at, cookie, make_hotline, portal_of, take, volunteer


def test_the_volunteer_page_takes_leaves_and_shows_the_rule(portal_client: TestClient) -> None:
    line = make_hotline(portal_client)
    shift = add_shift(portal_client, line["id"], at(5, 8))
    vid = volunteer(portal_client, "13900139400", name="李红")
    anonymous = portal_client.get("/me/shifts/")
    assert anonymous.status_code == 200 and "个人链接" in anonymous.text
    assert "可认领的班次" not in anonymous.text
    me = cookie(portal_client, vid)
    page = portal_client.get("/me/shifts/", headers=me)
    assert page.status_code == 200 and "可认领的班次" in page.text
    assert "至少休息 11 小时" in page.text and "热线接听培训" in page.text
    assert f'action="/me/shifts/{shift["id"]}/take"' in page.text
    taken = portal_client.post(f"/me/shifts/{shift['id']}/take", headers=me,
                               follow_redirects=False)
    assert taken.status_code == 303 and taken.headers["location"] == "/me/shifts/?done=take"
    page = portal_client.get("/me/shifts/?done=take", headers=me)
    assert "已认领这个班次" in page.text and f'/me/shifts/{shift["id"]}/leave' in page.text
    again = portal_client.post(f"/me/shifts/{shift['id']}/leave", headers=me,
                               follow_redirects=False)
    assert again.status_code == 303
    refused = portal_client.post(f"/me/shifts/{shift['id']}/leave", headers=me)
    assert refused.status_code == 409 and "您不在这个班次中" in refused.text


def test_an_ineligible_volunteer_sees_why(portal_client: TestClient) -> None:
    make_hotline(portal_client)
    vid = volunteer(portal_client, "13900139401", trained=False)
    page = portal_client.get("/me/shifts/", headers=cookie(portal_client, vid))
    assert "还没有热线接听培训的签到记录" in page.text and "可认领的班次" not in page.text


def test_the_volunteer_feed_is_minted_shown_once_and_revoked(portal_client: TestClient) -> None:
    line = make_hotline(portal_client)
    shift = add_shift(portal_client, line["id"], at(5, 20), hours=12)
    vid = volunteer(portal_client, "13900139410")
    assert take(portal_client, shift["id"], vid).status_code == 200
    me = cookie(portal_client, vid)
    minted = portal_client.post("/me/shifts/feed/mint", headers=me)
    found = re.search(r"http://testserver(/api/rota/feed/[A-Za-z0-9_-]+\.ics)", minted.text)
    assert found, minted.text
    feed = portal_client.get(found[1])
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    text = feed.text
    assert "BEGIN:VCALENDAR" in text and f"UID:shift-{shift['id']}@xinyu-portal" in text
    starts = at(5, 20).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{starts}" in text and "13900139410" not in text
    stored = portal_of(portal_client).db.table("rota_feeds").all()
    assert found[1].split("/")[-1][:-4] not in str(stored)  # only the hash is kept
    assert portal_client.get("/me/shifts/", headers=me).text.count("/api/rota/feed/") == 0
    revoked = portal_client.post("/me/shifts/feed/revoke", headers=me, follow_redirects=False)
    assert revoked.status_code == 303
    assert portal_client.get(found[1]).status_code == 404
    staff = portal_client.post(f"/api/admin/rota/volunteers/{vid}/feed", headers=ADMIN)
    assert staff.json()["url"].startswith("http://testserver/api/rota/feed/")
    path = staff.json()["url"].removeprefix("http://testserver")
    assert portal_client.get(path).status_code == 200
    gone = portal_client.delete(f"/api/admin/rota/volunteers/{vid}/feed", headers=ADMIN)
    assert gone.json() == {"revoked": True} and portal_client.get(path).status_code == 404
    actions = [e["action"] for e in portal_of(portal_client).db.table("audit_log").all()]
    assert actions.count("rota.feed_mint") == 1 and actions.count("rota.feed_revoke") == 1


def test_the_coordinator_week_lists_gaps_first_and_exports(console: tuple[TestClient, str]) -> None:
    client, csrf = console
    line = make_hotline(client)
    monday = week_start(clock.today())
    gap = add_shift(client, line["id"], clock.now() + dt.timedelta(days=2), min_seats=2)
    vid = volunteer(client, "13900139420", name="王刚")
    assert client.post(f"/api/admin/shifts/{gap['id']}/assign", json={"volunteer_id": vid},
                       headers=ADMIN).status_code == 200
    page = client.get("/admin/rota/")
    assert page.status_code == 200, page.text
    html = page.text
    assert "热线值班" in html and 'href="/admin/rota/"' in html
    assert f'/admin/rota/shifts/{gap["id"]}/' in html and "1/2" in html and "王刚" in html
    gap_week = week_start(clock.parse_iso(gap["starts_at"]).date())
    week = client.get(f"/admin/rota/?week={gap_week.isoformat()}").text
    assert week.index("未来 14 天的缺岗") < week.index("rota-grid")
    assert "rota-cell--gap" in week
    generated = post_form(client, f"/admin/rota/lines/{line['id']}/generate", csrf,
                          **{"from": monday.isoformat(),
                             "to": (monday + dt.timedelta(days=6)).isoformat()})
    assert generated.status_code == 303 and "generated-28" in generated.headers["location"]
    detail = client.get(f"/admin/rota/shifts/{gap['id']}/")
    assert "记录缺勤" not in detail.text and "安排志愿者" in detail.text
    forced = post_form(client, f"/admin/rota/shifts/{gap['id']}/assign", csrf_of(detail.text),
                       volunteer_id=vid)
    assert forced.status_code == 409 and "已在这个班次中" in forced.text
    export = client.get("/api/admin/export/rota.xlsx", headers=ADMIN)
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("日期", "热线", "开始") and len(rows) == 1 + 1 + 28
    assert any(r[8] == "王刚" and r[11] == "是" for r in rows[1:])
    ics = client.get("/admin/rota/calendar.ics")
    assert ics.status_code == 200 and ics.text.count("BEGIN:VEVENT") == 29
    assert "王刚" in ics.text and "13900139420" not in ics.text


def test_a_new_line_from_the_console(console: tuple[TestClient, str]) -> None:
    client, csrf = console
    form = client.get("/admin/rota/lines/new")
    assert form.status_code == 200 and "20:00-24:00" in form.text
    bad = post_form(client, "/admin/rota/lines/new", csrf, name="市热线", number="0530-1234567",
                    training_module="policy", pattern="8点-12点")
    assert bad.status_code == 422 and "时:分" in bad.text
    made = post_form(client, "/admin/rota/lines/new", csrf, name="市学生心理援助热线",
                     number="0530-1234567", hours="24小时", training_module="policy",
                     pattern="08:00-20:00 2 3\n20:00-08:00 2 2 李老师")
    assert made.status_code == 303, made.text
    lines = client.get("/api/admin/hotlines", headers=ADMIN).json()["items"]
    assert lines[0]["pattern"][1] == {"start": "20:00", "end": "08:00", "min_seats": 2,
                                      "max_seats": 2, "supervisor": "李老师"}


def test_the_volunteer_review_page_shows_the_roles(console: tuple[TestClient, str]) -> None:
    client, _csrf = console
    vid = volunteer(client, "13900139430", trained=False)
    page = client.get(f"/admin/volunteers/{vid}/")
    assert page.status_code == 200 and "专家进校园、热线值班" in page.text
