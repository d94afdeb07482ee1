"""Who hears what: every event arrives once, by e-mail and webhook, with the right text and link."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from starlette.testclient import TestClient

from forms_api import clock
from forms_api.admin import audit
from forms_api.bookings import reminders
from forms_api.bookings.forms import eligible_dates
from forms_api.bookings.records import BOOKINGS
from forms_api.web import personal
from tests.forms_support import ADMIN, ADMIN_TOKEN, booking_body, volunteer_body
from tests.logcheck import remember
from tests.notices.support import BUREAU_EMAIL, SITE_URL, MailServer, WebhookServer, wait_for

PERSONAL = re.compile(re.escape(SITE_URL) + r"/me/\?t=([\w-]+)")
EXPERT_EMAIL = "zhang.ming@hospital.example.org"
SCHOOL_EMAIL = "zhao@school.example.cn"

Notified = tuple[TestClient, MailServer, WebhookServer]


@pytest.fixture
def notified(make_client: Callable[..., TestClient]) -> Iterator[Notified]:
    with MailServer() as mail, WebhookServer() as hook:
        client = make_client(admin_token=ADMIN_TOKEN, rate_limit=0, site_url=SITE_URL,
                             bureau_email=BUREAU_EMAIL, **mail.settings(), **hook.settings())
        yield client, mail, hook
        settled(client)
        # Once: no message id and no webhook id twice, whatever happened above.
        ids = Counter(m["Message-ID"] for m in mail.messages)
        assert all(n == 1 for n in ids.values()), ids
        hook_ids = Counter((h.json["id"], h.json["event"]) for h in hook.received)
        assert all(n == 1 for n in hook_ids.values()), hook_ids
        assert all(h.verifies() for h in hook.received)


def settled(client: TestClient) -> list[dict[str, Any]]:
    """Every notice once the sender has dealt with it."""
    def done() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = client.get("/api/admin/outbox", headers=ADMIN).json()["items"]
        return items if all(n["status"] != "waiting" for n in items) else None
    found: list[dict[str, Any]] = wait_for(done)
    return found


def mail_of(mail: MailServer, address: str, subject_part: str) -> EmailMessage:
    """The one message to `address` whose subject contains `subject_part`."""
    found = wait_for(lambda: [m for m in mail.to(address) if subject_part in m["Subject"]])
    assert len(found) == 1, [m["Subject"] for m in found]
    message: EmailMessage = found[0]
    return message


def text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    content: str = body.get_content()
    return content


def hook_of(hook: WebhookServer, event: str, email: str) -> dict[str, Any]:
    found = wait_for(lambda: [h.json for h in hook.events(event) if h.json["to"]["email"] == email])
    assert len(found) == 1, found
    document: dict[str, Any] = found[0]
    return document


def person_of(client: TestClient, content: str) -> personal.Person | None:
    match = PERSONAL.search(content)
    assert match, content
    return personal.redeem(client.app.state.portal.db, match[1])


def test_a_volunteer_hears_received_approved_rejected_and_needs_info(notified: Notified) -> None:
    client, mail, hook = notified
    made = client.post("/api/volunteers", json=volunteer_body(email=EXPERT_EMAIL)).json()
    received = mail_of(mail, EXPERT_EMAIL, "已收到")
    assert received["Message-ID"].startswith("<") and received["Message-ID"].endswith("@portal>")
    assert "张明老师" in text(received) and "已收到您的专家志愿者报名" in text(received)
    webhook = hook_of(hook, "volunteer.received", EXPERT_EMAIL)
    assert webhook["to"] == {"phone": "13700137000", "email": EXPERT_EMAIL}
    assert f"<{webhook['id']}@portal>" == received["Message-ID"]
    # One personal link per notice, the same on both channels, opening the volunteer's page.
    assert webhook["link"] in text(received)
    assert person_of(client, text(received)) == personal.Person("volunteer", made["id"])

    asked = client.patch(f"/api/admin/volunteers/{made['id']}",
                         json={"status": "needs_info", "note": "心理咨询师证书的照片"}, headers=ADMIN)
    assert asked.status_code == 200, asked.text
    needs = text(mail_of(mail, EXPERT_EMAIL, "补充材料"))
    assert "还需要补充：心理咨询师证书的照片" in needs
    assert person_of(client, needs) == personal.Person("volunteer", made["id"])
    assert hook_of(hook, "volunteer.needs_info", EXPERT_EMAIL)["event"] == "volunteer.needs_info"

    assert client.patch(f"/api/admin/volunteers/{made['id']}", json={"status": "approved"},
                        headers=ADMIN).status_code == 200
    approved = text(mail_of(mail, EXPERT_EMAIL, "审核已通过"))
    assert "已通过审核" in approved and person_of(client, approved) is not None

    other = client.post("/api/volunteers", json=volunteer_body(
        name="李华", phone="13700137001", email="li.hua@example.org")).json()
    assert client.patch(f"/api/admin/volunteers/{other['id']}",
                        json={"status": "rejected", "note": "从业年限证明不足"},
                        headers=ADMIN).status_code == 200
    rejected = text(mail_of(mail, "li.hua@example.org", "审核结果"))
    assert "暂未通过" in rejected and "原因：从业年限证明不足" in rejected
    assert hook_of(hook, "volunteer.rejected", "li.hua@example.org")["text"].count("从业年限") == 1
    events = Counter(n["event"] for n in settled(client))
    assert events == {"volunteer.received": 2, "volunteer.needs_info": 1, "volunteer.approved": 1,
                      "volunteer.rejected": 1}


def _expert(client: TestClient) -> str:
    made = client.post("/api/volunteers", json=volunteer_body(email=EXPERT_EMAIL)).json()
    assert client.patch(f"/api/admin/volunteers/{made['id']}", json={"status": "approved"},
                        headers=ADMIN).status_code == 200
    expert_id: str = made["id"]
    return expert_id


def test_a_school_hears_received_confirmed_declined_cancelled(notified: Notified) -> None:
    client, mail, hook = notified
    expert_id = _expert(client)
    made = client.post("/api/bookings", json=booking_body(email=SCHOOL_EMAIL)).json()
    ref = made["reference"]
    received = text(mail_of(mail, SCHOOL_EMAIL, "已收到进校预约"))
    assert f"预约编号 {ref}" in received and "赵老师" in received
    assert f"{SITE_URL}/booking/status/?ref={ref}" in received
    # A landline cannot take a text message: the webhook gets the e-mail only.
    assert hook_of(hook, "booking.received", SCHOOL_EMAIL)["to"] == {"phone": None,
                                                                      "email": SCHOOL_EMAIL}

    day = eligible_dates()[3]
    confirm = {"status": "confirmed", "date": day.isoformat(), "time_slot": "afternoon",
               "expert_id": expert_id}
    assert client.patch(f"/api/admin/bookings/{made['id']}", json=confirm,
                        headers=ADMIN).status_code == 200
    confirmed = text(mail_of(mail, SCHOOL_EMAIL, "进校预约已确认"))
    assert clock.show_date(day) + "下午" in confirmed and "专家 张明（主任医师）" in confirmed
    to_expert = text(mail_of(mail, EXPERT_EMAIL, "进校活动已确认"))
    assert "市实验小学" in to_expert and clock.show_date(day) in to_expert
    assert person_of(client, to_expert) == personal.Person("volunteer", expert_id)

    # The bureau cancels on the school's behalf: the school and the expert hear.
    assert client.patch(f"/api/admin/bookings/{made['id']}", json={"status": "cancelled"},
                        headers=ADMIN).status_code == 200
    assert "已按贵校的要求取消" in text(mail_of(mail, SCHOOL_EMAIL, "进校预约已取消"))
    assert "不再需要您前往" in text(mail_of(mail, EXPERT_EMAIL, "进校活动已取消"))

    declined = client.post("/api/bookings", json=booking_body(
        school="市第二中学", email="office@no2.example.cn")).json()
    assert client.patch(f"/api/admin/bookings/{declined['id']}",
                        json={"status": "declined", "reason": "该周专家均已排满"},
                        headers=ADMIN).status_code == 200
    assert "原因：该周专家均已排满" in text(mail_of(mail, "office@no2.example.cn", "未能安排"))

    own = client.post("/api/bookings", json=booking_body(
        school="市第三中学", email="office@no3.example.cn")).json()
    assert client.post(f"/api/bookings/{own['reference']}/cancel",
                       json={"phone": "0391-1234567"}).status_code == 200
    assert "已按您的操作取消" in text(mail_of(mail, "office@no3.example.cn", "进校预约已取消"))
    events = Counter(n["event"] for n in settled(client) if n["to"]["role"] == "school")
    assert events == {"booking.received": 3, "booking.confirmed": 1, "booking.cancelled": 2,
                      "booking.declined": 1}


def test_a_reminder_three_days_before_goes_once_to_school_and_expert(notified: Notified) -> None:
    client, mail, hook = notified
    expert_id = _expert(client)
    made = client.post("/api/bookings", json=booking_body(email=SCHOOL_EMAIL)).json()
    day = eligible_dates()[0]
    assert client.patch(f"/api/admin/bookings/{made['id']}", json={
        "status": "confirmed", "date": day.isoformat(), "time_slot": "morning",
        "expert_id": expert_id}, headers=ADMIN).status_code == 200
    db = client.app.state.portal.db
    assert reminders.remind_due(db, day - dt.timedelta(days=4)) == 0  # too early
    assert reminders.remind_due(db, day - dt.timedelta(days=3)) == 1
    assert reminders.remind_due(db, day - dt.timedelta(days=2)) == 0  # once only
    school = text(mail_of(mail, SCHOOL_EMAIL, "进校活动提醒"))
    assert clock.show_date(day) + "上午" in school and "市实验小学" in school
    assert "请您于" in text(mail_of(mail, EXPERT_EMAIL, "进校活动提醒"))
    # Rescheduling clears the stamp: the new date is reminded of too.
    later = eligible_dates()[2]
    assert client.patch(f"/api/admin/bookings/{made['id']}", json={
        "status": "confirmed", "date": later.isoformat(), "time_slot": "morning",
        "expert_id": expert_id}, headers=ADMIN).status_code == 200
    assert "进校活动已调整" in mail_of(mail, SCHOOL_EMAIL, "进校活动已调整")["Subject"]
    assert reminders.remind_due(db, later - dt.timedelta(days=1)) == 1
    assert len([n for n in settled(client) if n["event"] == "booking.reminder"]) == 4


def test_a_school_cancelling_a_confirmed_visit_confirms_gives_a_reason_and_is_told(
        notified: Notified) -> None:
    client, mail, hook = notified
    expert_id = _expert(client)
    made = client.post("/api/bookings", json=booking_body(email=SCHOOL_EMAIL)).json()
    ref, phone = made["reference"], "0391-1234567"
    day = eligible_dates()[4]
    assert client.patch(f"/api/admin/bookings/{made['id']}", json={
        "status": "confirmed", "date": day.isoformat(), "time_slot": "afternoon",
        "expert_id": expert_id}, headers=ADMIN).status_code == 200
    page = {"Accept": "text/html"}
    # The first step only asks: nothing is cancelled yet, and the reason is required.
    asked = client.post("/booking/status/cancel/", headers=page,
                        data={"reference": ref, "phone": phone})
    assert asked.status_code == 200 and "确认取消预约" in asked.text
    assert "取消后教育局和专家都会收到通知" in asked.text and "取消原因（必填）" in asked.text
    assert client.get(f"/api/bookings/{ref}?phone={phone}").json()["status"] == "confirmed"
    bare = client.post("/booking/status/cancel/", headers=page,
                       data={"reference": ref, "phone": phone, "confirm": "1"})
    assert bare.status_code == 422 and "请填写取消原因" in bare.text
    assert client.get(f"/api/bookings/{ref}?phone={phone}").json()["status"] == "confirmed"
    done = client.post("/booking/status/cancel/", headers=page, follow_redirects=False,
                       data={"reference": ref, "phone": phone, "confirm": "1",
                             "reason": "学校当天组织期中考试"})
    assert done.status_code == 303 and done.headers["location"].endswith(f"{ref}&cancelled=1")

    bureau = mail_of(mail, BUREAU_EMAIL, f"学校取消了已确认的进校活动（{ref}）")
    assert "市实验小学取消了" in text(bureau) and "原因：学校当天组织期中考试" in text(bureau)
    assert f"{SITE_URL}/admin/bookings/{made['id']}/" in text(bureau)
    expert = text(mail_of(mail, EXPERT_EMAIL, "进校活动已取消"))
    assert day.isoformat() in expert and "原因：学校当天组织期中考试" in expert
    assert person_of(client, expert) == personal.Person("volunteer", expert_id)
    assert "已按您的操作取消" in text(mail_of(mail, SCHOOL_EMAIL, "进校预约已取消"))
    cancelled = [n for n in settled(client) if n["event"] == "booking.cancelled"]
    assert sorted(n["to"]["role"] for n in cancelled) == ["bureau", "school", "volunteer"]
    assert all(n["status"] == "sent" for n in cancelled)

    logged = [e for e in client.app.state.portal.db.table(audit.TABLE).all()
              if e["action"] == "booking.cancel"]
    assert len(logged) == 1 and logged[0]["actor"] == "school"
    assert logged[0]["target"] == f"{BOOKINGS}/{made['id']}"
    # The status page tells the visit's story in plain words, oldest first.
    status = client.post("/booking/status/", headers=page, data={"reference": ref, "phone": phone})
    story = re.findall(r'<li><span class="portal-history__at">[^<]*</span> ([^<]+)</li>',
                       status.text)
    assert story == ["学校提交了预约", f"教育局确认了安排：{day.isoformat()} 下午",
                     "学校取消了预约（原因：学校当天组织期中考试）"], story


def test_an_offer_a_decline_and_the_feedback_request_arrive_once(notified: Notified) -> None:
    client, mail, hook = notified
    expert_id = _expert(client)
    made = client.post("/api/bookings", json=booking_body(email=SCHOOL_EMAIL)).json()
    ref, day = made["reference"], eligible_dates()[4].isoformat()
    offer = {"expert_id": expert_id, "date": day, "time_slot": "morning"}
    assert client.post(f"/api/admin/bookings/{made['id']}/offer", json=offer,
                       headers=ADMIN).status_code == 200
    offered = text(mail_of(mail, EXPERT_EMAIL, "邀请您承担一次进校活动"))
    assert day in offered and "市实验小学" in offered and "接受或婉拒" in offered
    token = PERSONAL.search(offered)
    assert token is not None
    remember(token[1])
    secure = "https://testserver"  # the site is https: the session cookie is Secure
    assert client.get(f"{secure}/me/?t={token[1]}", follow_redirects=False).status_code == 303
    assert client.post(f"{secure}/me/decline/", follow_redirects=False, data={
        "booking_id": made["id"], "reason": "当天有门诊"}).status_code == 303
    declined = text(mail_of(mail, BUREAU_EMAIL, f"专家婉拒了进校邀请（{ref}）"))
    assert "原因：当天有门诊" in declined and f"{SITE_URL}/admin/bookings/{made['id']}/" in declined

    assert client.patch(f"/api/admin/bookings/{made['id']}", headers=ADMIN, json={
        "status": "confirmed", "date": clock.today().isoformat(), "time_slot": "morning",
        "expert_id": expert_id}).status_code == 200
    assert client.patch(f"/api/admin/bookings/{made['id']}", headers=ADMIN,
                        json={"status": "completed"}).status_code == 200
    asked = text(mail_of(mail, SCHOOL_EMAIL, f"请反馈进校活动（{ref}）"))
    link = re.search(re.escape(SITE_URL) + r"(/feedback/\?b=\w+&t=\w+)", asked)
    assert link is not None and "匿名链接" in asked
    assert 'name="overall"' in client.get(link[1]).text
    events = Counter(n["event"] for n in settled(client))
    assert events["assignment.offered"] == 1 and events["assignment.declined"] == 1
    assert events["booking.feedback"] == 1
