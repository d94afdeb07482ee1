"""After a visit: the report, the service record, the certificate, the CSV and the ICS feed."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from starlette.testclient import TestClient

from forms_api import clock
from forms_api.bookings.records import BOOKINGS
from tests.forms_support import ADMIN
from tests.logcheck import remember
from tests.me.support import booking, confirm, db_of, expert, log_in, notices


def _served(client: TestClient, name: str = "郑和") -> tuple[str, dict[str, str]]:
    """An expert with a visit today, logged in to their page."""
    expert_id = expert(client, name=name)
    made = booking(client, school="=HYPERLINK(\"x\")实验中学")
    confirm(client, made["id"], expert_id, clock.today().isoformat(), "afternoon")
    log_in(client, expert_id)
    return expert_id, made


def test_a_delivered_report_completes_the_visit_and_counts_hours(portal_client: TestClient
                                                                  ) -> None:
    expert_id, made = _served(portal_client)
    incomplete = portal_client.post("/me/report/", data={"booking_id": made["id"],
                                                         "delivered": "yes"})
    assert incomplete.status_code == 422 and "实际参加人数和服务时长" in incomplete.text
    filed = portal_client.post("/me/report/", data={
        "booking_id": made["id"], "delivered": "yes", "audience_size": "75", "hours": "2.5",
        "notes": "讲座后答疑半小时"}, follow_redirects=False)
    assert filed.status_code == 303, filed.text
    stored = db_of(portal_client).table(BOOKINGS).get_id(made["id"])
    assert stored is not None and stored["status"] == "completed"
    assert stored["report"]["hours"] == 2.5
    assert len(notices(portal_client, "booking.feedback")) == 1
    page = portal_client.get("/me/").text
    assert "志愿服务记录" in page and "打印证明" in page and "2.5" in page


def test_the_certificate_has_the_required_fields_and_no_id_number(portal_client: TestClient
                                                                   ) -> None:
    expert_id, made = _served(portal_client, "冯雪")
    portal_client.post("/me/report/", data={"booking_id": made["id"], "delivered": "yes",
                                            "audience_size": "60", "hours": "2"})
    sheet = portal_client.get(f"/me/certificate/?id={made['id']}")
    assert sheet.status_code == 200
    text = sheet.text
    for needed in ("志愿服务证明", "冯雪", "服务时间", clock.today().isoformat(), "服务内容",
                   "2 小时", "出具单位", "市教育局", "出具日期", "证明编号：XY-ZY-", "盖章处",
                   "不收集身份证件号码", "me-print.css"):
        assert needed in text, needed
    assert portal_client.get("/me/certificate/?id=nothing").status_code == 404


def test_the_service_csv_is_excel_safe(portal_client: TestClient) -> None:
    expert_id, made = _served(portal_client, "陈静")
    portal_client.post("/me/report/", data={"booking_id": made["id"], "delivered": "yes",
                                            "audience_size": "60", "hours": "1.5"})
    got = portal_client.get("/me/service.csv")
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/csv")
    assert got.content.startswith("\ufeff".encode())
    lines = got.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("姓名,服务日期,开始时间,结束时间,服务地点")
    assert "陈静" in lines[1] and "14:00" in lines[1] and "1.5" in lines[1]
    assert "'=HYPERLINK" in lines[1]  # neutralised


def test_an_undelivered_report_counts_no_hours(portal_client: TestClient) -> None:
    expert_id, made = _served(portal_client)
    portal_client.post("/me/report/", data={"booking_id": made["id"], "delivered": "no",
                                            "notes": "学校临时停课"})
    stored = db_of(portal_client).table(BOOKINGS).get_id(made["id"])
    assert stored is not None and stored["status"] == "confirmed"
    assert portal_client.get("/me/certificate/").status_code == 404


def test_the_calendar_feed_is_private_and_revocable(portal_client: TestClient) -> None:
    expert_id, made = _served(portal_client, "韩梅")
    shown = portal_client.post("/me/feed/", data={"action": "new"})
    assert shown.status_code == 200
    start = shown.text.index("/me/calendar.ics?t=")
    url = shown.text[start:shown.text.index("<", start)]
    token = parse_qs(urlsplit(url).query)["t"][0]
    remember(token)
    portal_client.cookies.clear()  # a calendar app has no cookie
    feed = portal_client.get(f"/me/calendar.ics?t={token}")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    body = feed.text
    assert "BEGIN:VCALENDAR" in body and made["reference"] in body
    assert "0391-1234567" not in body and "赵老师" not in body  # no contact details
    log_in(portal_client, expert_id)
    assert portal_client.post("/me/feed/", data={"action": "stop"},
                              follow_redirects=False).status_code == 303
    assert portal_client.get(f"/me/calendar.ics?t={token}").status_code == 404


def test_staff_revoking_the_link_ends_the_feed(portal_client: TestClient) -> None:
    expert_id, made = _served(portal_client)
    shown = portal_client.post("/me/feed/", data={"action": "new"}).text
    start = shown.index("/me/calendar.ics?t=")
    token = parse_qs(urlsplit(shown[start:shown.index("<", start)]).query)["t"][0]
    remember(token)
    portal_client.delete(f"/api/admin/volunteers/{expert_id}/link", headers=ADMIN)
    assert portal_client.get(f"/me/calendar.ics?t={token}").status_code == 404
