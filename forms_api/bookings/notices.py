"""What a school's contact and the expert are told about a visit, in short plain Chinese.

Each function is called inside the transaction of the change it reports. The school's link
is its status page (`/booking/status/?ref=…`, which still asks for the phone); the expert's
is their own page. No text carries a student's detail: only the school, date, slot, topic
and audience as the school booked them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from forms_api import clock
from forms_api.bookings.forms import AUDIENCES, TIME_SLOTS
from forms_api.notices.outbox import SIGNATURE, Recipient, enqueue, personal_link
from forms_api.storage import Database
from forms_api.volunteers.forms import EXPERTISE
from forms_api.volunteers.notices import recipient as volunteer_recipient
from forms_api.volunteers.records import VOLUNTEERS


def status_link(booking: dict[str, Any]) -> str:
    return f"/booking/status/?ref={booking['reference']}"


def when(booking: dict[str, Any]) -> str:
    """12月7日（周一）上午"""
    day = dt.date.fromisoformat(booking["date"])
    return f"{clock.show_date(day)}{TIME_SLOTS.get(booking['time_slot'], '')}"


def _school(db: Database, event: str, booking: dict[str, Any], subject: str, text: str) -> None:
    to = Recipient("school", booking["contact_name"], booking.get("phone"), booking.get("email"))
    enqueue(db, event, to, f"【心育驿站】{subject}",
            f"{booking['contact_name']}老师：{text}（预约编号 {booking['reference']}）\n{SIGNATURE}",
            status_link(booking))


def _expert(db: Database, event: str, expert_id: str | None, subject: str, text: str) -> None:
    expert = db.table(VOLUNTEERS).get_id(expert_id) if expert_id else None
    if expert is None:
        return
    enqueue(db, event, volunteer_recipient(expert), f"【心育驿站】{subject}",
            f"{expert['name']}老师：{text}\n{SIGNATURE}", personal_link("volunteer", expert["id"]))


def _visit(booking: dict[str, Any]) -> str:
    topic = EXPERTISE.get(booking["topic"], booking["topic"])
    audience = AUDIENCES.get(booking["audience"], booking["audience"])
    return (f"{when(booking)}到{booking['school']}开展进校活动，主题“{topic}”，"
            f"对象为{audience}约 {booking['audience_size']} 人")


def received(db: Database, booking: dict[str, Any]) -> None:
    _school(db, "booking.received", booking, "已收到进校预约",
            f"已收到{booking['school']}的“专家进校园”预约。我们安排好日期和专家后会通知您，"
            "也可以凭预约编号和联系电话随时查询进度")


def confirmed(db: Database, before: dict[str, Any], booking: dict[str, Any]) -> None:
    """A confirmation or a change of date, slot or expert: the school and the expert hear."""
    expert = db.table(VOLUNTEERS).get_id(booking["expert_id"]) or {}
    name = expert.get("name", "")
    title = f"（{expert['title']}）" if expert.get("title") else ""
    changed = before["status"] == "confirmed"
    verb = "已调整为" if changed else "已确认："
    _school(db, "booking.confirmed", booking, "进校活动已调整" if changed else "进校预约已确认",
            f"{booking['school']}的专家进校园活动{verb}{when(booking)}，专家 {name}{title}")
    _expert(db, "booking.confirmed", booking["expert_id"],
            "进校活动有调整" if changed else "进校活动已确认",
            f"请您于{_visit(booking)}。" + ("（时间或安排有调整，请以本通知为准。）" if changed else ""))
    if changed and before.get("expert_id") not in (None, booking["expert_id"]):
        _expert(db, "booking.cancelled", before["expert_id"], "进校活动已改由其他专家承担",
                f"原定{when(before)}到{before['school']}的进校活动已改由其他专家承担，"
                "不再需要您前往。感谢您的支持！")


def declined(db: Database, before: dict[str, Any], booking: dict[str, Any]) -> None:
    _school(db, "booking.declined", booking, "进校预约未能安排",
            f"很抱歉，{booking['school']}的专家进校园预约这次未能安排。原因：{booking['reason']}")
    _expert_released(db, before)


def cancelled(db: Database, before: dict[str, Any], booking: dict[str, Any], *,
              by_bureau: bool) -> None:
    """A cancellation: the school hears; when the bureau cancelled, the expert too."""
    how = "已按贵校的要求取消" if by_bureau else "已按您的操作取消"
    _school(db, "booking.cancelled", booking, "进校预约已取消",
            f"{booking['school']}的专家进校园预约{how}。如需重新安排，欢迎再次预约")
    if by_bureau:
        _expert_released(db, before)


def _expert_released(db: Database, before: dict[str, Any]) -> None:
    if before["status"] == "confirmed" and before.get("date"):
        _expert(db, "booking.cancelled", before.get("expert_id"), "进校活动已取消",
                f"原定{when(before)}到{before['school']}的进校活动已取消，不再需要您前往。"
                "感谢您的支持！")


def reminder(db: Database, booking: dict[str, Any]) -> None:
    """Three days before a confirmed visit: the school and the expert."""
    _school(db, "booking.reminder", booking, "进校活动提醒",
            f"提醒：{booking['school']}的专家进校园活动将于{when(booking)}进行。"
            "如有变化，请尽快与我们联系")
    _expert(db, "booking.reminder", booking.get("expert_id"), "进校活动提醒",
            f"提醒：请您于{_visit(booking)}。如有变化，请尽快与我们联系。")
