"""Rota notices through the outbox to a real SMTP server (aiosmtpd): each arrives once.

The reminders run at moments the test chooses (`reminders.run(p, now)`, the job's own call with
the clock moved on), so a day before, an hour before and 72 hours ahead need no waiting.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from email.message import EmailMessage

import pytest
from starlette.testclient import TestClient

from forms_api import clock
from forms_api.rota import reminders
from forms_api.web import personal
from tests.forms_support import ADMIN, ADMIN_TOKEN, approved_expert, check_in_body, make_session
from tests.notices.support import BUREAU_EMAIL, SITE_URL, MailServer, wait_for
from tests.notices.test_events import mail_of, person_of, settled, text
from tests.rota.support import MODULE, add_shift, at, cookie, make_hotline, portal_of, take

GIVER, TAKER = "li.hong@school.example.cn", "wang.gang@school.example.cn"


@pytest.fixture
def rota(make_client: Callable[..., TestClient]) -> Iterator[tuple[TestClient, MailServer]]:
    with MailServer() as mail:
        client = make_client(admin_token=ADMIN_TOKEN, rate_limit=0, site_url=SITE_URL,
                             bureau_email=BUREAU_EMAIL, **mail.settings())
        yield client, mail
        settled(client)
        ids = Counter(m["Message-ID"] for m in mail.messages)
        assert all(n == 1 for n in ids.values()), ids


def _volunteer(client: TestClient, phone: str, name: str, email: str) -> str:
    """An approved hotline volunteer who attended the hotline training."""
    vid = approved_expert(client, phone=phone, name=name, email=email,
                          roles=["visits", "hotline"])
    held = portal_of(client).db.table("trainings").find(module=MODULE)
    session = held[0] if held else make_session(client, module=MODULE)
    assert client.post(f"/api/trainings/{session['id']}/attendance",
                       json=check_in_body(session, phone=phone, name=name)).status_code == 201
    return vid


def _subject(mail: MailServer, address: str, subject: str, count: int) -> list[EmailMessage]:
    """The messages to `address` with `subject`, once there are `count` of them."""
    found = [m for m in mail.to(address) if subject in str(m["Subject"])]
    return found if len(found) >= count else []


def _mails(mail: MailServer, address: str) -> Counter[str]:
    return Counter(str(m["Subject"]).removeprefix("【心育驿站】") for m in mail.to(address))


def test_reminders_swaps_cancellation_and_gaps_arrive_once(
        rota: tuple[TestClient, MailServer]) -> None:
    client, mail = rota
    p = portal_of(client)
    line = make_hotline(client, name="市学生心理援助热线")
    giver = _volunteer(client, "13900139400", "李红", GIVER)
    taker = _volunteer(client, "13900139401", "王刚", TAKER)

    # A day before and an hour before: the job runs often, each reminder goes out once.
    night = at(6, 20)
    shift = add_shift(client, line["id"], night, hours=12, min_seats=1)
    assert client.post(f"/api/admin/shifts/{shift['id']}/assign", json={"volunteer_id": giver},
                       headers=ADMIN).status_code == 200
    for moment in (night - dt.timedelta(hours=30), night - dt.timedelta(hours=23),
                   night - dt.timedelta(hours=22, minutes=59), night - dt.timedelta(hours=22),
                   night - dt.timedelta(minutes=50), night - dt.timedelta(minutes=49),
                   night - dt.timedelta(minutes=10)):
        reminders.run(p, moment)
    bodies = [text(m) for m in wait_for(lambda: _subject(mail, GIVER, "热线值班提醒", 2))]
    # Queued a moment apart here, so they may arrive in either order (on PostgreSQL they do).
    day = [b for b in bodies if "明天" in b]
    hour = [b for b in bodies if "1 小时后" in b]
    assert len(day) == len(hour) == 1, bodies
    assert "20:00" in day[0] and "（次日）" in day[0], bodies
    # Each notice's link is minted when sent and retires the one before: one of the two opens.
    opened = [person_of(client, body) for body in bodies]
    assert sorted(opened, key=str) == sorted([personal.Person("volunteer", giver), None], key=str)

    # A gap 72 hours ahead: the coordinator hears once, with the console's address.
    gap_at = at(9, 8)
    add_shift(client, line["id"], gap_at, min_seats=2)
    for moment in (gap_at - dt.timedelta(hours=80), gap_at - dt.timedelta(hours=71),
                   gap_at - dt.timedelta(hours=70), gap_at - dt.timedelta(hours=30)):
        reminders.run(p, moment)
    gap = text(mail_of(mail, BUREAU_EMAIL, "热线值班缺岗"))
    assert "市学生心理援助热线" in gap and "少于最少 2 人" in gap
    assert f"{SITE_URL}/admin/rota/" in gap

    # A swap inside the cut-off: offered, accepted, approved; each step told once.
    soon = add_shift(client, line["id"], clock.now() + dt.timedelta(hours=20), min_seats=1)
    assert take(client, soon["id"], giver).status_code == 200
    offered = take(client, soon["id"], giver, "offer")
    assert offered.status_code == 200
    assert "请照常到岗" in text(mail_of(mail, GIVER, "换班申请已发出"))
    assert "申请换班" in text(mail_of(mail, BUREAU_EMAIL, "有志愿者申请换班"))
    assert client.post(f"/api/me/swaps/{offered.json()['id']}/accept",
                       headers=cookie(client, taker)).status_code == 200
    assert "等待协调人确认" in text(mail_of(mail, GIVER, "有人愿意接替您的值班"))
    assert "请审批" in text(mail_of(mail, BUREAU_EMAIL, "换班等待审批"))
    assert client.post(f"/api/admin/rota/swaps/{offered.json()['id']}/approve",
                       headers=ADMIN).status_code == 200
    assert "您无需到岗" in text(mail_of(mail, GIVER, "换班成功"))
    done = text(mail_of(mail, TAKER, "换班成功"))
    assert "请您按时到岗" in done and person_of(client, done) == personal.Person("volunteer", taker)

    # A cancelled shift: its volunteer hears, once.
    later = add_shift(client, line["id"], at(12, 8), min_seats=1)
    assert client.post(f"/api/admin/shifts/{later['id']}/assign", json={"volunteer_id": taker},
                       headers=ADMIN).status_code == 200
    assert client.patch(f"/api/admin/shifts/{later['id']}", json={"status": "cancelled"},
                        headers=ADMIN).status_code == 200
    assert "已取消，无需到岗" in text(mail_of(mail, TAKER, "热线值班取消"))

    settled(client)
    applied = {"已收到您的专家志愿者报名": 1, "专家志愿者审核已通过": 1}
    assert _mails(mail, GIVER) == {**applied, "您被安排了热线值班": 1, "热线值班提醒": 2, "换班申请已发出": 1,
                                   "有人愿意接替您的值班": 1, "换班成功": 1}
    assert _mails(mail, TAKER) == {**applied, "换班成功": 1, "您被安排了热线值班": 1, "热线值班取消": 1}
    assert _mails(mail, BUREAU_EMAIL) == {"热线值班缺岗": 1, "有志愿者申请换班": 1,
                                          "换班等待审批": 1}
