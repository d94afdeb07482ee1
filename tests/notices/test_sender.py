"""The sender's rules: back-off against a refusing SMTP server, failure for good, crashes."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.testclient import TestClient

from forms_api import clock
from forms_api.notices import sender as sending
from forms_api.notices.channels import Message
from forms_api.notices.outbox import OUTBOX, Recipient, bureau, enqueue, personal_link
from forms_api.notices.smtp import SmtpChannel
from forms_api.notices.webhook import WebhookChannel
from forms_api.settings import Settings
from forms_api.storage import Database
from forms_api.web import personal
from tests.admin_support import login
from tests.forms_support import ADMIN, ADMIN_TOKEN
from tests.notices.support import BUREAU_EMAIL, MailServer, WebhookServer

TEACHER = Recipient("volunteer", "张明", "13700137000", "zhang.ming@hospital.example.org")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.at = clock.now() + dt.timedelta(seconds=1)  # just after the notices are made

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += dt.timedelta(seconds=seconds)


@dataclass
class Sms:
    """A non-idempotent channel like Aliyun's SendSms: it must never send twice."""

    sent: list[Message] = field(default_factory=list)
    name: str = "sms"
    idempotent: bool = False

    def reaches(self, to: Recipient) -> bool:
        return to.mobile is not None

    async def send(self, message: Message) -> None:
        self.sent.append(message)


def _notice(db: Database, link: str | dict[str, object] | None = "/volunteer/") -> str:
    with db.transaction():
        notice_id: str = enqueue(db, "volunteer.approved", TEACHER, "【心育驿站】审核通过",
                                 "张明老师：您已通过审核。", link)["id"]
    return notice_id


def _smtp(mail: MailServer) -> SmtpChannel:
    channel = SmtpChannel.from_settings(Settings(**mail.settings()))
    assert channel is not None
    return channel


def _bureau() -> Recipient:
    return bureau(Settings(bureau_email=BUREAU_EMAIL))


def test_a_refusing_server_is_retried_with_back_off_then_failed() -> None:
    db, now = Database.memory(), Clock()
    with MailServer() as mail:
        mail.handler.refuse = 451
        sender = sending.Sender(db, [_smtp(mail)], site_url=None, bureau_to=_bureau(), now=now)
        notice_id = _notice(db)
        attempts_at = []
        while db.table(OUTBOX).get_id(notice_id)["status"] == "waiting":  # type: ignore[index]
            assert asyncio.run(sender.tick()) == 1
            attempts_at.append(now.at)
            current = db.table(OUTBOX).get_id(notice_id)
            assert current is not None
            due = clock.parse_iso(current["next_attempt_at"])
            if current["status"] == "waiting":  # a second before it is due, nothing is tried
                now.at = due - dt.timedelta(seconds=1)
                assert asyncio.run(sender.tick()) == 0
                now.at = due
        notice = db.table(OUTBOX).get_id(notice_id)
        assert notice is not None
        assert notice["status"] == "failed" and notice["attempts"] == sending.MAX_ATTEMPTS == 8
        assert mail.handler.attempts == 8 and not mail.messages
        gaps = [(b - a).total_seconds() for a, b in zip(attempts_at, attempts_at[1:], strict=False)]
        assert gaps == list(sending.BACKOFF)  # 1 min, 5 min, 15 min, 30 min, 1 h, 2 h, 6 h
        assert notice["channels"]["email"]["error"] == "邮件服务器答复 451"
        assert [e["outcome"] for e in notice["log"]] == ["retry"] * 7 + ["failed"]
    # The bureau's mailbox hears once, and a notice to the bureau never begets another.
    told = db.table(OUTBOX).find(event="notice.failed")
    assert len(told) == 1 and notice_id in told[0]["text"]
    assert told[0]["to"]["email"] == BUREAU_EMAIL


def test_a_permanent_refusal_fails_at_once() -> None:
    db, now = Database.memory(), Clock()
    with MailServer() as mail:
        mail.handler.refuse = 554
        sender = sending.Sender(db, [_smtp(mail)], site_url=None, now=now)
        notice_id = _notice(db)
        assert asyncio.run(sender.tick()) == 1
        notice = db.table(OUTBOX).get_id(notice_id)
        assert notice is not None and notice["status"] == "failed" and notice["attempts"] == 1
        assert notice["channels"]["email"]["error"] == "邮件服务器答复 554"
        now.advance(sending.BACKOFF[-1] * 2)
        assert asyncio.run(sender.tick()) == 0


def test_a_webhook_error_is_retried_and_a_4xx_is_permanent() -> None:
    db, now = Database.memory(), Clock()
    with WebhookServer() as hook:
        channel = WebhookChannel(hook.url, "k" * 20)
        sender = sending.Sender(db, [channel], site_url="https://x.example.cn", now=now)
        hook.status = 503
        first = _notice(db)
        asyncio.run(sender.tick())
        assert db.table(OUTBOX).get_id(first)["channels"]["webhook"]["status"] == "retry"  # type: ignore[index]
        hook.status = 200
        now.advance(sending.BACKOFF[0])
        asyncio.run(sender.tick())
        done = db.table(OUTBOX).get_id(first)
        assert done is not None and done["status"] == "sent" and done["attempts"] == 2
        assert [h.json["link"] for h in hook.received] == ["https://x.example.cn/volunteer/"] * 2
        hook.status = 410
        second = _notice(db)
        asyncio.run(sender.tick())
        assert db.table(OUTBOX).get_id(second)["status"] == "failed"  # type: ignore[index]


def _crash(db: Database, channel: object, now: Clock) -> None:
    """A process that claimed an attempt and died before it could send or record it."""
    dead = sending.Sender(db, [channel], site_url="https://x.example.cn", now=now)  # type: ignore[list-item]
    with db.transaction():
        assert len(dead.claim()) == 1


def test_a_non_idempotent_channel_caught_sending_by_a_crash_is_not_resent() -> None:
    db, now, sms = Database.memory(), Clock(), Sms()
    notice_id = _notice(db)
    _crash(db, sms, now)
    assert db.table(OUTBOX).get_id(notice_id)["channels"]["sms"]["status"] == "sending"  # type: ignore[index]
    restarted = sending.Sender(db, [sms], site_url="https://x.example.cn", now=now)
    asyncio.run(restarted.tick())
    notice = db.table(OUTBOX).get_id(notice_id)
    assert notice is not None and sms.sent == []
    assert notice["status"] == "failed" and notice["channels"]["sms"]["error"] == sending.UNKNOWN
    now.advance(sending.BACKOFF[-1] * 2)
    asyncio.run(restarted.tick())
    assert sms.sent == []


def test_an_idempotent_channel_caught_sending_by_a_crash_is_sent_again_with_its_id() -> None:
    db, now = Database.memory(), Clock()
    with MailServer() as mail:
        notice_id = _notice(db, personal_link("volunteer", "V1"))
        _crash(db, _smtp(mail), now)
        restarted = sending.Sender(db, [_smtp(mail)], site_url="https://x.example.cn", now=now)
        assert asyncio.run(restarted.tick()) == 1
        assert [m["Message-ID"] for m in mail.messages] == [f"<{notice_id}@portal>"]
        notice = db.table(OUTBOX).get_id(notice_id)
        assert notice is not None and notice["status"] == "sent" and notice["attempts"] == 2
        assert [e["outcome"] for e in notice["log"]] == ["unknown", "sent"]
        # The link sent is the live one; the one minted by the dead process no longer works.
        token = mail.messages[0].get_body(("plain",)).get_content().split("/me/?t=")[1].split()[0]  # type: ignore[union-attr]
        assert personal.redeem(db, token) == personal.Person("volunteer", "V1")
        assert "t=" not in str(notice)  # the token is never stored


def test_without_a_channel_notices_wait_and_staff_pass_them_on(
        make_client: Callable[..., TestClient]) -> None:
    client = make_client(admin_token=ADMIN_TOKEN, rate_limit=0)
    csrf = login(client)
    db = client.app.state.portal.db
    notice_id = _notice(db, personal_link("volunteer", "V9"))
    home = client.get("/admin/").text
    assert "条通知等待发送" in home and 'href="/admin/outbox/' in home
    page = client.get(f"/admin/outbox/{notice_id}/").text
    assert "张明老师：您已通过审核。" in page and "生成个人链接" in page and "/me/?t=" not in page
    minted = client.post(f"/admin/outbox/{notice_id}/", data={"csrf": csrf, "action": "link"})
    assert minted.status_code == 200 and "只显示这一次" in minted.text
    token = minted.text.split("/me/?t=")[1].split("<")[0]
    assert personal.redeem(db, token) == personal.Person("volunteer", "V9")
    handed = client.post(f"/admin/outbox/{notice_id}/", data={"csrf": csrf, "action": "handed"},
                         follow_redirects=False)
    assert handed.status_code == 303
    listed = client.get("/api/admin/outbox?status=handed", headers=ADMIN).json()["items"]
    assert [(n["id"], n["channel"]) for n in listed] == [(notice_id, "manual")]
    actions = [e["action"] for e in client.get("/api/admin/audit", headers=ADMIN).json()["items"]]
    assert {"outbox.link", "outbox.handed"} <= set(actions)
    assert token not in str(client.get("/api/admin/audit", headers=ADMIN).json())
