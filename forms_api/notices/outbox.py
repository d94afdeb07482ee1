"""The outbox (table `outbox`): every notice is stored before it is sent.

Notice: {id, event, to: {name, phone, email, role}, phone (a copy of `to.phone`, for the
privacy lookup), subject, text, link, status (`waiting` | `sent` | `failed` | `handed`),
attempts, channels: {channel: {status (`sending` | `retry` | `sent` | `failed`), at, attempts,
run, next_at?, error?}}, log: [{channel, at, outcome, error?}], next_attempt_at, created_at,
sent_at, handed_by?, handed_at?}. `link` is a path under `PORTAL_SITE_URL`
(`/booking/status/?ref=…`), or `{"personal": {"kind": "volunteer" | "teacher", "id": …}}` for
a person's own page: a personal link is minted only when the notice is sent (or shown to
staff to pass on), so the database never holds a usable token, only its hash.

`enqueue` must be called inside the transaction that makes the change it reports. Notices
never go to a minor: the recipients are volunteers (adults), schools' contacts, teachers and
the bureau; the text never carries a student's detail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from forms_api import clock
from forms_api.settings import Settings
from forms_api.storage import Database, new_id

OUTBOX = "outbox"

#: The contract's event names (`GET /api/admin/outbox` answers them), with Chinese labels.
EVENTS: dict[str, str] = {
    "volunteer.received": "收到志愿者报名", "volunteer.approved": "志愿者审核通过",
    "volunteer.rejected": "志愿者未通过审核", "volunteer.needs_info": "请志愿者补充材料",
    "booking.received": "收到进校预约", "booking.confirmed": "进校预约已确认",
    "booking.declined": "进校预约未能安排", "booking.cancelled": "进校预约已取消",
    "booking.reminder": "进校活动提醒", "booking.feedback": "请反馈进校活动",
    "assignment.offered": "邀请专家承担进校活动", "assignment.declined": "专家婉拒进校邀请",
    "volunteer.link": "发送专家专属页面链接", "teacher.link": "发送教师学时记录链接",
    "registration.confirmed": "培训报名成功", "registration.waitlisted": "培训报名候补",
    "registration.promoted": "候补转为正式报名", "session.cancelled": "培训取消",
    "session.changed": "培训时间地点变更", "shift.reminder": "值班提醒",
    "shift.swap": "值班换班", "shift.gap": "值班缺岗",
    # An extension of the contract's list: the bureau hears of a notice that failed for good.
    "notice.failed": "通知发送失败",
}
STATUSES: dict[str, str] = {"waiting": "等待发送", "sent": "已发送", "failed": "发送失败",
                            "handed": "已通知（人工）"}

#: How every notice ends: who sends it.
SIGNATURE = "——心育驿站（市教育局中小学心理健康教育）"

Role = Literal["volunteer", "school", "teacher", "bureau"]


@dataclass(frozen=True)
class Recipient:
    """Who a notice is for: an adult, reached by phone (SMS gateway) or e-mail."""

    role: Role
    name: str | None = None
    phone: str | None = None
    email: str | None = None

    @property
    def mobile(self) -> str | None:
        """The phone if it can take a text message (a landline `0AREA-NUMBER` cannot)."""
        phone = self.phone or ""
        return phone if len(phone) == 11 and phone.isdigit() and phone[0] == "1" else None

    def as_dict(self) -> dict[str, Any]:
        return {"role": self.role, "name": self.name, "phone": self.phone, "email": self.email}


def personal_link(kind: Literal["volunteer", "teacher"], record_id: str) -> dict[str, Any]:
    """A link to the person's own page, minted when the notice is sent."""
    return {"personal": {"kind": kind, "id": record_id}}


def enqueue(db: Database, event: str, to: Recipient, subject: str, text: str,
            link: str | dict[str, Any] | None = None) -> dict[str, Any]:
    """Store one notice in the caller's transaction; the sender delivers it afterwards."""
    if event not in EVENTS:
        raise ValueError(f"unknown notice event {event!r}")
    now = clock.iso(clock.now())
    record: dict[str, Any] = {
        "id": new_id(), "event": event, "to": to.as_dict(), "phone": to.phone,
        "subject": subject, "text": text, "link": link, "status": "waiting", "attempts": 0,
        "channels": {}, "log": [], "next_attempt_at": now, "created_at": now, "sent_at": None}
    db.table(OUTBOX).insert(record)
    return record


def bureau(settings: Settings) -> Recipient:
    """The bureau's mailbox (`PORTAL_BUREAU_EMAIL`); unset, its notices wait for staff."""
    return Recipient("bureau", settings.bureau_name, None, settings.bureau_email)
